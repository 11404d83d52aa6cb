import { describe, expect, it } from 'vitest';
import {
  decodeOutput,
  inferLayout,
  iou,
  letterboxGeometry,
  letterboxRgb,
  nms,
  rgbToChw,
  toFrameUnits,
  type Detection,
} from './tensor.js';

/** Builds a YOLOv8 output [1, 4+C, N] from rows of (cx, cy, w, h, ...scores). */
function yolov8Tensor(anchors: number[][]): { data: Float32Array; dims: number[] } {
  const rows = anchors[0]!.length;
  const n = anchors.length;
  const data = new Float32Array(rows * n);
  anchors.forEach((a, i) => a.forEach((v, r) => (data[r * n + i] = v)));
  return { data, dims: [1, rows, n] };
}

/** Builds a YOLOv5 output [1, N, 5+C] from rows of (cx, cy, w, h, obj, ...scores). */
function yolov5Tensor(anchors: number[][]): { data: Float32Array; dims: number[] } {
  return { data: Float32Array.from(anchors.flat()), dims: [1, anchors.length, anchors[0]!.length] };
}

describe('decodeOutput', () => {
  it('decodes the YOLOv8 layout [1, 4+C, N]: channel-major boxes, best class per anchor, per-class thresholds', () => {
    const { data, dims } = yolov8Tensor([
      [100, 50, 20, 10, 0.9, 0.1], // fire at (90,45)-(110,55)
      [30, 40, 10, 20, 0.05, 0.6], // smoke at (25,30)-(35,50)
      [200, 200, 8, 8, 0.2, 0.1], // below both thresholds
      [60, 60, 4, 4, 0.1, 0.35], // smoke below the smoke threshold 0.4
    ]);
    expect(inferLayout(dims, 2)).toBe('yolov8');
    const out = decodeOutput(data, dims, 'yolov8', [0.3, 0.4]);
    expect(out).toHaveLength(2);
    expect(out[0]!.classId).toBe(0);
    expect(out[0]!.score).toBeCloseTo(0.9, 6);
    expect(out[0]!.box).toEqual({ x1: 90, y1: 45, x2: 110, y2: 55 });
    expect(out[1]!.classId).toBe(1);
    expect(out[1]!.box).toEqual({ x1: 25, y1: 30, x2: 35, y2: 50 });
  });

  it('decodes the YOLOv5 layout [1, N, 5+C]: score = objectness × class score', () => {
    const { data, dims } = yolov5Tensor([
      [100, 50, 20, 10, 0.8, 0.9, 0.1], // fire 0.72
      [30, 40, 10, 20, 0.9, 0.2, 0.5], // smoke 0.45
      [60, 60, 4, 4, 0.2, 1.0, 0.0], // objectness too low: 0.2
    ]);
    expect(inferLayout(dims, 2)).toBe('yolov5');
    const out = decodeOutput(data, dims, 'yolov5', [0.3, 0.3]);
    expect(out.map((d) => d.classId)).toEqual([0, 1]);
    expect(out[0]!.score).toBeCloseTo(0.72, 6);
    expect(out[1]!.score).toBeCloseTo(0.45, 6);
    expect(out[0]!.box).toEqual({ x1: 90, y1: 45, x2: 110, y2: 55 });
  });

  it('single-class YOLO11 smoke model ([1, 5, N], like Pyronear) decodes as yolov8', () => {
    const { data, dims } = yolov8Tensor([
      [512, 300, 40, 60, 0.7],
      [10, 10, 5, 5, 0.01],
    ]);
    expect(inferLayout(dims, 1)).toBe('yolov8');
    const out = decodeOutput(data, dims, 'yolov8', [0.2]);
    expect(out).toEqual([
      { classId: 0, score: expect.closeTo(0.7, 6), box: { x1: 492, y1: 270, x2: 532, y2: 330 } },
    ]);
  });

  it('refuses an output shape that fits neither layout, naming the shape', () => {
    expect(() => inferLayout([1, 9, 100], 2)).toThrow(/\[1, 9, 100\].*neither/);
  });
});

describe('nms', () => {
  it('keeps the best of overlapping boxes of one class, keeps other classes and distant boxes', () => {
    const d = (
      classId: number,
      score: number,
      x1: number,
      y1: number,
      x2: number,
      y2: number,
    ): Detection => ({ classId, score, box: { x1, y1, x2, y2 } });
    const kept = nms(
      [
        d(0, 0.5, 10, 10, 50, 50),
        d(0, 0.9, 12, 12, 52, 52),
        d(1, 0.6, 12, 12, 52, 52),
        d(0, 0.4, 100, 100, 120, 120),
      ],
      0.45,
    );
    expect(kept.map((k) => [k.classId, k.score])).toEqual([
      [0, 0.9],
      [1, 0.6],
      [0, 0.4],
    ]);
  });

  it('iou of known boxes', () => {
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(50 / 150, 9);
    expect(iou({ x1: 0, y1: 0, x2: 10, y2: 10 }, { x1: 20, y1: 20, x2: 30, y2: 30 })).toBe(0);
  });
});

describe('letterbox', () => {
  it('matches ffmpeg scale(force_original_aspect_ratio=decrease)+pad geometry for 16:9 and 4:3 frames', () => {
    expect(letterboxGeometry(1280, 720, 256, 256)).toEqual({
      scale: 0.2,
      padX: 0,
      padY: 56,
      contentWidth: 256,
      contentHeight: 144,
    });
    expect(letterboxGeometry(640, 480, 256, 256)).toEqual({
      scale: 0.4,
      padX: 0,
      padY: 32,
      contentWidth: 256,
      contentHeight: 192,
    });
    expect(letterboxGeometry(480, 640, 256, 256)).toMatchObject({
      padX: 32,
      padY: 0,
      contentWidth: 192,
      contentHeight: 256,
    });
  });

  it('places a known box where it belongs and maps model boxes back to frame units', () => {
    // 40x20 black frame with a white 10x10 square at (20,5)
    const src = { data: new Uint8Array(40 * 20 * 3), width: 40, height: 20 };
    for (let y = 5; y < 15; y++)
      for (let x = 20; x < 30; x++) src.data.fill(255, (y * 40 + x) * 3, (y * 40 + x) * 3 + 3);
    const { image, transform } = letterboxRgb(src, 80, 80);
    expect(transform).toEqual({ scale: 2, padX: 0, padY: 20, contentWidth: 80, contentHeight: 40 });
    const at = (x: number, y: number) => image.data[(y * 80 + x) * 3]!;
    expect(at(5, 5)).toBe(114); // padding
    expect(at(50, 40)).toBe(255); // inside the square: (20..30, 5..15) * 2 + pad
    expect(at(30, 40)).toBe(0);
    expect(toFrameUnits({ x1: 40, y1: 30, x2: 60, y2: 50 }, transform)).toEqual({
      x1: 0.5,
      y1: 0.25,
      x2: 0.75,
      y2: 0.75,
    });
  });

  it('normalises RGB to planar float 0..1', () => {
    const chw = rgbToChw({ data: Uint8Array.from([255, 0, 51, 0, 255, 102]), width: 2, height: 1 });
    expect(Array.from(chw)).toEqual([1, 0, 0, 1, Math.fround(0.2), Math.fround(0.4)]);
  });
});
