/**
 * The fire pipeline on a real RTSP camera: the ONVIF camera simulator of issue 5 (GStreamer RTSP server with
 * Digest auth, H.264), read by our ffmpeg reader over TCP with the socket timeout, analysed by the committed
 * model. The camera loses power (its media process is killed) and comes back on the same address: ffmpeg exits
 * (with code 0, as the field notes say), the watchdog restarts it with backoff, and frames flow again.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withCredentials } from '../../edge/cameras/profile.js';
import type { CameraState } from '../../edge/fire/camera-reader.js';
import { Detector } from '../../edge/fire/detector.js';
import type { HighResFrame } from '../../edge/fire/high-res.js';
import { CameraPipeline } from '../../edge/fire/pipeline.js';
import { defaultConfirmation } from '../../edge/fire/tracker.js';
import { silentLogger } from '../../runtime/logger.js';
import { createCameraSimulator, type CameraSimulator } from '../../simulators/cameras/simulator.js';
import { waitFor } from '../support/wait.js';

const MODEL = path.resolve(import.meta.dirname, '../../models/lookout-fire-smoke-256.onnx');

let sim: CameraSimulator;
let detector: Detector;

beforeAll(async () => {
  sim = createCameraSimulator({ count: 1, discovery: false });
  [detector] = await Promise.all([Detector.load({ modelPath: MODEL }), sim.start()]);
});

afterAll(async () => {
  await sim?.stop();
  await detector?.close();
});

it('reads an RTSP camera, and restarts the reader when the camera dies and comes back', async () => {
  const info = sim.info()[0]!;
  const statuses: CameraState[] = [];
  let frames = 0;
  let highRes: Promise<HighResFrame | undefined> | undefined;
  const pipeline = new CameraPipeline(
    { id: 'rtsp-1', url: withCredentials(info.streamUrls.sub, info.username, info.password), fps: 2 },
    detector,
    {
      confirmation: defaultConfirmation,
      stallTimeoutS: 10,
      socketTimeoutS: 2,
      backoff: { minMs: 300, maxMs: 2000 },
    },
    {
      onFrame: (result) => {
        frames++;
        highRes ??= result.frame.highRes?.(10_000);
        expect(result.frame.transform.contentWidth).toBe(256); // 16:9 sub-stream letterboxed into 256x256
        expect(result.frame.transform.contentHeight).toBe(144);
      },
      onAlert: () => undefined,
      onStatus: (_id, status) => statuses.push(status),
    },
    silentLogger(),
  );
  pipeline.start();
  try {
    await waitFor(() => frames >= 3, 30_000, 'frames from the RTSP camera');
    expect(statuses.at(-1)!.state).toBe('online');
    // The snapshot output of the live reader: the sub-stream's own 320x180 (below snapshot.maxWidth 1280).
    const snapshotFrame = await highRes;
    expect([snapshotFrame?.image.width, snapshotFrame?.image.height]).toEqual([320, 180]);

    await sim.camera(info.id).stop({ kill: true });
    await waitFor(() => statuses.at(-1)?.state === 'offline', 20_000, 'offline after the camera died');
    const before = frames;
    await sim.camera(info.id).start();
    await waitFor(
      () => statuses.at(-1)?.state === 'online' && frames > before + 2,
      40_000,
      'frames again after the camera came back',
    );
    expect(statuses.at(-1)!.restarts).toBeGreaterThanOrEqual(1);
  } finally {
    pipeline.stop();
  }
});
