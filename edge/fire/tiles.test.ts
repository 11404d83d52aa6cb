import { describe, expect, it } from 'vitest';
import { toFrameUnits } from './tensor.js';
import { cropTile, defaultTiling, mergeAcrossTiles, modelInputs, tileGrid, tileOffsets } from './tiles.js';

function gradient(width: number, height: number) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      data[o] = x % 256;
      data[o + 1] = y % 256;
      data[o + 2] = (x + y) % 256;
    }
  }
  return { data, width, height };
}

describe('tile geometry', () => {
  it('spreads tiles evenly so that they overlap by at least the overlap and end at the edge', () => {
    expect(tileOffsets(200, 256, 0.25)).toEqual([0]);
    expect(tileOffsets(256, 256, 0.25)).toEqual([0]);
    // 1280 px: stride at most 192 -> 7 tiles, the last one ending at 1280
    const xs = tileOffsets(1280, 256, 0.25);
    expect(xs).toEqual([0, 171, 341, 512, 683, 853, 1024]);
    for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeLessThanOrEqual(192);
    expect(tileOffsets(720, 256, 0.25)).toEqual([0, 155, 309, 464]);
    expect(tileGrid(1280, 720, 256, 256, 0.25)).toHaveLength(28);
  });

  it('cuts a tile at 1:1 pixels and maps its boxes back to frame units of the whole frame', () => {
    const frame = gradient(1280, 720);
    const { image, transform } = cropTile(frame, { x: 512, y: 309, width: 256, height: 256 }, 256, 256, 114);
    expect(image.width).toBe(256);
    // pixel (0,0) of the tile is pixel (512,309) of the frame
    expect([...image.data.subarray(0, 3)]).toEqual([512 % 256, 309 % 256, (512 + 309) % 256]);
    // a box over tile pixels 10..30 x 20..60 is frame pixels 522..542 x 329..369
    const box = toFrameUnits({ x1: 10, y1: 20, x2: 30, y2: 60 }, transform);
    expect(box.x1 * 1280).toBeCloseTo(522, 6);
    expect(box.x2 * 1280).toBeCloseTo(542, 6);
    expect(box.y1 * 720).toBeCloseTo(329, 6);
    expect(box.y2 * 720).toBeCloseTo(369, 6);
  });

  it('centres a frame smaller than the tile on grey, as the letterbox does', () => {
    const frame = gradient(200, 100);
    const { image, transform } = cropTile(frame, { x: 0, y: 0, width: 200, height: 100 }, 256, 256, 114);
    expect([...image.data.subarray(0, 3)]).toEqual([114, 114, 114]);
    const box = toFrameUnits({ x1: 28, y1: 78, x2: 228, y2: 178 }, transform);
    expect(box).toEqual({ x1: 0, y1: 0, x2: 1, y2: 1 });
  });

  it('gives the whole-frame pass first, then the tiles; one tile alone when the frame fits', () => {
    const tiling = defaultTiling;
    const inputs = modelInputs(gradient(640, 360), 256, 256, 114, tiling);
    expect(inputs).toHaveLength(1 + 3 * 2);
    expect(inputs[0]!.transform.scale).toBeCloseTo(0.4, 6);
    expect(inputs.slice(1).every((i) => i.transform.scale === 1)).toBe(true);
    expect(modelInputs(gradient(200, 100), 256, 256, 114, tiling)).toHaveLength(1);
    expect(modelInputs(gradient(640, 360), 256, 256, 114, { ...tiling, wholeFrame: false })).toHaveLength(6);
    expect(modelInputs(gradient(640, 360), 256, 256, 114, { ...tiling, enabled: false })).toHaveLength(1);
  });
});

describe('merging detections across tiles', () => {
  it('joins the two halves of a plume cut by a seam into one box, keeps other classes and far boxes apart', () => {
    const merged = mergeAcrossTiles(
      [
        { classId: 1, score: 0.7, box: { x1: 0.4, y1: 0.3, x2: 0.5, y2: 0.6 } },
        { classId: 1, score: 0.5, box: { x1: 0.43, y1: 0.32, x2: 0.55, y2: 0.58 } }, // the other tile's half
        { classId: 1, score: 0.6, box: { x1: 0.8, y1: 0.3, x2: 0.9, y2: 0.5 } }, // another plume
        { classId: 0, score: 0.9, box: { x1: 0.42, y1: 0.5, x2: 0.48, y2: 0.6 } }, // flames under it
      ],
      0.45,
    );
    expect(merged).toEqual([
      { classId: 0, score: 0.9, box: { x1: 0.42, y1: 0.5, x2: 0.48, y2: 0.6 } },
      { classId: 1, score: 0.7, box: { x1: 0.4, y1: 0.3, x2: 0.55, y2: 0.6 } },
      { classId: 1, score: 0.6, box: { x1: 0.8, y1: 0.3, x2: 0.9, y2: 0.5 } },
    ]);
  });

  it('folds a tile box lying inside the whole-frame box into it', () => {
    const merged = mergeAcrossTiles(
      [
        { classId: 0, score: 0.5, box: { x1: 0.1, y1: 0.1, x2: 0.6, y2: 0.6 } },
        { classId: 0, score: 0.8, box: { x1: 0.2, y1: 0.2, x2: 0.3, y2: 0.3 } },
      ],
      0.45,
    );
    expect(merged).toEqual([{ classId: 0, score: 0.8, box: { x1: 0.1, y1: 0.1, x2: 0.6, y2: 0.6 } }]);
  });
});
