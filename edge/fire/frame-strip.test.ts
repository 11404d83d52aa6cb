import { describe, expect, it } from 'vitest';
import { encodeJpeg } from './frames.js';
import { encodeStrip, evenly, FrameStrip } from './frame-strip.js';
import type { RgbImage } from './tensor.js';

/** A grey picture of the given brightness. */
const picture = (width: number, height: number, grey: number): RgbImage => ({
  data: new Uint8Array(width * height * 3).fill(grey),
  width,
  height,
});

describe('evenly', () => {
  it('spreads the picks over the list and always keeps the last', () => {
    expect(evenly([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([1, 4, 7]);
    expect(evenly([1, 2, 3, 4, 5, 6], 3)).toEqual([1, 3, 6]);
    expect(evenly([1, 2], 3)).toEqual([1, 2]);
    expect(evenly([1, 2, 3], 1)).toEqual([3]);
    expect(evenly([1, 2, 3], 0)).toEqual([]);
  });
});

describe('FrameStrip', () => {
  it('gives `new` frames from before the detection and the detection frame, the next event those after it', () => {
    const strip = new FrameStrip({ before: 2, after: 2, width: 64, quality: 8 });
    for (let i = 0; i < 10; i++) strip.push(picture(1280, 720, i * 20), i * 5000);
    const before = strip.take({ kind: 'new', alertId: 'a', atMs: 45_000 });
    // The ring holds 2 + 2 x 2 + 1 frames: two spread over those before, then the detection frame (pushed first).
    expect(before.map((f) => f.ms)).toEqual([15_000, 40_000, 45_000]);
    expect(before[0]!.image).toMatchObject({ width: 64, height: 36 });
    expect(before[0]!.image.data[0]).toBe(60);
    expect(before[2]!.image.data[0]).toBe(180); // the detection frame's own picture
    strip.push(picture(1280, 720, 100), 50_000);
    // An update right after the new (the box grew): one frame is no strip; it waits.
    expect(strip.take({ kind: 'update', alertId: 'a', atMs: 50_000 })).toEqual([]);
    for (let i = 11; i < 16; i++) strip.push(picture(1280, 720, i * 10), i * 5000);
    const after = strip.take({ kind: 'update', alertId: 'a', atMs: 75_000 });
    expect(after.map((f) => f.ms)).toEqual([50_000, 75_000]);
    // Only one event after `new` carries them; another alert's events none; an `end` takes what there is.
    expect(strip.take({ kind: 'update', alertId: 'a', atMs: 80_000 })).toEqual([]);
    expect(strip.take({ kind: 'end', alertId: 'other', atMs: 80_000 })).toEqual([]);
    expect(strip.take({ kind: 'new', alertId: 'b', atMs: 75_000 }).map((f) => f.ms)).toEqual([
      45_000, 70_000, 75_000,
    ]);
    strip.push(picture(1280, 720, 1), 80_000);
    expect(strip.take({ kind: 'end', alertId: 'b', atMs: 80_000 }).map((f) => f.ms)).toEqual([80_000]);
  });

  it('gives `new` the detection frame alone when no frame before is asked for', () => {
    const strip = new FrameStrip({ before: 0, after: 1, width: 64, quality: 8 });
    for (let i = 0; i < 3; i++) strip.push(picture(64, 36, i), i * 1000);
    expect(strip.take({ kind: 'new', alertId: 'a', atMs: 2000 }).map((f) => f.ms)).toEqual([2000]);
  });

  it('keeps nothing when off', () => {
    const strip = new FrameStrip({ before: 0, after: 0, width: 320, quality: 8 });
    strip.push(picture(64, 36, 1), 1);
    expect(strip.take({ kind: 'new', alertId: 'a', atMs: 2 })).toEqual([]);
  });

  it('encodes small JPEGs with ffmpeg, leaving out a frame that fails', async () => {
    const frames = [
      { ms: 1, image: picture(320, 180, 90) },
      { ms: 2, image: { data: new Uint8Array(3), width: 320, height: 180 } },
    ];
    const { frames: encoded, failed } = await encodeStrip(frames, 8, encodeJpeg, 10_000);
    expect(failed).toBe(1);
    expect(encoded).toHaveLength(1);
    expect(encoded[0]).toMatchObject({ ts: 1, width: 320, height: 180 });
    expect(encoded[0]!.jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(encoded[0]!.jpeg.length).toBeLessThan(20_000);
  });
});
