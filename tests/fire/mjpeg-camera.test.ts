/**
 * An HTTP MJPEG camera (multipart/x-mixed-replace at 5 fps, the way cheap IP cameras stream) read by our ffmpeg
 * reader at 2 fps with the live flags (-use_wallclock_as_timestamps, select filter): frames arrive letterboxed,
 * at most about 2 a second, and the reader reports the end when the camera goes away.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFrameReader, type Frame, type ReaderExit } from '../../edge/fire/frames.js';
import { removeDir, tempDir } from '../support/cloud-fixtures.js';
import { runFfmpeg, startMjpegCamera, type MjpegCamera } from '../support/fire-media.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
let camera: MjpegCamera;
let url: string;

beforeAll(async () => {
  const file = path.join(await scope.use(tempDir('fire-mjpeg'), removeDir), 'frame.jpg');
  await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=640x360', '-frames:v', '1', file]);
  camera = await startMjpegCamera(await readFile(file));
  url = camera.url;
});

afterAll(() => camera?.close());

it('reads an MJPEG stream at the configured rate, letterboxed, and reports when the camera goes away', async () => {
  const frames: Frame[] = [];
  let exit: ReaderExit | undefined;
  const reader = await createFrameReader(
    { url, fps: 2, width: 256, height: 256, socketTimeoutS: 2 },
    { onFrame: (f) => void frames.push(f), onExit: (e) => (exit = e) },
  );
  expect(reader.kind).toBe('mjpeg');
  reader.start();
  try {
    await waitFor(() => frames.length >= 5, 20_000, 'five frames');
    expect(frames[0]!.transform).toMatchObject({ contentWidth: 256, contentHeight: 144, padY: 56 });
    expect(frames[0]!.image.data.length).toBe(256 * 256 * 3);
    // the select filter passes at most one frame per ~0.5 s of stream time: fewer than half of what was sent
    expect(frames.length * 2).toBeLessThanOrEqual(camera.sent + 2);
    camera.drop();
    await waitFor(() => exit, 20_000, 'the reader to report the end of the stream');
  } finally {
    reader.kill();
  }
});
