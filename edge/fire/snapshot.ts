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

/** The snapshot picture: camera content with the boxes drawn (not yet encoded). */
export function snapshotImage(frame: RgbImage, t: LetterboxTransform, boxes: Array<{ box: Box; className: string }>): RgbImage {
  const image = cropContent(frame, t);
  for (const b of boxes) drawBox(image, b.box, classColour(b.className), Math.max(1, Math.round(image.width / 160)));
  return image;
}
