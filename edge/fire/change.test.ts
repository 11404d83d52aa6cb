import { describe, expect, it } from 'vitest';
import { ChangeModel, defaultChange } from './change.js';
import type { Box, RgbImage } from './tensor.js';

const W = 320;
const H = 180;
const STEP_MS = 5000; // one analysed frame every 5 s

/** A seeded pseudo-random source, so the scenes are the same on every run. */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Sky (top half, blue) over a dark tree line, with a little sensor noise. */
function scene(rand: () => number, paint?: (x: number, y: number) => number | undefined): RgbImage {
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const noise = (rand() - 0.5) * 6;
      const base = y < H / 2 ? [90, 140, 210] : [40, 64, 30];
      const grey = paint?.(x, y);
      const o = (y * W + x) * 3;
      for (let k = 0; k < 3; k++) data[o + k] = Math.max(0, Math.min(255, (grey ?? base[k]!) + noise));
    }
  }
  return { data, width: W, height: H };
}

const inBox = (b: Box) => (x: number, y: number) =>
  x >= b.x1 * W && x < b.x2 * W && y >= b.y1 * H && y < b.y2 * H;

describe('ChangeModel', () => {
  it('a bright sun that was there all along never counts; a new grey plume over the quiet tree line does, and stays new for minutes', () => {
    const rand = random(1);
    const model = new ChangeModel(defaultChange);
    const sun = { x1: 0.7, y1: 0.2, x2: 0.8, y2: 0.35 };
    const plume = { x1: 0.3, y1: 0.3, x2: 0.4, y2: 0.7 };
    const sunAt = inBox(sun);
    const plumeAt = inBox(plume);
    let t = 0;
    for (; t <= 600_000; t += STEP_MS) {
      model.update(
        scene(rand, (x, y) => (sunAt(x, y) ? 250 : undefined)),
        t,
      );
      if (t > defaultChange.warmupS * 1000) expect(model.region(sun).anchored).toBe(false);
    }
    const anchoredFrames: boolean[] = [];
    for (let i = 0; i < 36; i++, t += STEP_MS) {
      model.update(
        scene(rand, (x, y) => (sunAt(x, y) ? 250 : plumeAt(x, y) ? 150 : undefined)),
        t,
      );
      anchoredFrames.push(model.region(plume).anchored);
      expect(model.region(sun).anchored).toBe(false);
    }
    // three minutes after it rose the plume is still a change against the background
    expect(anchoredFrames.every(Boolean)).toBe(true);
    expect(model.counts('smoke', plume)).toBe(true);
    expect(model.counts('smoke', sun)).toBe(false);
    expect(new ChangeModel({ ...defaultChange, classes: ['fire'] }).counts('smoke', sun)).toBe(true);
    expect(new ChangeModel({ ...defaultChange, enabled: false }).counts('smoke', sun)).toBe(true);
  });

  it('a cloud in a sky where clouds keep drifting is ordinary there, while the same cloud over the quiet tree line is not', () => {
    const rand = random(2);
    const model = new ChangeModel(defaultChange);
    // Soft clouds drift across the sky all the time.
    const sky = (t: number) => (x: number, y: number) => {
      if (y >= H / 2) return undefined;
      const v = Math.sin((x + t / 1000) / 17) + Math.sin((x * 0.7 - t / 700 + y) / 11);
      return v > 0.9 ? 200 : undefined;
    };
    let t = 0;
    for (; t <= 900_000; t += STEP_MS) model.update(scene(rand, sky(t)), t);
    const cloud = { x1: 0.1, y1: 0.1, x2: 0.3, y2: 0.4 };
    const low = { x1: 0.6, y1: 0.6, x2: 0.8, y2: 0.8 };
    const cloudAt = inBox(cloud);
    const lowAt = inBox(low);
    model.update(
      scene(rand, (x, y) => (cloudAt(x, y) || lowAt(x, y) ? 200 : sky(t)(x, y))),
      t,
    );
    expect(model.region(cloud).anchored).toBe(false);
    expect(model.region(low).anchored).toBe(true);
  });

  it('a cloud bank drifting sideways over the quiet tree line drifts; the same bank standing still is a change', () => {
    const rand = random(4);
    const model = new ChangeModel(defaultChange);
    let t = 0;
    for (; t <= 300_000; t += STEP_MS) model.update(scene(rand), t);
    // A soft-edged grey bank 80 px wide, 30 px a frame to the right (6 px/s).
    const bank = (left: number) => (x: number, y: number) =>
      y > 100 && y < 150 && x >= left && x < left + 80 ? 150 + 30 * Math.sin((x - left) / 9) : undefined;
    const box = { x1: 0.1, y1: 0.5, x2: 0.7, y2: 0.9 };
    model.update(scene(rand, bank(40)), t);
    t += STEP_MS;
    model.update(scene(rand, bank(70)), t);
    expect(model.region(box)).toMatchObject({ drifting: true, anchored: false });
    t += STEP_MS;
    model.update(scene(rand, bank(70)), t);
    expect(model.region(box)).toMatchObject({ drifting: false, anchored: true });
  });

  it('learns the view first: nothing counts during the warm-up, and a view that changes as a whole starts it again', () => {
    const rand = random(3);
    const model = new ChangeModel(defaultChange);
    const blob = { x1: 0.2, y1: 0.6, x2: 0.3, y2: 0.8 };
    const blobAt = inBox(blob);
    expect(model.update(scene(rand), 0).reset).toBe(true);
    model.update(
      scene(rand, (x, y) => (blobAt(x, y) ? 160 : undefined)),
      STEP_MS,
    );
    expect(model.region(blob).anchored).toBe(false);
    let t = 2 * STEP_MS;
    for (; t <= 200_000; t += STEP_MS) model.update(scene(rand), t);
    // The camera turned to another preset: the whole picture is different.
    const turned = model.update(
      scene(rand, () => 220),
      t,
    );
    expect(turned.reset).toBe(true);
    t += STEP_MS;
    model.update(
      scene(rand, (x, y) => (blobAt(x, y) ? 60 : 220)),
      t,
    );
    expect(model.region(blob).anchored).toBe(false);
  });
});
