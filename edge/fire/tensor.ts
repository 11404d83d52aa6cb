/**
 * Pre- and post-processing of YOLO-style detectors on typed arrays: letterbox, normalise to NCHW float,
 * decode the two Ultralytics output layouts, non-maximum suppression.
 */

export interface RgbImage {
  /** Packed RGB, row-major, 3 bytes per pixel. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Axis-aligned box in pixels: x1,y1 top-left, x2,y2 bottom-right. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface Detection {
  classId: number;
  score: number;
  box: Box;
}

/** Where the original image sits inside the letterboxed model input. */
export interface LetterboxTransform {
  scale: number;
  padX: number;
  padY: number;
  contentWidth: number;
  contentHeight: number;
}

export type OutputLayout = 'yolov8' | 'yolov5';

/** The content rectangle ffmpeg's `scale=W:H:force_original_aspect_ratio=decrease,pad=W:H:(ow-iw)/2:(oh-ih)/2` gives. */
export function letterboxGeometry(
  srcWidth: number,
  srcHeight: number,
  dstWidth: number,
  dstHeight: number,
): LetterboxTransform {
  const contentWidth = Math.min(dstWidth, Math.round((dstHeight * srcWidth) / srcHeight));
  const contentHeight = Math.min(dstHeight, Math.round((contentWidth * srcHeight) / srcWidth));
  return {
    scale: contentWidth / srcWidth,
    padX: Math.floor((dstWidth - contentWidth) / 2),
    padY: Math.floor((dstHeight - contentHeight) / 2),
    contentWidth,
    contentHeight,
  };
}

/** Resizes (bilinear) keeping the aspect ratio into dstWidth x dstHeight, padding with grey `pad`. */
export function letterboxRgb(
  src: RgbImage,
  dstWidth: number,
  dstHeight: number,
  pad = 114,
): { image: RgbImage; transform: LetterboxTransform } {
  const t = letterboxGeometry(src.width, src.height, dstWidth, dstHeight);
  const out = new Uint8Array(dstWidth * dstHeight * 3).fill(pad);
  if (src.width === t.contentWidth && src.height === t.contentHeight) {
    for (let y = 0; y < src.height; y++) {
      out.set(
        src.data.subarray(y * src.width * 3, (y + 1) * src.width * 3),
        ((y + t.padY) * dstWidth + t.padX) * 3,
      );
    }
    return { image: { data: out, width: dstWidth, height: dstHeight }, transform: t };
  }
  const sx = src.width / t.contentWidth;
  const sy = src.height / t.contentHeight;
  if (sx >= 2 || sy >= 2) {
    shrinkByArea(src, out, dstWidth, t);
    return { image: { data: out, width: dstWidth, height: dstHeight }, transform: t };
  }
  for (let y = 0; y < t.contentHeight; y++) {
    const fy = Math.max(0, (y + 0.5) * sy - 0.5);
    const y0 = Math.min(src.height - 1, Math.floor(fy));
    const y1 = Math.min(src.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < t.contentWidth; x++) {
      const fx = Math.max(0, (x + 0.5) * sx - 0.5);
      const x0 = Math.min(src.width - 1, Math.floor(fx));
      const x1 = Math.min(src.width - 1, x0 + 1);
      const wx = fx - x0;
      const o = ((y + t.padY) * dstWidth + x + t.padX) * 3;
      const a = (y0 * src.width + x0) * 3;
      const b = (y0 * src.width + x1) * 3;
      const c = (y1 * src.width + x0) * 3;
      const d = (y1 * src.width + x1) * 3;
      for (let k = 0; k < 3; k++) {
        const top = src.data[a + k]! * (1 - wx) + src.data[b + k]! * wx;
        const bottom = src.data[c + k]! * (1 - wx) + src.data[d + k]! * wx;
        out[o + k] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { image: { data: out, width: dstWidth, height: dstHeight }, transform: t };
}

/**
 * Shrinks by averaging each output pixel's whole footprint (a box filter): bilinear sampling from a 1280 px
 * frame down to 256 would read 4 of ~25 source pixels and alias thin plumes away, where ffmpeg and the training
 * letterbox both filter.
 */
function shrinkByArea(src: RgbImage, out: Uint8Array, dstWidth: number, t: LetterboxTransform): void {
  const sx = src.width / t.contentWidth;
  const sy = src.height / t.contentHeight;
  for (let y = 0; y < t.contentHeight; y++) {
    const ya = Math.floor(y * sy);
    const yb = Math.max(ya + 1, Math.min(src.height, Math.floor((y + 1) * sy)));
    for (let x = 0; x < t.contentWidth; x++) {
      const xa = Math.floor(x * sx);
      const xb = Math.max(xa + 1, Math.min(src.width, Math.floor((x + 1) * sx)));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let yy = ya; yy < yb; yy++) {
        let o = (yy * src.width + xa) * 3;
        for (let xx = xa; xx < xb; xx++, o += 3) {
          r += src.data[o]!;
          g += src.data[o + 1]!;
          b += src.data[o + 2]!;
        }
      }
      const n = (yb - ya) * (xb - xa);
      const d = ((y + t.padY) * dstWidth + x + t.padX) * 3;
      out[d] = Math.round(r / n);
      out[d + 1] = Math.round(g / n);
      out[d + 2] = Math.round(b / n);
    }
  }
}

/** Packed RGB bytes -> planar float32 [3, H, W] scaled to 0..1 (the NCHW input of Ultralytics models). */
export function rgbToChw(
  image: RgbImage,
  out = new Float32Array(3 * image.width * image.height),
): Float32Array {
  const plane = image.width * image.height;
  const src = image.data;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[i] = src[j]! / 255;
    out[plane + i] = src[j + 1]! / 255;
    out[2 * plane + i] = src[j + 2]! / 255;
  }
  return out;
}

/** Which layout an output of shape [1, A, B] with `numClasses` classes is. */
export function inferLayout(dims: readonly number[], numClasses: number): OutputLayout {
  const [, a, b] = dims;
  if (dims.length !== 3 || a === undefined || b === undefined)
    throw new Error(`model output: expected 3 dimensions, got [${dims.join(', ')}]`);
  if (a === 4 + numClasses) return 'yolov8';
  if (b === 5 + numClasses) return 'yolov5';
  throw new Error(
    `model output [${dims.join(', ')}] fits neither YOLOv8 [1, ${4 + numClasses}, N] nor YOLOv5 [1, N, ${5 + numClasses}] for ${numClasses} classes: check \`classes\` in the model metadata`,
  );
}

/** How many classes an output shape implies for a layout. */
export function classesInOutput(dims: readonly number[], layout: OutputLayout): number {
  return layout === 'yolov8' ? dims[1]! - 4 : dims[2]! - 5;
}

function centreBox(cx: number, cy: number, w: number, h: number): Box {
  return { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 };
}

/**
 * Decodes one image's output into candidate detections above each class's threshold. Scores are taken as they
 * are in the tensor (Ultralytics exports apply the sigmoid inside the model). YOLOv5's score is obj × class.
 */
export function decodeOutput(
  data: Float32Array,
  dims: readonly number[],
  layout: OutputLayout,
  thresholds: readonly number[],
): Detection[] {
  const out: Detection[] = [];
  if (layout === 'yolov8') {
    const rows = dims[1]!;
    const n = dims[2]!;
    const nc = rows - 4;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestScore = -Infinity;
      for (let c = 0; c < nc; c++) {
        const s = data[(4 + c) * n + i]!;
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      if (best < 0 || bestScore < (thresholds[best] ?? 1)) continue;
      out.push({
        classId: best,
        score: bestScore,
        box: centreBox(data[i]!, data[n + i]!, data[2 * n + i]!, data[3 * n + i]!),
      });
    }
    return out;
  }
  const n = dims[1]!;
  const stride = dims[2]!;
  const nc = stride - 5;
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    const objectness = data[o + 4]!;
    if (objectness < Math.min(...thresholds)) continue;
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < nc; c++) {
      const s = objectness * data[o + 5 + c]!;
      if (s > bestScore) {
        bestScore = s;
        best = c;
      }
    }
    if (best < 0 || bestScore < (thresholds[best] ?? 1)) continue;
    out.push({
      classId: best,
      score: bestScore,
      box: centreBox(data[o]!, data[o + 1]!, data[o + 2]!, data[o + 3]!),
    });
  }
  return out;
}

export function boxArea(b: Box): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

/** Class-aware greedy non-maximum suppression; keeps at most `maxDetections`, best first. */
export function nms(detections: Detection[], iouThreshold: number, maxDetections = 100): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.length >= maxDetections) break;
    if (kept.some((k) => k.classId === d.classId && iou(k.box, d.box) > iouThreshold)) continue;
    kept.push(d);
  }
  return kept;
}

/** Model-input pixels -> normalised 0..1 coordinates of the original frame (undoing the letterbox), clipped. */
export function toFrameUnits(box: Box, t: LetterboxTransform): Box {
  const clip = (v: number) => Math.min(1, Math.max(0, v));
  return {
    x1: clip((box.x1 - t.padX) / t.contentWidth),
    y1: clip((box.y1 - t.padY) / t.contentHeight),
    x2: clip((box.x2 - t.padX) / t.contentWidth),
    y2: clip((box.y2 - t.padY) / t.contentHeight),
  };
}
