/**
 * From per-frame detections to alert events, per camera:
 *  - filtering: ignore masks (frame regions), maximum box size (per-class thresholds are applied by the detector);
 *  - confirmation over a sliding window of the last K frames: a place is confirmed when at least `minHits` of the
 *    last K frames had an overlapping box of the class and their summed confidence reaches `confirmScoreSum`;
 *    once confirmed, a lower `keepAliveScoreSum` keeps the event going;
 *  - lifecycle per place: `new` once, `update` at most every `updateIntervalS` while it lasts (sooner when it grows),
 *    `end` once it has been gone for `endAfterS`.
 * Times are frame times (ms), so a replay gives the same events as the live run.
 */
import { boxArea, iou, type Box } from './tensor.js';
import type { FrameDetection } from './detector.js';

export interface ConfirmationConfig {
  windowFrames: number;
  minHits: number;
  confirmScoreSum: number;
  keepAliveScoreSum: number;
  /** Largest accepted box, as a fraction of the frame area (a "fire" filling the frame is a lens flare or a truck). */
  maxBoxArea: number;
  /** Regions of the frame (0..1 units) where detections are ignored: a detection whose centre lies inside is dropped. */
  ignoreMasks: Box[];
  updateIntervalS: number;
  /** An update is sent early when the box area grew by this factor since the last event. */
  growthFactor: number;
  endAfterS: number;
}

export const defaultConfirmation: ConfirmationConfig = {
  windowFrames: 5,
  minHits: 3,
  confirmScoreSum: 1.2,
  keepAliveScoreSum: 0.4,
  maxBoxArea: 0.6,
  ignoreMasks: [],
  updateIntervalS: 30,
  growthFactor: 1.5,
  endAfterS: 60,
};

export type AlertEventKind = 'new' | 'update' | 'end';

export interface AlertEvent {
  kind: AlertEventKind;
  /** Stable id of the event (camera + place) across new/update/end. */
  alertId: string;
  className: string;
  /** Best confidence in the current window. */
  confidence: number;
  /** Current boxes of this place (0..1 frame units), with their class (fire and smoke of one place are one event). */
  boxes: Array<{ box: Box; score: number; className: string }>;
  /** Frame time of the first frame that showed it. */
  firstSeenMs: number;
  /** Frame index of that first frame. */
  firstSeenFrame: number;
  /** Frame time and index of the frame that produced this event. */
  atMs: number;
  frame: number;
  /** Frame time it was last seen (for `end`). */
  lastSeenMs: number;
}

interface Track {
  id: string;
  /** Class of the best box in the latest frame that showed it. */
  className: string;
  box: Box;
  boxes: Array<{ box: Box; score: number; className: string }>;
  /** Score per frame in the window (0 = not seen), newest last. */
  window: number[];
  /** The same, counting only detections anchored to a change in the view: these confirm an alert. */
  anchoredWindow: number[];
  firstSeenMs: number;
  firstSeenFrame: number;
  /** Set by the first detection anchored to a change: a look-alike that started the track does not date it. */
  anchoredSince?: { ms: number; frame: number };
  lastSeenMs: number;
  confirmed: boolean;
  lastEventMs: number;
  lastEventArea: number;
}

function centreInside(b: Box, region: Box): boolean {
  const cx = (b.x1 + b.x2) / 2;
  const cy = (b.y1 + b.y2) / 2;
  return cx >= region.x1 && cx <= region.x2 && cy >= region.y1 && cy <= region.y2;
}

function grow(b: Box, fraction: number): Box {
  const dx = (b.x2 - b.x1) * fraction;
  const dy = (b.y2 - b.y1) * fraction;
  return { x1: b.x1 - dx, y1: b.y1 - dy, x2: b.x2 + dx, y2: b.y2 + dy };
}

/** Same place: the boxes (each grown by a quarter, as smoke rises from the flames and plumes drift) touch. */
function samePlace(a: Box, b: Box): boolean {
  const ga = grow(a, 0.25);
  const gb = grow(b, 0.25);
  return iou(ga, gb) > 0 || centreInside(a, b) || centreInside(b, a);
}

function union(boxes: Box[]): Box {
  return {
    x1: Math.min(...boxes.map((b) => b.x1)),
    y1: Math.min(...boxes.map((b) => b.y1)),
    x2: Math.max(...boxes.map((b) => b.x2)),
    y2: Math.max(...boxes.map((b) => b.y2)),
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export class FireTracker {
  #tracks: Track[] = [];
  #nextId = 1;

  constructor(
    readonly cameraId: string,
    private readonly config: ConfirmationConfig,
  ) {}

  /** Detections that survive the masks and the size limit. */
  filter(detections: FrameDetection[]): FrameDetection[] {
    return detections.filter(
      (d) =>
        boxArea(d.box) <= this.config.maxBoxArea &&
        !this.config.ignoreMasks.some((m) => centreInside(d.box, m)),
    );
  }

  /** Feeds one frame's (filtered) detections; returns the alert events this frame causes. */
  push(frameMs: number, frameIndex: number, detections: FrameDetection[]): AlertEvent[] {
    const matched = new Map<Track, FrameDetection[]>();
    for (const d of detections) {
      const track = this.#tracks.find((t) => samePlace(t.box, d.box));
      if (track) {
        matched.set(track, [...(matched.get(track) ?? []), d]);
        continue;
      }
      const fresh: Track = {
        id: `${this.cameraId}-${frameMs.toString(36)}-${this.#nextId++}`,
        className: d.className,
        box: d.box,
        boxes: [],
        window: [],
        anchoredWindow: [],
        firstSeenMs: frameMs,
        firstSeenFrame: frameIndex,
        lastSeenMs: frameMs,
        confirmed: false,
        lastEventMs: 0,
        lastEventArea: 0,
      };
      this.#tracks.push(fresh);
      matched.set(fresh, [d]);
    }

    const events: AlertEvent[] = [];
    for (const track of [...this.#tracks]) {
      const hits = matched.get(track) ?? [];
      const anchoredHits = hits.filter((h) => h.anchored !== false);
      if (anchoredHits.length && !track.anchoredSince)
        track.anchoredSince = { ms: frameMs, frame: frameIndex };
      this.#slide(track.window, hits);
      this.#slide(track.anchoredWindow, anchoredHits);
      if (hits.length) {
        // The place is where the view changed: a look-alike beside a plume (a cloud touching it) is not drawn
        // into the alert's boxes, nor does it widen the place, while anchored boxes are there.
        const shown = anchoredHits.length ? anchoredHits : hits;
        track.boxes = shown.map((h) => ({ box: h.box, score: h.score, className: h.className }));
        track.box = union(shown.map((h) => h.box));
        track.className = shown.reduce((best, h) => (h.score > best.score ? h : best)).className;
      }
      const score = sum(track.window);
      const seen = track.window.filter((s) => s > 0).length;

      if (!track.confirmed) {
        // Only detections anchored to a change confirm; once confirmed, any detection keeps the alert alive
        // (a plume that stays for an hour slowly becomes background).
        const anchoredSeen = track.anchoredWindow.filter((s) => s > 0).length;
        if (anchoredSeen >= this.config.minHits && sum(track.anchoredWindow) >= this.config.confirmScoreSum) {
          track.confirmed = true;
          track.lastSeenMs = frameMs;
          events.push(this.#event('new', track, frameMs, frameIndex));
        } else if (seen === 0) {
          this.#tracks.splice(this.#tracks.indexOf(track), 1);
        }
        continue;
      }
      if (hits.length && score >= this.config.keepAliveScoreSum) track.lastSeenMs = frameMs;
      if (frameMs - track.lastSeenMs >= this.config.endAfterS * 1000) {
        events.push(this.#event('end', track, frameMs, frameIndex));
        this.#tracks.splice(this.#tracks.indexOf(track), 1);
        continue;
      }
      const due = frameMs - track.lastEventMs >= this.config.updateIntervalS * 1000;
      const grew =
        boxArea(track.box) >= track.lastEventArea * this.config.growthFactor &&
        frameMs - track.lastEventMs >= 1000;
      if (hits.length && (due || grew)) events.push(this.#event('update', track, frameMs, frameIndex));
    }
    // A fire seen as two tracks of one class that grew together: fold the younger into the older.
    this.#mergeOverlapping();
    return events;
  }

  /** Ends every open event (source ended or camera removed). */
  flush(frameMs: number, frameIndex: number): AlertEvent[] {
    const events = this.#tracks
      .filter((t) => t.confirmed)
      .map((t) => this.#event('end', t, frameMs, frameIndex));
    this.#tracks = [];
    return events;
  }

  get openAlerts(): number {
    return this.#tracks.filter((t) => t.confirmed).length;
  }

  #mergeOverlapping(): void {
    for (let i = 0; i < this.#tracks.length; i++) {
      for (let j = this.#tracks.length - 1; j > i; j--) {
        const a = this.#tracks[i]!;
        const b = this.#tracks[j]!;
        if (!samePlace(a.box, b.box) || b.confirmed) continue;
        a.window = a.window.map((s, k) => Math.max(s, b.window[k] ?? 0));
        a.anchoredWindow = a.anchoredWindow.map((s, k) => Math.max(s, b.anchoredWindow[k] ?? 0));
        if (b.anchoredSince && (!a.anchoredSince || b.anchoredSince.ms < a.anchoredSince.ms))
          a.anchoredSince = b.anchoredSince;
        this.#tracks.splice(j, 1);
      }
    }
  }

  /** Adds this frame's best score (0: not seen) to a window of the last `windowFrames` frames. */
  #slide(window: number[], hits: FrameDetection[]): void {
    window.push(hits.length ? Math.max(...hits.map((h) => h.score)) : 0);
    if (window.length > this.config.windowFrames) window.shift();
  }

  #event(kind: AlertEventKind, track: Track, frameMs: number, frameIndex: number): AlertEvent {
    track.lastEventMs = frameMs;
    track.lastEventArea = boxArea(track.box);
    return {
      kind,
      alertId: track.id,
      className: track.className,
      confidence: Math.max(0, ...track.window),
      boxes: track.boxes,
      firstSeenMs: track.anchoredSince?.ms ?? track.firstSeenMs,
      firstSeenFrame: track.anchoredSince?.frame ?? track.firstSeenFrame,
      atMs: frameMs,
      frame: frameIndex,
      lastSeenMs: track.lastSeenMs,
    };
  }
}
