import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Detector } from './detector.js';

// Constant-output ONNX models (models/train/make_fixture_models.py) run by the real onnxruntime-node.
const fixtures = path.resolve(import.meta.dirname, '../../tests/fire/fixtures');

describe('Detector on onnxruntime-node', () => {
  it('YOLOv8 layout [1, 4+C, N]: decodes, suppresses, and maps boxes back through the letterbox', async () => {
    const detector = await Detector.load({
      modelPath: path.join(fixtures, 'yolov8-2class.onnx'),
      classes: ['fire', 'smoke'],
      confidence: 0.3,
    });
    try {
      expect(detector.info).toMatchObject({
        layout: 'yolov8',
        inputWidth: 64,
        inputHeight: 64,
        classes: ['fire', 'smoke'],
      });
      // a 128x64 frame: letterboxed into 64x64 at scale 0.5 with 16 px bars above and below
      const frame = { data: new Uint8Array(128 * 64 * 3), width: 128, height: 64 };
      const out = await detector.detect(frame);
      expect(out).toHaveLength(2);
      expect(out[0]).toMatchObject({ className: 'fire', score: expect.closeTo(0.9, 5) });
      expect(out[0]!.box).toEqual({ x1: 0.375, y1: 0.125, x2: 0.625, y2: 0.375 });
      expect(out[1]).toMatchObject({ className: 'smoke', score: expect.closeTo(0.8, 5) });
      expect(out[1]!.box).toEqual({ x1: 5 / 64, y1: 0.5625, x2: 15 / 64, y2: 0.9375 });
    } finally {
      await detector.close();
    }
  });

  it('YOLOv5 layout [1, N, 5+C], found from the output shape, score = objectness x class; per-class threshold by name', async () => {
    const detector = await Detector.load({
      modelPath: path.join(fixtures, 'yolov5-1class.onnx'),
      classes: ['smoke'],
    });
    try {
      expect(detector.info.layout).toBe('yolov5');
      const out = await detector.detect({ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 });
      expect(out).toHaveLength(1);
      expect(out[0]!.score).toBeCloseTo(0.72, 5);
      expect(out[0]!.box).toEqual({ x1: 22 / 64, y1: 27 / 64, x2: 42 / 64, y2: 37 / 64 });
    } finally {
      await detector.close();
    }
    const strict = await Detector.load({
      modelPath: path.join(fixtures, 'yolov5-1class.onnx'),
      classes: ['smoke'],
      classThresholds: { smoke: 0.8 },
    });
    expect(await strict.detect({ data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 })).toEqual([]);
    await strict.close();
  });

  it('refuses class names that do not fit the output, and class thresholds for unknown classes, naming them', async () => {
    await expect(
      Detector.load({ modelPath: path.join(fixtures, 'yolov5-1class.onnx'), classes: ['fire', 'smoke'] }),
    ).rejects.toThrow(/fits neither YOLOv8.*classes/);
    await expect(
      Detector.load({
        modelPath: path.join(fixtures, 'yolov8-2class.onnx'),
        classes: ['fire', 'smoke'],
        classThresholds: { flame: 0.5 },
      }),
    ).rejects.toThrow(/unknown classes flame/);
    await expect(Detector.load({ modelPath: path.join(fixtures, 'yolov8-2class.onnx') })).rejects.toThrow(
      /class names unknown/,
    );
  });
});
