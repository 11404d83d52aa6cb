import { describe, expect, it } from 'vitest';
import { LatestFrame, PpmStreamParser } from './high-res.js';
import type { RgbImage } from './tensor.js';

function ppm(width: number, height: number, fill: (i: number) => number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = fill(i);
  return Buffer.concat([Buffer.from(`P6\n${width} ${height}\n255\n`, 'latin1'), pixels]);
}

function image(width: number, height: number, value: number): RgbImage {
  return { data: new Uint8Array(width * height * 3).fill(value), width, height };
}

describe('PpmStreamParser', () => {
  it('splits a stream of PPM images cut at any byte (header and pixels alike) into images', () => {
    // Pixel bytes that look like header text (digits, whitespace) must not confuse it.
    const stream = Buffer.concat([
      ppm(3, 2, (i) => 48 + (i % 10)),
      ppm(3, 2, (i) => (i % 2 ? 10 : 32)),
      ppm(2, 4, (i) => i * 7),
    ]);
    for (const step of [1, 2, 5, 13, stream.length]) {
      const seen: Array<{ width: number; height: number; data: number[] }> = [];
      const errors: string[] = [];
      const parser = new PpmStreamParser(
        (img) => seen.push({ width: img.width, height: img.height, data: Array.from(img.data) }),
        (e) => errors.push(e),
      );
      for (let at = 0; at < stream.length; at += step) parser.push(stream.subarray(at, at + step));
      expect(errors).toEqual([]);
      expect(seen.map((s) => [s.width, s.height])).toEqual([
        [3, 2],
        [3, 2],
        [2, 4],
      ]);
      expect(seen[0]!.data).toEqual(Array.from({ length: 18 }, (_, i) => 48 + (i % 10)));
      expect(seen[1]!.data).toEqual(Array.from({ length: 18 }, (_, i) => (i % 2 ? 10 : 32)));
      expect(seen[2]!.data).toEqual(Array.from({ length: 24 }, (_, i) => (i * 7) & 255));
    }
  });

  it('reuses two buffers in turn: an image stays intact until the next one is complete', () => {
    const images: RgbImage[] = [];
    const parser = new PpmStreamParser(
      (img) => images.push(img),
      () => undefined,
    );
    parser.push(ppm(2, 1, () => 1));
    parser.push(ppm(2, 1, () => 2));
    const third = ppm(2, 1, () => 3);
    parser.push(third.subarray(0, third.length - 1)); // the third is being filled into the first buffer...
    expect(Array.from(images[1]!.data)).toEqual([2, 2, 2, 2, 2, 2]); // ...the newest complete one is untouched
    parser.push(third.subarray(third.length - 1));
    expect(images[2]!.data).toBe(images[0]!.data);
    expect(Array.from(images[2]!.data)).toEqual([3, 3, 3, 3, 3, 3]);
  });

  it('reports a stream that is not binary PPM once and ignores the rest', () => {
    const errors: string[] = [];
    const seen: RgbImage[] = [];
    const parser = new PpmStreamParser(
      (img) => seen.push(img),
      (e) => errors.push(e),
    );
    parser.push(Buffer.from('\xff\xd8\xff\xe0 a JPEG', 'latin1'));
    parser.push(ppm(2, 2, () => 0));
    expect(seen).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/not a binary PPM/);

    const wide: string[] = [];
    new PpmStreamParser(
      () => undefined,
      (e) => wide.push(e),
    ).push(Buffer.from('P6\n4 4\n65535\n', 'latin1'));
    expect(wide[0]).toMatch(/maxval 1\.\.255/);
  });
});

describe('LatestFrame', () => {
  it('gives a copy of the wanted frame when it is there, or of a newer one', async () => {
    const latest = new LatestFrame();
    latest.put(image(2, 1, 10)); // index 0
    const first = await latest.take(0, 0);
    expect(first?.index).toBe(0);
    first!.image.data.fill(99); // a copy: drawing on it leaves the kept frame alone
    expect(Array.from((await latest.take(0, 0))!.image.data)).toEqual([10, 10, 10, 10, 10, 10]);
    latest.put(image(2, 1, 20)); // index 1
    expect((await latest.take(0, 0))?.index).toBe(1); // frame 0 is gone: the next one
  });

  it('copies a frame at the moment it arrives for a waiting alert, before later frames replace it', async () => {
    const latest = new LatestFrame();
    latest.put(image(1, 1, 1)); // 0
    const waiting = latest.take(1, 10_000);
    latest.put(image(1, 1, 2)); // 1: the one wanted
    latest.put(image(1, 1, 3)); // 2
    const got = await waiting;
    expect(got?.index).toBe(1);
    expect(Array.from(got!.image.data)).toEqual([2, 2, 2]);
  });

  it('gives undefined when the frame does not come in time or the reader is gone', async () => {
    const latest = new LatestFrame();
    expect(await latest.take(0, 0)).toBeUndefined();
    expect(await latest.take(0, 20)).toBeUndefined();
    const waiting = latest.take(3, 10_000);
    latest.put(image(1, 1, 5)); // index 0: still not the wanted one
    latest.close();
    expect(await waiting).toBeUndefined();
    latest.put(image(1, 1, 6)); // after close: ignored
    expect((await latest.take(0, 0))?.image.data[0]).toBe(5); // the last frame can still be taken
  });
});
