import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from './frames.js';
import {
  alertSnapshot,
  defaultSnapshotSettings,
  drawBox,
  snapshotImage,
  type JpegEncoder,
} from './snapshot.js';

describe('snapshot', () => {
  it('draws the box outline where the box is, leaving the inside untouched', () => {
    const image = { data: new Uint8Array(100 * 50 * 3), width: 100, height: 50 };
    drawBox(image, { x1: 0.2, y1: 0.2, x2: 0.6, y2: 0.8 }, [255, 0, 0], 2);
    const px = (x: number, y: number) =>
      Array.from(image.data.subarray((y * 100 + x) * 3, (y * 100 + x) * 3 + 3));
    expect(px(20, 10)).toEqual([255, 0, 0]); // top-left corner
    expect(px(21, 25)).toEqual([255, 0, 0]); // left edge, second pixel of thickness
    expect(px(59, 39)).toEqual([255, 0, 0]); // bottom-right corner
    expect(px(40, 25)).toEqual([0, 0, 0]); // inside
    expect(px(61, 25)).toEqual([0, 0, 0]); // outside
  });

  it('crops the letterbox bars and encodes a JPEG that ffmpeg decodes at the content size', async () => {
    const frame = { data: new Uint8Array(64 * 64 * 3).fill(114), width: 64, height: 64 };
    const image = snapshotImage(
      frame,
      { scale: 0.05, padX: 0, padY: 14, contentWidth: 64, contentHeight: 36 },
      [{ box: { x1: 0.25, y1: 0.25, x2: 0.75, y2: 0.75 }, className: 'fire' }],
    );
    expect([image.width, image.height]).toEqual([64, 36]);
    const jpeg = await encodeJpeg(image);
    expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const probe = spawnSync(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-i', 'pipe:0'],
      { input: jpeg },
    );
    expect(probe.stdout.toString().trim()).toBe('64,36');
  });
});

describe('alertSnapshot', () => {
  const settings = { ...defaultSnapshotSettings, quality: 5, maxBytes: 1000 };
  const analysed = {
    image: { data: new Uint8Array(8 * 8 * 3).fill(114), width: 8, height: 8 },
    transform: { scale: 1, padX: 0, padY: 2, contentWidth: 8, contentHeight: 4 },
  };
  const boxes = [{ box: { x1: 0, y1: 0, x2: 1, y2: 1 }, className: 'fire' }];
  const highRes = (width = 640, height = 360) =>
    Promise.resolve({ image: { data: new Uint8Array(width * height * 3), width, height }, index: 7 });
  /** A fake encoder: records its calls and answers with a JPEG of the given size per call (or an error). */
  const encoder = (answers: Array<number | Error>) => {
    const calls: Array<{ width: number; quality: number; boxPixel: number[] }> = [];
    const encode: JpegEncoder = async (image, quality) => {
      calls.push({ width: image.width, quality, boxPixel: Array.from(image.data.subarray(0, 3)) });
      const answer = answers[calls.length - 1];
      if (answer instanceof Error) throw answer;
      return Buffer.alloc(answer ?? 10);
    };
    return { encode, calls };
  };

  it('encodes the snapshot-resolution frame with the boxes drawn', async () => {
    const { encode, calls } = encoder([800]);
    const result = await alertSnapshot(highRes(), analysed, boxes, settings, encode);
    expect(result).toMatchObject({ size: 'high', snapshot: { width: 640, height: 360 } });
    expect(result.fallback).toBeUndefined();
    expect(calls).toEqual([{ width: 640, quality: 5, boxPixel: [255, 32, 32] }]); // the fire box's outline at the corner
  });

  it('a JPEG above maxBytes is encoded once more at double -q:v, then replaced by the model-size one', async () => {
    const smaller = encoder([5000, 900]);
    expect(await alertSnapshot(highRes(), analysed, boxes, settings, smaller.encode)).toMatchObject({
      size: 'high',
      snapshot: { width: 640 },
    });
    expect(smaller.calls.map((c) => c.quality)).toEqual([5, 10]);

    const stillLarge = encoder([5000, 2000, 300]);
    const result = await alertSnapshot(highRes(), analysed, boxes, settings, stillLarge.encode);
    expect(result).toMatchObject({ size: 'model', fallback: 'too_large', snapshot: { width: 8, height: 4 } });
    expect(stillLarge.calls.map((c) => [c.width, c.quality])).toEqual([
      [640, 5],
      [640, 10],
      [8, 5],
    ]);
  });

  it('falls back to the analysed model-size frame when the larger frame does not come or fails to encode', async () => {
    const missing = encoder([300]);
    expect(
      await alertSnapshot(Promise.resolve(undefined), analysed, boxes, settings, missing.encode),
    ).toMatchObject({ size: 'model', fallback: 'no_frame', snapshot: { width: 8, height: 4 } });
    expect(missing.calls[0]!.boxPixel).toEqual([255, 32, 32]); // boxes drawn on the fallback too

    const broken = encoder([new Error('ffmpeg killed'), 300]);
    const result = await alertSnapshot(highRes(), analysed, boxes, settings, broken.encode);
    expect(result).toMatchObject({ size: 'model', fallback: 'encode_failed' });
    expect(String(result.error)).toMatch(/ffmpeg killed/);
  });

  it('model size by configuration is no fallback; when nothing encodes, the alert goes without a snapshot', async () => {
    const configured = await alertSnapshot(undefined, analysed, boxes, settings, encoder([300]).encode);
    expect(configured).toMatchObject({ size: 'model', snapshot: { width: 8 } });
    expect(configured.fallback).toBeUndefined();
    const none = await alertSnapshot(
      highRes(),
      analysed,
      boxes,
      settings,
      encoder([new Error('a'), new Error('b')]).encode,
    );
    expect(none).toMatchObject({ size: 'none', fallback: 'encode_failed' });
    expect(none.snapshot).toBeUndefined();
  });
});

describe('encodeJpeg', () => {
  it('kills ffmpeg and rejects after the timeout', async () => {
    const big = { data: new Uint8Array(1920 * 1080 * 3), width: 1920, height: 1080 };
    await expect(encodeJpeg(big, 5, 1)).rejects.toThrow(/longer than 1 ms: killed/);
  });
});
