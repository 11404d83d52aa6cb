import type { JpegEncoder } from './snapshot.js';
import { letterboxRgb, type RgbImage } from './tensor.js';

/** `fire.strip`: small frames before and after a detection, so that a ranger sees the plume grow. */
export interface StripSettings {
  /** Frames sent with the `new` event from before the detection (0: none), besides the detection frame itself. */
  before: number;
  /** Frames from after the detection, sent with the alert's first `update` once that many were analysed since the `new`, or with its `end`. */
  after: number;
  /** Width of each frame, px (aspect kept). */
  width: number;
  /** JPEG quality, ffmpeg -q:v (2 best .. 31 smallest). */
  quality: number;
}

export const defaultStrip: StripSettings = { before: 3, after: 3, width: 320, quality: 5 };

export interface StripFrame {
  ms: number;
  image: RgbImage;
}

export interface EncodedStripFrame {
  ts: number;
  width: number;
  height: number;
  jpeg: Buffer;
}

/** `n` items spread evenly over `items` (in order), the last one always among them. */
export function evenly<T>(items: T[], n: number): T[] {
  if (n <= 0) return [];
  if (items.length <= n) return items.slice();
  const step = (items.length - 1) / Math.max(1, n - 1);
  return Array.from({ length: n }, (_, i) => items[items.length - 1 - Math.round((n - 1 - i) * step)]!);
}

/**
 * One camera's recent analysed frames, downscaled (`width`, raw RGB in memory: 320x180 is 173 kB, the ring of
 * `before + 2 x after + 1` frames 1.6 MB by default; nothing on disk, nothing encoded until an alert needs it).
 * An alert's `new` takes frames from before it and the detection frame itself (the clean picture its boxes were
 * found on: the training data set exports it, `cloud/fire/yolo-export.ts`); its first later event with `after`
 * frames since the `new` (or its `end`) takes those.
 */
export class FrameStrip {
  readonly #ring: StripFrame[] = [];
  /** Alerts whose after-frames are still to be sent: alert id -> time of its `new`. */
  readonly #waiting = new Map<string, number>();

  constructor(readonly settings: StripSettings) {}

  get enabled(): boolean {
    return this.settings.before + this.settings.after > 0 && this.settings.width > 0;
  }

  /** Keeps a downscaled copy of an analysed frame (the camera picture, no letterbox padding). */
  push(view: RgbImage, ms: number): void {
    if (!this.enabled) return;
    const width = Math.min(this.settings.width, view.width);
    const height = Math.max(1, Math.round((width * view.height) / view.width));
    this.#ring.push({ ms, image: letterboxRgb(view, width, height).image });
    const capacity = this.settings.before + 2 * this.settings.after + 1;
    while (this.#ring.length > capacity) this.#ring.shift();
  }

  /**
   * The frames an alert event carries: on `new` those before the detection and the detection frame (the last; it is
   * pushed before the tracker emits), after it on one later event (see above).
   */
  take(event: { kind: 'new' | 'update' | 'end'; alertId: string; atMs: number }): StripFrame[] {
    if (!this.enabled) return [];
    if (event.kind === 'new') {
      if (this.settings.after > 0) this.#waiting.set(event.alertId, event.atMs);
      const before = evenly(
        this.#ring.filter((f) => f.ms < event.atMs),
        this.settings.before,
      );
      const detection = this.#ring.find((f) => f.ms === event.atMs);
      return detection ? [...before, detection] : before;
    }
    const since = this.#waiting.get(event.alertId);
    if (since === undefined) return [];
    const after = this.#ring.filter((f) => f.ms > since && f.ms <= event.atMs);
    // An `update` soon after the `new` (the box grew) waits for a later event: a few frames show growth, one does not.
    if (event.kind !== 'end' && after.length < this.settings.after) return [];
    this.#waiting.delete(event.alertId);
    return evenly(after, this.settings.after);
  }
}

/** Encodes strip frames one after the other (one short ffmpeg run each); a frame that fails is left out. */
export async function encodeStrip(
  frames: StripFrame[],
  quality: number,
  encode: JpegEncoder,
  timeoutMs: number,
): Promise<{ frames: EncodedStripFrame[]; failed: number }> {
  const encoded: EncodedStripFrame[] = [];
  let failed = 0;
  for (const frame of frames) {
    try {
      const jpeg = await encode(frame.image, quality, timeoutMs);
      encoded.push({ ts: frame.ms, width: frame.image.width, height: frame.image.height, jpeg });
    } catch {
      failed++;
    }
  }
  return { frames: encoded, failed };
}
