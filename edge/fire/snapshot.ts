import type { HighResFrame } from './high-res.js';
import type { Box, LetterboxTransform, RgbImage } from './tensor.js';

const COLOURS: Record<string, [number, number, number]> = {
  fire: [255, 32, 32],
  smoke: [255, 230, 0],
};
const DEFAULT_COLOUR: [number, number, number] = [255, 0, 255];

export function classColour(className: string): [number, number, number] {
  return COLOURS[className] ?? DEFAULT_COLOUR;
}

/** The camera picture without the letterbox bars (a copy). */
export function cropContent(image: RgbImage, t: LetterboxTransform): RgbImage {
  const out = new Uint8Array(t.contentWidth * t.contentHeight * 3);
  for (let y = 0; y < t.contentHeight; y++) {
    const from = ((y + t.padY) * image.width + t.padX) * 3;
    out.set(image.data.subarray(from, from + t.contentWidth * 3), y * t.contentWidth * 3);
  }
  return { data: out, width: t.contentWidth, height: t.contentHeight };
}

/** Draws a rectangle outline (frame units 0..1) in place, `thickness` pixels wide, clipped to the image. */
export function drawBox(image: RgbImage, box: Box, colour: [number, number, number], thickness = 2): void {
  const { width, height, data } = image;
  const x1 = Math.max(0, Math.round(box.x1 * width));
  const y1 = Math.max(0, Math.round(box.y1 * height));
  const x2 = Math.min(width - 1, Math.round(box.x2 * width) - 1);
  const y2 = Math.min(height - 1, Math.round(box.y2 * height) - 1);
  if (x2 < x1 || y2 < y1) return;
  const put = (x: number, y: number) => {
    const o = (y * width + x) * 3;
    data[o] = colour[0];
    data[o + 1] = colour[1];
    data[o + 2] = colour[2];
  };
  for (let t = 0; t < thickness; t++) {
    for (let x = x1; x <= x2; x++) {
      put(x, Math.min(y2, y1 + t));
      put(x, Math.max(y1, y2 - t));
    }
    for (let y = y1; y <= y2; y++) {
      put(Math.min(x2, x1 + t), y);
      put(Math.max(x1, x2 - t), y);
    }
  }
}

export type ClassBox = { box: Box; className: string };

/** Draws the boxes (frame units) in their class colours, lines 1/160 of the picture's width thick. */
export function drawBoxes(image: RgbImage, boxes: ClassBox[]): RgbImage {
  for (const b of boxes)
    drawBox(image, b.box, classColour(b.className), Math.max(1, Math.round(image.width / 160)));
  return image;
}

/** The model-size snapshot picture: camera content of the analysed frame with the boxes drawn (not yet encoded). */
export function snapshotImage(frame: RgbImage, t: LetterboxTransform, boxes: ClassBox[]): RgbImage {
  return drawBoxes(cropContent(frame, t), boxes);
}

export interface SnapshotSettings {
  /** Snapshot width at most (never above the camera's own); 0 = the model's input size. */
  maxWidth: number;
  /** ffmpeg `-q:v` of the JPEG: 2 (best, largest) .. 31 (smallest). */
  quality: number;
  /** A larger JPEG is encoded once more at double the `-q:v`, then replaced by the model-size snapshot. */
  maxBytes: number;
  /** Longest wait for the snapshot-resolution frame of the alert's frame. */
  waitMs: number;
  /** One JPEG encoding (an ffmpeg run) is killed after this long. */
  encodeTimeoutMs: number;
}

export const defaultSnapshotSettings: SnapshotSettings = {
  maxWidth: 1280,
  quality: 5,
  maxBytes: 400_000,
  waitMs: 1000,
  encodeTimeoutMs: 5000,
};

export type JpegEncoder = (image: RgbImage, quality: number, timeoutMs: number) => Promise<Buffer>;

/** Why an alert got the model-size snapshot although a larger one was wanted. */
export type SnapshotFallback = 'no_frame' | 'encode_failed' | 'too_large';

export interface SnapshotResult {
  snapshot?: { jpeg: Buffer; width: number; height: number };
  /** `high`: snapshot resolution; `model`: the analysed frame at the model's input size; `none`: encoding failed. */
  size: 'high' | 'model' | 'none';
  fallback?: SnapshotFallback;
  error?: unknown;
}

/**
 * The alert's JPEG with its boxes drawn: from the snapshot-resolution frame when one is expected (`highRes`),
 * else, or when it does not come, cannot be encoded or stays above `maxBytes`, from the analysed model-size frame.
 * Takes at most `waitMs` + 3 encodings of `encodeTimeoutMs`.
 */
export async function alertSnapshot(
  highRes: Promise<HighResFrame | undefined> | undefined,
  analysed: { image: RgbImage; transform: LetterboxTransform },
  boxes: ClassBox[],
  settings: SnapshotSettings,
  encode: JpegEncoder,
): Promise<SnapshotResult> {
  let fallback: SnapshotFallback | undefined;
  let error: unknown;
  const frame = highRes ? await highRes : undefined;
  if (highRes && !frame) fallback = 'no_frame';
  if (frame) {
    const image = drawBoxes(frame.image, boxes);
    try {
      let jpeg = await encode(image, settings.quality, settings.encodeTimeoutMs);
      const coarser = Math.min(31, settings.quality * 2);
      if (jpeg.length > settings.maxBytes && coarser > settings.quality)
        jpeg = await encode(image, coarser, settings.encodeTimeoutMs);
      if (jpeg.length <= settings.maxBytes)
        return { snapshot: { jpeg, width: image.width, height: image.height }, size: 'high' };
      fallback = 'too_large';
    } catch (caught) {
      fallback = 'encode_failed';
      error = caught;
    }
  }
  const image = snapshotImage(analysed.image, analysed.transform, boxes);
  try {
    const jpeg = await encode(image, settings.quality, settings.encodeTimeoutMs);
    return {
      snapshot: { jpeg, width: image.width, height: image.height },
      size: 'model',
      ...(fallback ? { fallback } : {}),
      ...(error ? { error } : {}),
    };
  } catch (caught) {
    return { size: 'none', ...(fallback ? { fallback } : {}), error: caught };
  }
}
