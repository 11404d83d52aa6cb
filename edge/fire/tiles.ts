/**
 * Tiled inference geometry: a frame at analysis resolution is cut into overlapping tiles of the model's input
 * size at 1:1 pixels (a plume 20-60 px wide in the camera picture stays 20-60 px for the model), plus one
 * whole-frame pass for near, large fires; the boxes of every pass are merged across tile seams.
 */
import { boxArea, letterboxRgb, type Box, type LetterboxTransform, type RgbImage } from './tensor.js';

export interface TilingSettings {
  /** false: one whole-frame pass (the frame letterboxed to the model input), as small models were trained. */
  enabled: boolean;
  /** Frames are analysed at this width at most (never above the camera's own; aspect kept). */
  analysisMaxWidth: number;
  /** Fraction of a tile shared with its neighbour (0..0.9). */
  overlap: number;
  /** Also run the whole frame letterboxed to the model input (near, large fires that no tile holds). */
  wholeFrame: boolean;
  /** Inputs per onnxruntime run. */
  batchSize: number;
}

export const defaultTiling: TilingSettings = {
  enabled: true,
  analysisMaxWidth: 1280,
  overlap: 0.25,
  wholeFrame: true,
  batchSize: 8,
};

export interface TileRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One model input cut from the analysis frame and how its pixels map back to the frame. */
export interface ModelInput {
  image: RgbImage;
  /** toFrameUnits(box, transform) gives frame units 0..1 of the whole analysis frame. */
  transform: LetterboxTransform;
}

/**
 * Tile offsets along one axis: one tile when it fits, else n evenly spread tiles that overlap by at least
 * `overlap` of a tile and cover the axis exactly (the last tile ends at the edge).
 */
export function tileOffsets(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const stride = tile * (1 - overlap);
  const n = Math.ceil((length - tile) / stride) + 1;
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - tile)) / (n - 1)));
}

export function tileGrid(
  width: number,
  height: number,
  tileWidth: number,
  tileHeight: number,
  overlap: number,
): TileRect[] {
  const rects: TileRect[] = [];
  for (const y of tileOffsets(height, tileHeight, overlap)) {
    for (const x of tileOffsets(width, tileWidth, overlap))
      rects.push({ x, y, width: Math.min(tileWidth, width), height: Math.min(tileHeight, height) });
  }
  return rects;
}

/**
 * The tile's pixels at 1:1 in a tileWidth x tileHeight input; a frame smaller than the tile along an axis is
 * centred on grey `pad` there, as the letterbox does.
 */
export function cropTile(
  image: RgbImage,
  rect: TileRect,
  tileWidth: number,
  tileHeight: number,
  pad: number,
): ModelInput {
  const padX = Math.floor((tileWidth - rect.width) / 2);
  const padY = Math.floor((tileHeight - rect.height) / 2);
  const data = new Uint8Array(tileWidth * tileHeight * 3);
  if (rect.width < tileWidth || rect.height < tileHeight) data.fill(pad);
  for (let row = 0; row < rect.height; row++) {
    const from = ((rect.y + row) * image.width + rect.x) * 3;
    data.set(image.data.subarray(from, from + rect.width * 3), ((row + padY) * tileWidth + padX) * 3);
  }
  return {
    image: { data, width: tileWidth, height: tileHeight },
    transform: {
      scale: 1,
      padX: padX - rect.x,
      padY: padY - rect.y,
      contentWidth: image.width,
      contentHeight: image.height,
    },
  };
}

/** Every model input of one frame: the whole-frame pass first (when on), then the tiles row by row. */
export function modelInputs(
  image: RgbImage,
  tileWidth: number,
  tileHeight: number,
  pad: number,
  tiling: TilingSettings,
): ModelInput[] {
  const whole = (): ModelInput => {
    const boxed = letterboxRgb(image, tileWidth, tileHeight, pad);
    return { image: boxed.image, transform: boxed.transform };
  };
  if (!tiling.enabled) return [whole()];
  const tiles = tileGrid(image.width, image.height, tileWidth, tileHeight, tiling.overlap).map((rect) =>
    cropTile(image, rect, tileWidth, tileHeight, pad),
  );
  // A frame that is one tile already needs no second, identical pass.
  if (!tiling.wholeFrame || (image.width <= tileWidth && image.height <= tileHeight)) return tiles;
  return [whole(), ...tiles];
}

export interface ScoredBox {
  classId: number;
  score: number;
  box: Box;
}

function intersection(a: Box, b: Box): number {
  const w = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1);
  const h = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Greedy non-maximum merging across passes, per class, best score first: a box that overlaps a kept one by more
 * than `iouThreshold` (IoU), or lies mostly inside it or holds it (intersection over the smaller box above
 * `containThreshold`), is folded into it, which grows to their union. Unlike plain NMS this joins the two
 * halves of a plume that a tile seam cut, and the tile's part of a plume with the whole-frame pass's box.
 */
export function mergeAcrossTiles<T extends ScoredBox>(
  detections: T[],
  iouThreshold: number,
  containThreshold = 0.5,
): T[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const d of sorted) {
    const into = kept.find((k) => {
      if (k.classId !== d.classId) return false;
      const inter = intersection(k.box, d.box);
      if (inter === 0) return false;
      const smaller = Math.min(boxArea(k.box), boxArea(d.box));
      const iou = inter / (boxArea(k.box) + boxArea(d.box) - inter);
      return iou > iouThreshold || (smaller > 0 && inter / smaller > containThreshold);
    });
    if (!into) {
      kept.push({ ...d, box: { ...d.box } });
      continue;
    }
    into.box = {
      x1: Math.min(into.box.x1, d.box.x1),
      y1: Math.min(into.box.y1, d.box.y1),
      x2: Math.max(into.box.x2, d.box.x2),
      y2: Math.max(into.box.y2, d.box.y2),
    };
  }
  return kept;
}
