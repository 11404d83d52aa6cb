/**
 * Alert snapshots at snapshot resolution with real ffmpeg: the reader's second output (PPM over a Unix socket)
 * delivers the analysed frames at min(camera width, maxWidth), the n-th of them being the same picture as the n-th
 * model frame, for replays and for a live MJPEG camera; the pipeline draws the alert's boxes on it and encodes it,
 * or uses the model-size frame when configured so, and never makes detection wait for an alert.
 */
import { defaultChange } from '../../edge/fire/change.js';
import { defaultTiling } from '../../edge/fire/tiles.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../../edge/fire/detector.js';
import { createFrameReader, type Frame, type FrameSourceSpec } from '../../edge/fire/frames.js';
import type { HighResFrame } from '../../edge/fire/high-res.js';
import { CameraPipeline, createFireMetrics, type AlertOut } from '../../edge/fire/pipeline.js';
import { defaultSnapshotSettings } from '../../edge/fire/snapshot.js';
import type { RgbImage } from '../../edge/fire/tensor.js';
import { defaultConfirmation } from '../../edge/fire/tracker.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import {
  decodeToRgb,
  outlineMatch,
  runFfmpeg,
  startMjpegCamera,
  type MjpegCamera,
} from '../support/fire-media.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

// A constant-output model (a fire box in the middle and a smoke box at the left in every frame).
const scope = scopeForFile();
const MODEL = path.resolve(import.meta.dirname, 'fixtures/yolov8-2class.onnx');

let work: string;
let ramp: string;
let small: string;
let detector: Detector;

beforeAll(async () => {
  work = await scope.use(tempDir('fire-snapshot-res'), removeDir);
  ramp = path.join(work, 'ramp.mp4');
  small = path.join(work, 'small.mp4');
  await Promise.all([
    // 960x540 at 5 fps, every frame one brightness step lighter than the one before: frames tell themselves apart.
    runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      "color=c=gray:s=960x540:r=5:d=3,geq=lum='16+N*12':cb=128:cr=128",
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '0',
      '-pix_fmt',
      'yuv420p',
      ramp,
    ]),
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=5', '-t', '2', '-pix_fmt', 'yuv420p', small]),
  ]);
  detector = await Detector.load({ modelPath: MODEL, classes: ['fire', 'smoke'] });
});

afterAll(async () => {
  await detector?.close();
});

function mean(image: RgbImage, region = { x: 0, y: 0, width: image.width, height: image.height }): number {
  let sum = 0;
  for (let y = region.y; y < region.y + region.height; y++) {
    for (let x = region.x; x < region.x + region.width; x++)
      sum += image.data[(y * image.width + x) * 3 + 1]!;
  }
  return sum / (region.width * region.height);
}

/**
 * Reads a whole replay, taking each frame's snapshot-resolution frame after a pause like a detector's (the replay
 * holds ffmpeg meanwhile, so a later frame must not have replaced it).
 */
async function readAll(
  spec: FrameSourceSpec,
): Promise<Array<{ frame: Frame; highRes: HighResFrame | undefined }>> {
  const taken: Array<Promise<{ frame: Frame; highRes: HighResFrame | undefined }>> = [];
  const errors: string[] = [];
  await new Promise<void>((resolve, reject) => {
    void createFrameReader(spec, {
      onFrame: async (frame) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        taken.push(
          (frame.highRes?.(10_000) ?? Promise.resolve(undefined)).then((highRes) => ({ frame, highRes })),
        );
      },
      onExit: (exit) => (exit.reason === 'end' ? resolve() : reject(new Error(exit.message))),
      onHighResError: (message) => errors.push(message),
    }).then((reader) => reader.start(), reject);
  });
  expect(errors).toEqual([]);
  return Promise.all(taken);
}

describe('snapshot-resolution frames from the reader', () => {
  it('a 960x540 file with maxWidth 640: 640x360 frames, the n-th showing the same picture as the n-th model frame', async () => {
    const frames = await readAll({
      url: ramp,
      kind: 'file',
      fps: 5,
      width: 128,
      height: 128,
      snapshotMaxWidth: 640,
    });
    expect(frames).toHaveLength(15);
    const means: number[] = [];
    for (const { frame, highRes } of frames) {
      expect(highRes).toBeDefined();
      expect(highRes!.index).toBe(frame.index);
      expect([highRes!.image.width, highRes!.image.height]).toEqual([640, 360]);
      const { padX, padY, contentWidth, contentHeight } = frame.transform;
      const model = mean(frame.image, { x: padX, y: padY, width: contentWidth, height: contentHeight });
      const high = mean(highRes!.image);
      expect(Math.abs(model - high)).toBeLessThan(4); // one step between frames is about 14
      means.push(high);
    }
    for (let i = 1; i < means.length; i++) expect(means[i]! - means[i - 1]!).toBeGreaterThan(8);
  });

  it('never upscales: a 320x180 camera with maxWidth 1280 gives 320x180; maxWidth 0 gives no second output', async () => {
    const frames = await readAll({
      url: small,
      kind: 'file',
      fps: 2,
      width: 256,
      height: 256,
      snapshotMaxWidth: 1280,
    });
    expect(frames.length).toBeGreaterThanOrEqual(4);
    for (const { highRes } of frames)
      expect([highRes?.image.width, highRes?.image.height]).toEqual([320, 180]);
    const modelOnly = await readAll({
      url: small,
      kind: 'file',
      fps: 2,
      width: 256,
      height: 256,
      snapshotMaxWidth: 0,
    });
    expect(modelOnly.length).toBe(frames.length);
    expect(modelOnly.every(({ frame }) => frame.highRes === undefined)).toBe(true);
  });

  describe('a live MJPEG camera', () => {
    let camera: MjpegCamera;
    let url: string;

    beforeAll(async () => {
      const file = path.join(work, 'mjpeg-frame.jpg');
      await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=640x360', '-frames:v', '1', file]);
      camera = await startMjpegCamera(await readFile(file));
      url = camera.url;
    });

    afterAll(() => camera?.close());

    it('gives each analysed live frame at the camera size (the frame itself or the next)', async () => {
      const taken: Array<{ index: number; highRes: HighResFrame | undefined }> = [];
      const reader = await createFrameReader(
        { url, fps: 2, width: 256, height: 256, socketTimeoutS: 2, snapshotMaxWidth: 1280 },
        {
          onFrame: (frame) =>
            void frame.highRes?.(5000).then((highRes) => taken.push({ index: frame.index, highRes })),
          onExit: () => undefined,
        },
      );
      reader.start();
      try {
        await waitFor(
          () => taken.length >= 3,
          20_000,
          'three live frames with their snapshot-resolution frame',
        );
      } finally {
        reader.kill();
      }
      for (const { index, highRes } of taken.slice(0, 3)) {
        expect([highRes?.image.width, highRes?.image.height]).toEqual([640, 360]);
        expect(highRes!.index - index).toBeGreaterThanOrEqual(0);
        expect(highRes!.index - index).toBeLessThanOrEqual(1);
      }
    });
  });
});

describe('alert snapshots from the pipeline', () => {
  async function runPipeline(video: string, snapshotMaxWidth: number | undefined, gate?: Promise<void>) {
    const registry = createMetricsRegistry('snapshot-test', false);
    const alerts: AlertOut[] = [];
    let frames = 0;
    let ended = false;
    let failed: string | undefined;
    const pipeline = new CameraPipeline(
      { id: 'cam-s', url: video, kind: 'file', fps: 2, snapshotMaxWidth },
      detector,
      {
        confirmation: { ...defaultConfirmation, windowFrames: 3, minHits: 2, confirmScoreSum: 1 },
        stallTimeoutS: 30,
        socketTimeoutS: 5,
        backoff: { minMs: 100, maxMs: 100 },
        snapshot: defaultSnapshotSettings,
        // A constant-output model: one whole-frame pass, no change check (both have tests of their own).
        tiles: { ...defaultTiling, enabled: false },
        change: { ...defaultChange, enabled: false },
      },
      {
        onFrame: () => void frames++,
        onAlert: async (alert) => {
          alerts.push(alert);
          await gate;
        },
        onEnded: () => (ended = true),
        onFailed: (_camera, reason) => (failed = reason),
      },
      silentLogger(),
      createFireMetrics(registry),
    );
    pipeline.start();
    // The replay ends, or fails with the reason said (rather than a wait that times out).
    const finished = async () => {
      try {
        await waitFor(() => ended || failed !== undefined, 55_000, 'the replay to end');
      } finally {
        pipeline.stop();
      }
      expect(failed).toBeUndefined();
    };
    return { pipeline, alerts, frames: () => frames, ended: () => ended, finished, registry };
  }

  it('draws the boxes on the snapshot-resolution frame (960x540 camera, 1280 max) in the class colours', async () => {
    const run = await runPipeline(ramp, undefined);
    await run.finished();
    const created = run.alerts.filter((a) => a.event.kind === 'new');
    expect(created.map((a) => a.event.className).sort()).toEqual(['fire', 'smoke']);
    for (const alert of created) {
      expect(alert.snapshot).toMatchObject({ width: 960, height: 540 });
      const picture = await decodeToRgb(alert.snapshot!.jpeg);
      expect([picture.width, picture.height]).toEqual([960, 540]);
      const box = alert.event.boxes[0]!;
      expect(
        outlineMatch(picture, box.box, box.className === 'fire' ? [255, 32, 32] : [255, 230, 0]),
      ).toBeGreaterThan(0.8);
    }
    const metrics = await run.registry.metrics();
    expect(metricValue(metrics, 'lookout_edge_fire_snapshots_total', { camera: 'cam-s', size: 'high' })).toBe(
      2,
    );
    expect(metrics).not.toContain('lookout_edge_fire_snapshot_fallbacks_total{');
  });

  it('a camera with snapshotMaxWidth 0 gets model-size snapshots (no fallback counted)', async () => {
    const run = await runPipeline(ramp, 0);
    await run.finished();
    const created = run.alerts.filter((a) => a.event.kind === 'new');
    expect(created).toHaveLength(2);
    for (const alert of created) expect(alert.snapshot).toMatchObject({ width: 64, height: 36 }); // the 64x64 model's content
    const metrics = await run.registry.metrics();
    expect(
      metricValue(metrics, 'lookout_edge_fire_snapshots_total', { camera: 'cam-s', size: 'model' }),
    ).toBe(2);
    expect(metrics).not.toContain('lookout_edge_fire_snapshot_fallbacks_total{');
  });

  it('detection goes on while an alert is still being handed over; the events then leave in order', async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const run = await runPipeline(ramp, undefined, gate);
    try {
      // The first alert's handler is held; every frame of the 3 s replay at 2 fps is still analysed.
      await waitFor(
        () => run.frames() === 6 && run.alerts.length === 1,
        30_000,
        'all frames analysed while the first alert is held',
      );
      expect(run.ended()).toBe(false); // the end of the replay waits for the alerts
    } catch (error) {
      run.pipeline.stop();
      throw error;
    } finally {
      open();
    }
    await run.finished();
    const events = run.alerts.map((a) => `${a.event.kind} ${a.event.className}`);
    expect(events.slice(0, 2).sort()).toEqual(['new fire', 'new smoke']);
    expect(events.slice(2).sort()).toEqual(['end fire', 'end smoke']);
  });
});
