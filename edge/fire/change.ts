/**
 * What changed in a fixed camera's view over minutes: the strongest cue a tower camera has. A new plume rises
 * where the view was quiet a minute ago; the sun, glare, static haze and a sunset were there all along; clouds
 * drifting across the sky and fog that thickens and thins change the same cells over and over.
 *
 * A running Gaussian background per cell of `cellPx` x `cellPx` analysis pixels: the mean brightness (time
 * constant `backgroundTimeS`) and how far the cell usually strays from it (variance, `varianceTimeS`), both in
 * frame time so that replays behave like live cameras. A cell has changed when it is further from its mean
 * than `sigmas` of its own usual deviation and `minDelta` grey levels: a cloud in a sky full of drifting clouds
 * is ordinary there, the grey base of a plume over a quiet tree line is not. Changed cells move the mean ten
 * times slower, and the deviation has a long memory, so a plume that grows for minutes is not learnt before it
 * is confirmed. What changed in a detection's box must also not have drifted sideways since the last frame: a
 * cloud bank crossing the view does, a plume rooted where it rose does not. The view is learnt for
 * `warmupS` before anything counts. edge/fire/README.md says why this method.
 */
import type { Box, RgbImage } from './tensor.js';

/** A sideways shift must leave at most this share of the standing-still difference to count as drifting. */
const DRIFT_MATCH = 0.7;
/** ...over at least this much frame time (clouds drift a few pixels a second). */
const DRIFT_SPAN_MS = 5000;

export interface ChangeSettings {
  /** false: detections are not checked against the change in the view. */
  enabled: boolean;
  /** Classes whose detections count only where the view changed (a class not listed is taken as it is). */
  classes: string[];
  /** Side of a cell, analysis pixels. */
  cellPx: number;
  /** Time constant of the background mean, seconds of frame time. */
  backgroundTimeS: number;
  /** Time constant of each cell's usual deviation from the mean, seconds of frame time. */
  varianceTimeS: number;
  /** Smallest change of a cell's mean brightness that counts, grey levels 0..255. */
  minDelta: number;
  /** ...and at least this many of the usual deviations of the cell's neighbourhood. */
  sigmas: number;
  /** Neighbourhood radius, cells: a cell is as restless as the most restless cell within this many of it. */
  poolCells: number;
  /** A detection counts when at least this fraction of its cells changed (and at least 2 cells). */
  minChangedFraction: number;
  /** When this fraction of the frame changes at once the camera moved (PTZ preset, a knock, lights): the background starts again. */
  resetFraction: number;
  /** Seconds of frame time the view is learnt (after a start or a reset) before anything counts as changed. */
  warmupS: number;
}

export const defaultChange: ChangeSettings = {
  enabled: true,
  classes: ['fire', 'smoke'],
  cellPx: 8,
  backgroundTimeS: 300,
  varianceTimeS: 1800,
  minDelta: 6,
  sigmas: 3,
  poolCells: 3,
  minChangedFraction: 0.05,
  resetFraction: 0.6,
  warmupS: 120,
};

/** How one detection's region relates to the change in the view. */
export interface RegionChange {
  /** Fraction of the region's cells that changed against the background. */
  changed: number;
  /** What changed there moved sideways as a whole since the last frame (a drifting cloud). */
  drifting: boolean;
  /** The region counts as a new change in the view. */
  anchored: boolean;
}

export interface ChangeFrameSummary {
  /** Fraction of all cells that changed. */
  changed: number;
  /** The background started again with this frame (first frame, or the view changed as a whole). */
  reset: boolean;
}

export class ChangeModel {
  #cols = 0;
  #rows = 0;
  #mean = new Float32Array(0);
  #variance = new Float32Array(0);
  #pooled = new Float32Array(0);
  #scratch = new Float32Array(0);
  #current: Float32Array = new Float32Array(0);
  /** Brightness grids of the last frames (newest last), for the drift test: at least DRIFT_SPAN_MS apart. */
  #history: Array<{ ms: number; cells: Float32Array }> = [];
  /** The grid the drift test compares with: the newest one at least DRIFT_SPAN_MS older than the frame. */
  #previous: Float32Array = new Float32Array(0);
  #changed = new Uint8Array(0);
  #frames = 0;
  #lastMs = 0;
  #sinceMs = 0;

  constructor(readonly settings: ChangeSettings) {}

  /** Learns the frame and marks what changed in it. */
  update(image: RgbImage, frameMs: number): ChangeFrameSummary {
    this.#measure(image);
    this.#remember(frameMs);
    if (this.#frames === 0) return this.#restart(frameMs);
    const { minDelta, sigmas, backgroundTimeS, varianceTimeS, resetFraction, warmupS } = this.settings;
    const dt = Math.max(0, (frameMs - this.#lastMs) / 1000);
    const learnt = (frameMs - this.#sinceMs) / 1000 >= warmupS;
    // While warming up, a plain running average of every frame so far.
    const first = learnt ? 0 : 1 / (this.#frames + 1);
    const rate = Math.max(first, 1 - Math.exp(-dt / backgroundTimeS));
    const varianceRate = Math.max(first, 1 - Math.exp(-dt / varianceTimeS));
    if (learnt) this.#poolVariance();
    let changedCells = 0;
    for (let i = 0; i < this.#current.length; i++) {
      const delta = this.#current[i]! - this.#mean[i]!;
      const changed = learnt && Math.abs(delta) > Math.max(minDelta, sigmas * Math.sqrt(this.#pooled[i]!));
      this.#changed[i] = changed ? 1 : 0;
      if (changed) changedCells++;
      this.#mean[i]! += (changed ? rate / 10 : rate) * delta;
      // The deviation learns every frame alike: learning it slower while changed and faster while calm would
      // talk every restless sky patch down to quiet over an hour.
      this.#variance[i] = (1 - varianceRate) * this.#variance[i]! + varianceRate * delta * delta;
    }
    this.#frames++;
    this.#lastMs = frameMs;
    const fraction = changedCells / this.#current.length;
    if (learnt && fraction >= resetFraction) return this.#restart(frameMs);
    return { changed: fraction, reset: false };
  }

  /** The change inside a box (frame units 0..1) of the frame last given to `update`. */
  region(box: Box): RegionChange {
    if (this.#cols === 0) return { changed: 0, drifting: false, anchored: false };
    const c1 = clamp(Math.floor(box.x1 * this.#cols), 0, this.#cols - 1);
    const c2 = clamp(Math.ceil(box.x2 * this.#cols), c1 + 1, this.#cols);
    const r1 = clamp(Math.floor(box.y1 * this.#rows), 0, this.#rows - 1);
    const r2 = clamp(Math.ceil(box.y2 * this.#rows), r1 + 1, this.#rows);
    let changed = 0;
    for (let r = r1; r < r2; r++) for (let c = c1; c < c2; c++) changed += this.#changed[r * this.#cols + c]!;
    const fraction = changed / ((r2 - r1) * (c2 - c1));
    const drifting = this.#drifts(c1, c2, r1, r2);
    return {
      changed: fraction,
      drifting,
      anchored: !drifting && changed >= 2 && fraction >= this.settings.minChangedFraction,
    };
  }

  /**
   * Keeps the grids of the last few seconds and picks the one to compare with: the newest at least DRIFT_SPAN_MS
   * old (else the oldest), so that a cloud has moved a cell or more whether frames come every 0.5 s or every 5 s.
   */
  #remember(frameMs: number): void {
    // Oldest first: the grids old enough come first, and of them only the newest is worth keeping.
    const firstRecent = this.#history.findIndex((h) => frameMs - h.ms < DRIFT_SPAN_MS);
    const recent = firstRecent < 0 ? this.#history.length : firstRecent;
    const kept = this.#history.slice(Math.max(0, recent - 1));
    if (kept[0]) this.#previous = kept[0].cells;
    this.#history = [...kept, { ms: frameMs, cells: this.#current }];
  }

  /**
   * Did what changed in the region move sideways as a whole over the last seconds (a cloud drifting)? The changed
   * cells now are compared with the reference grid's (about DRIFT_SPAN_MS before), shifted up to half the
   * region's width to either side: drifting when some shift matches them clearly better (by DRIFT_MATCH) than
   * standing still, and they differ from the reference by more than sensor noise. A plume's base stays put and
   * its puffs rise.
   */
  #drifts(c1: number, c2: number, r1: number, r2: number): boolean {
    if (this.#frames < 2 || this.#previous.length !== this.#current.length) return false;
    const cols = this.#cols;
    const cost = (dx: number) => {
      let total = 0;
      let n = 0;
      for (let r = r1; r < r2; r++) {
        for (let c = Math.max(c1, dx); c < Math.min(c2, cols + dx); c++) {
          if (!this.#changed[r * cols + c]) continue;
          total += Math.abs(this.#current[r * cols + c]! - this.#previous[r * cols + c - dx]!);
          n++;
        }
      }
      return n >= 2 ? total / n : Infinity;
    };
    const still = cost(0);
    if (!(still > this.settings.minDelta / 4)) return false;
    const reach = Math.max(1, Math.floor((c2 - c1) / 2));
    for (let dx = -reach; dx <= reach; dx++) if (dx !== 0 && cost(dx) < still * DRIFT_MATCH) return true;
    return false;
  }

  /** Does a detection of this class count (its class is not checked, or its region is a rooted change)? */
  counts(className: string, box: Box): boolean {
    if (!this.settings.enabled || !this.settings.classes.includes(className)) return true;
    return this.region(box).anchored;
  }

  #restart(frameMs: number): ChangeFrameSummary {
    this.#mean.set(this.#current);
    this.#variance.fill(0);
    this.#changed.fill(0);
    this.#frames = 1;
    this.#lastMs = frameMs;
    this.#sinceMs = frameMs;
    return { changed: 0, reset: true };
  }

  /**
   * Each cell's deviation taken as the larger of its own and its neighbourhood's mean (`poolCells` around it): a
   * patch of blue that happened to stay clear while clouds drifted all around it is not a quiet place. A box
   * filter by running sums, rows then columns.
   */
  #poolVariance(): void {
    const r = this.settings.poolCells;
    const cols = this.#cols;
    const rows = this.#rows;
    const across = this.#scratch;
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        let sum = 0;
        const from = Math.max(0, x - r);
        const to = Math.min(cols - 1, x + r);
        for (let k = from; k <= to; k++) sum += this.#variance[y * cols + k]!;
        across[y * cols + x] = sum / (to - from + 1);
      }
    }
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        let sum = 0;
        const from = Math.max(0, y - r);
        const to = Math.min(rows - 1, y + r);
        for (let k = from; k <= to; k++) sum += across[k * cols + x]!;
        this.#pooled[y * cols + x] = Math.max(this.#variance[y * cols + x]!, sum / (to - from + 1));
      }
    }
  }

  /** Cell means of the brightness (Rec. 601 luma) into #current. */
  #measure(image: RgbImage): void {
    const cell = this.settings.cellPx;
    const cols = Math.max(1, Math.floor(image.width / cell));
    const rows = Math.max(1, Math.floor(image.height / cell));
    if (cols !== this.#cols || rows !== this.#rows) {
      this.#cols = cols;
      this.#rows = rows;
      const n = cols * rows;
      this.#mean = new Float32Array(n);
      this.#variance = new Float32Array(n);
      this.#pooled = new Float32Array(n);
      this.#scratch = new Float32Array(n);
      this.#current = new Float32Array(n);
      this.#previous = new Float32Array(n);
      this.#history = [];
      this.#changed = new Uint8Array(n);
      this.#frames = 0;
    }
    const sums = (this.#current = new Float32Array(cols * rows));
    const cellWidth = Math.min(cell, Math.floor(image.width / cols));
    const cellHeight = Math.min(cell, Math.floor(image.height / rows));
    const { data, width } = image;
    for (let y = 0; y < rows * cellHeight; y++) {
      const row = Math.floor(y / cellHeight) * cols;
      let o = y * width * 3;
      for (let x = 0; x < cols * cellWidth; x++, o += 3) {
        sums[row + Math.floor(x / cellWidth)]! +=
          0.299 * data[o]! + 0.587 * data[o + 1]! + 0.114 * data[o + 2]!;
      }
    }
    const area = cellWidth * cellHeight;
    for (let i = 0; i < sums.length; i++) sums[i]! /= area;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
