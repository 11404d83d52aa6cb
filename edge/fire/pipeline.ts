import type { Registry } from 'prom-client';
import { bearingAtFrameX } from '../../protocols/fire/camera-geometry.js';
import type { Logger } from '../../runtime/logger.js';
import { Counter, Gauge, Histogram } from '../../runtime/metrics.js';
import type { CameraSettings } from '../../protocols/mqtt/payloads.js';
import { CameraReader, type CameraState } from './camera-reader.js';
import { effectiveThresholds, isMuted, MASKED_SHARE, maskedShare } from './camera-settings.js';
import { ChangeModel, defaultChange, type ChangeSettings } from './change.js';
import type { FireConfig } from './config.js';
import type { Detector, FrameDetection } from './detector.js';
import { encodeJpeg, guessSourceKind, type Frame, type SourceKind } from './frames.js';
import {
  defaultStrip,
  encodeStrip,
  FrameStrip,
  type EncodedStripFrame,
  type StripSettings,
} from './frame-strip.js';
import { alertSnapshot, cropContent, defaultSnapshotSettings, type SnapshotSettings } from './snapshot.js';
import type { Box, RgbImage } from './tensor.js';
import { defaultTiling, type TilingSettings } from './tiles.js';
import { FireTracker, type AlertEvent, type ConfirmationConfig } from './tracker.js';

export interface PipelineCamera {
  id: string;
  url: string;
  kind?: SourceKind;
  fps: number;
  position?: { lat: number; lon: number };
  bearingDeg?: number;
  fovDeg?: number;
  /** Name, height above ground and watched range: carried in the alerts for the cloud's fire location. */
  name?: string;
  heightM?: number;
  rangeM?: number;
  ignoreMasks?: Box[];
  realtime?: boolean;
  /** Overrides `settings.snapshot.maxWidth` for this camera. */
  snapshotMaxWidth?: number;
  /** Overrides `settings.tiles.enabled` for this camera. */
  tiles?: boolean;
  /** Overrides `settings.tiles.analysisMaxWidth` for this camera. */
  analysisMaxWidth?: number;
  /** The settings from the dashboard (mute, sensitivity, ignore polygons), read on every frame: no restart. */
  liveSettings?: () => CameraSettings | undefined;
}

export interface PipelineSettings {
  confirmation: ConfirmationConfig;
  stallTimeoutS: number;
  socketTimeoutS: number;
  backoff: { minMs: number; maxMs: number };
  /** Restart a source that ended (live cameras); replays end. Default: restart unless the source is a file/folder. */
  restartOnEnd?: boolean;
  /** Alert snapshots; default `defaultSnapshotSettings` (1280 px at most). */
  snapshot?: SnapshotSettings;
  /** Tiled inference; default `defaultTiling` (1280 px analysis width). */
  tiles?: TilingSettings;
  /** Change over time; default `defaultChange`. */
  change?: ChangeSettings;
  /** Frames before and after a detection sent with the alert; default `defaultStrip`. */
  strip?: StripSettings;
}

/** The pipeline settings an `edge.fire` config section gives (shared by the edge and `lookout detect`). */
export function pipelineSettings(config: FireConfig): PipelineSettings {
  const { confirmation, stallTimeoutS, socketTimeoutS, backoff, snapshot, tiles, change, strip } = config;
  return { confirmation, stallTimeoutS, socketTimeoutS, backoff, snapshot, tiles, change, strip };
}

export interface FrameResult {
  cameraId: string;
  frame: Frame;
  /** The frame's time: video time since the start for replays, arrival time for live sources (ms since epoch). */
  frameMs: number;
  detections: FrameDetection[];
  /** Detections the masks and the size limit removed. */
  filtered: number;
  /** The camera is muted: the model did not run on this frame (the view is still learnt). */
  muted?: boolean;
}

export interface AlertOut {
  camera: PipelineCamera;
  event: AlertEvent;
  snapshot?: { jpeg: Buffer; width: number; height: number };
  /** Small frames before (on `new`) or after (on the alert's next event) the detection. */
  frames?: EncodedStripFrame[];
}

export interface PipelineHandlers {
  onFrame?(result: FrameResult): void;
  onAlert(alert: AlertOut): void | Promise<void>;
  onStatus?(cameraId: string, status: CameraState): void;
  /** A replayed source finished (after the `end` events of its open alerts). */
  onEnded?(cameraId: string): void;
  /** A replayed source could not be read (replays are not retried; live cameras are). */
  onFailed?(cameraId: string, reason: string): void;
}

export type FireMetrics = ReturnType<typeof createFireMetrics>;

export function createFireMetrics(registry: Registry) {
  const registers = [registry];
  return {
    frames: new Counter({
      name: 'lookout_edge_fire_frames_total',
      help: 'Frames analysed',
      labelNames: ['camera'],
      registers,
    }),
    framesDropped: new Counter({
      name: 'lookout_edge_fire_frames_dropped_total',
      help: 'Live frames skipped because the detector was busy, or images that failed to decode',
      labelNames: ['camera'],
      registers,
    }),
    detections: new Counter({
      name: 'lookout_edge_fire_detections_total',
      help: 'Detections kept after masks and size limits',
      labelNames: ['camera', 'class'],
      registers,
    }),
    alerts: new Counter({
      name: 'lookout_edge_fire_alert_events_total',
      help: 'Alert events raised',
      labelNames: ['camera', 'event'],
      registers,
    }),
    restarts: new Counter({
      name: 'lookout_edge_camera_reader_restarts_total',
      help: 'Frame reader restarts by the watchdog',
      labelNames: ['camera'],
      registers,
    }),
    online: new Gauge({
      name: 'lookout_edge_camera_online',
      help: '1 while frames flow from the camera',
      labelNames: ['camera'],
      registers,
    }),
    lastFrame: new Gauge({
      name: 'lookout_edge_camera_last_frame_timestamp_seconds',
      help: 'Time of the last frame',
      labelNames: ['camera'],
      registers,
    }),
    inference: new Histogram({
      name: 'lookout_edge_fire_inference_seconds',
      help: 'Model run time per frame',
      buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2],
      registers,
    }),
    unanchored: new Counter({
      name: 'lookout_edge_fire_detections_unanchored_total',
      help: 'Detections that did not count towards confirming an alert: their region had not changed against the background, or drifted sideways as a whole',
      labelNames: ['camera', 'class'],
      registers,
    }),
    backgroundResets: new Counter({
      name: 'lookout_edge_fire_background_resets_total',
      help: 'Times the change background started again (camera start, or the view changed as a whole)',
      labelNames: ['camera'],
      registers,
    }),
    masked: new Counter({
      name: 'lookout_edge_fire_detections_masked_total',
      help: 'Detections dropped because their box lay mostly inside an ignore mask drawn in the dashboard',
      labelNames: ['camera'],
      registers,
    }),
    mutedFrames: new Counter({
      name: 'lookout_edge_fire_frames_muted_total',
      help: 'Frames read but not analysed because the camera is muted from the dashboard',
      labelNames: ['camera'],
      registers,
    }),
    errors: new Counter({
      name: 'lookout_edge_fire_errors_total',
      help: 'Frames that failed in detection or snapshot encoding',
      labelNames: ['camera', 'stage'],
      registers,
    }),
    snapshots: new Counter({
      name: 'lookout_edge_fire_snapshots_total',
      help: 'Alert snapshots by size: high (snapshot resolution), model (model input size), none (encoding failed)',
      labelNames: ['camera', 'size'],
      registers,
    }),
    snapshotFallbacks: new Counter({
      name: 'lookout_edge_fire_snapshot_fallbacks_total',
      help: 'Alerts that got the model-size snapshot although a larger one was configured: no_frame (snapshot-resolution frame missing), encode_failed, too_large',
      labelNames: ['camera', 'reason'],
      registers,
    }),
  };
}

/** Bearing from the camera to the centre of the boxes, from the camera's bearing and horizontal field of view. */
export function bearingToBoxes(camera: PipelineCamera, boxes: Array<{ box: Box }>): number | undefined {
  if (camera.bearingDeg === undefined || camera.fovDeg === undefined || boxes.length === 0) return undefined;
  const cx = boxes.reduce((s, b) => s + (b.box.x1 + b.box.x2) / 2, 0) / boxes.length;
  return bearingAtFrameX(camera.bearingDeg, camera.fovDeg, cx);
}

/** The camera picture of an analysed frame, without the letterbox padding. */
function cameraView(frame: Frame): RgbImage {
  return frame.image.width === frame.transform.contentWidth &&
    frame.image.height === frame.transform.contentHeight
    ? frame.image
    : cropContent(frame.image, frame.transform);
}

/**
 * One camera: frame reader (with watchdog) -> detector -> confirmation and alert lifecycle -> snapshot.
 * Alert events leave in order through a queue that the detection does not wait for: a snapshot being encoded
 * never holds up the next frame.
 */
export class CameraPipeline {
  readonly #reader: CameraReader;
  readonly #tracker: FireTracker;
  readonly #replay: boolean;
  readonly #snapshot: SnapshotSettings;
  readonly #tiling: TilingSettings;
  readonly #change: ChangeModel;
  readonly #strip: FrameStrip;
  #alerts: Promise<void> = Promise.resolve();
  #startedAtMs = 0;
  #lastFrame: Frame | undefined;
  #lastFrameMs = 0;
  #muted = false;

  constructor(
    readonly camera: PipelineCamera,
    private readonly detector: Detector,
    settings: PipelineSettings,
    private readonly handlers: PipelineHandlers,
    private readonly log: Logger,
    private readonly metrics?: FireMetrics,
  ) {
    const kind = camera.kind ?? guessSourceKind(camera.url);
    this.#replay = kind === 'file' || kind === 'folder';
    this.#tracker = new FireTracker(camera.id, {
      ...settings.confirmation,
      ignoreMasks: [...settings.confirmation.ignoreMasks, ...(camera.ignoreMasks ?? [])],
    });
    const { inputWidth, inputHeight, letterbox } = detector.info;
    this.#snapshot = { ...(settings.snapshot ?? defaultSnapshotSettings) };
    if (camera.snapshotMaxWidth !== undefined) this.#snapshot.maxWidth = camera.snapshotMaxWidth;
    const tiles = settings.tiles ?? defaultTiling;
    this.#tiling = { ...tiles, enabled: camera.tiles ?? tiles.enabled };
    const analysisMaxWidth = this.#tiling.enabled ? (camera.analysisMaxWidth ?? tiles.analysisMaxWidth) : 0;
    this.#change = new ChangeModel(settings.change ?? defaultChange);
    this.#strip = new FrameStrip(settings.strip ?? defaultStrip);
    this.#reader = new CameraReader(
      camera.id,
      {
        url: camera.url,
        kind: camera.kind,
        fps: camera.fps,
        width: inputWidth,
        height: inputHeight,
        pad: letterbox,
        realtime: camera.realtime,
        socketTimeoutS: settings.socketTimeoutS,
        snapshotMaxWidth: this.#snapshot.maxWidth,
        analysisMaxWidth,
      },
      {
        stallTimeoutS: settings.stallTimeoutS,
        backoff: settings.backoff,
        restartOnEnd: settings.restartOnEnd ?? !this.#replay,
      },
      {
        onFrame: (frame) => this.#onFrame(frame),
        onStatus: (status) => this.#onStatus(status),
        onEnded: () => void this.#onEnded(),
        onFailed: (reason) => {
          log.error({ camera: camera.id, reason }, 'replay source failed');
          this.handlers.onFailed?.(camera.id, reason);
        },
        onDropped: () => this.metrics?.framesDropped.inc({ camera: camera.id }),
        onHighResError: (message) => {
          this.metrics?.errors.inc({ camera: camera.id, stage: 'snapshot_output' });
          log.warn(
            { camera: camera.id, reason: message },
            'snapshot-resolution output failed; alerts use model-size snapshots meanwhile',
          );
        },
      },
      log,
    );
  }

  get status(): CameraState {
    return this.#reader.status;
  }

  /** Wall time the pipeline started: replay frame times are this plus the video time. */
  get startedAtMs(): number {
    return this.#startedAtMs;
  }

  start(): void {
    this.#startedAtMs = Date.now();
    this.#reader.start();
  }

  stop(): void {
    this.#reader.stop();
  }

  /** Resolves once the alert events raised so far were handed to `onAlert` (bounded by the snapshot timeouts). */
  drained(): Promise<void> {
    return this.#alerts;
  }

  async #onFrame(frame: Frame): Promise<void> {
    const cameraId = this.camera.id;
    const frameMs = this.#replay
      ? this.#startedAtMs + Math.round(frame.streamTimeS * 1000)
      : frame.receivedAtMs;
    const live = this.camera.liveSettings?.();
    // Mute is a wall-clock promise to the ranger ("quiet for 1 h"), whatever the frame's own time.
    if (isMuted(live, Date.now())) return this.#onMutedFrame(frame, frameMs);
    this.#muted = false;
    const thresholds = live ? effectiveThresholds(this.detector.info.thresholds, live) : undefined;
    let raw: FrameDetection[];
    const t0 = process.hrtime.bigint();
    try {
      raw = this.#tiling.enabled
        ? await this.detector.detectTiled(frame.image, this.#tiling, thresholds)
        : await this.detector.detect(frame.image, frame.transform, thresholds);
    } catch (error) {
      this.metrics?.errors.inc({ camera: cameraId, stage: 'detect' });
      this.log.error(
        { camera: cameraId, frame: frame.index, err: error },
        'detection failed on a frame; going on',
      );
      return;
    }
    this.metrics?.inference.observe(Number(process.hrtime.bigint() - t0) / 1e9);
    this.metrics?.frames.inc({ camera: cameraId });
    this.metrics?.lastFrame.set({ camera: cameraId }, frame.receivedAtMs / 1000);
    const view = cameraView(frame);
    const detections = this.#anchor(
      this.#unmasked(this.#tracker.filter(raw), live),
      view,
      frame.index,
      frameMs,
    );
    this.#strip.push(view, frameMs);
    for (const d of detections) this.metrics?.detections.inc({ camera: cameraId, class: d.className });
    this.#lastFrame = frame;
    this.#lastFrameMs = frameMs;
    this.handlers.onFrame?.({
      cameraId,
      frame,
      frameMs,
      detections,
      filtered: raw.length - detections.length,
    });
    for (const event of this.#tracker.push(frameMs, frame.index, detections)) void this.#emit(event, frame);
  }

  /** Drops the detections whose box lies mostly inside the ignore polygons drawn in the dashboard. */
  #unmasked(detections: FrameDetection[], live: CameraSettings | undefined): FrameDetection[] {
    const masks = live?.ignoreMasks ?? [];
    if (masks.length === 0) return detections;
    const kept = detections.filter((d) => maskedShare(d.box, masks) < MASKED_SHARE);
    if (kept.length < detections.length)
      this.metrics?.masked.inc({ camera: this.camera.id }, detections.length - kept.length);
    return kept;
  }

  /**
   * A muted camera is still read (its status and health stay live) and its view still learnt (no warm-up when the
   * mute ends), but the model does not run; alerts open when the mute began end at once.
   */
  #onMutedFrame(frame: Frame, frameMs: number): void {
    if (!this.#muted) {
      this.#muted = true;
      this.log.info({ camera: this.camera.id }, 'camera muted: no detection until the mute ends');
      for (const event of this.#tracker.flush(frameMs, frame.index)) void this.#emit(event, undefined);
    }
    this.metrics?.mutedFrames.inc({ camera: this.camera.id });
    this.metrics?.lastFrame.set({ camera: this.camera.id }, frame.receivedAtMs / 1000);
    const view = cameraView(frame);
    this.#anchor([], view, frame.index, frameMs);
    this.#strip.push(view, frameMs);
    this.#lastFrame = frame;
    this.#lastFrameMs = frameMs;
    this.handlers.onFrame?.({
      cameraId: this.camera.id,
      frame,
      frameMs,
      detections: [],
      filtered: 0,
      muted: true,
    });
  }

  /** Learns the frame into the change background and marks which detections are a rooted change. */
  #anchor(
    detections: FrameDetection[],
    view: RgbImage,
    frameIndex: number,
    frameMs: number,
  ): FrameDetection[] {
    if (!this.#change.settings.enabled) return detections;
    const summary = this.#change.update(view, frameMs);
    if (summary.reset && frameIndex > 0) {
      this.metrics?.backgroundResets.inc({ camera: this.camera.id });
      this.log.info(
        { camera: this.camera.id, frame: frameIndex },
        'view changed as a whole; change background restarted',
      );
    }
    return detections.map((d) => {
      const anchored = this.#change.counts(d.className, d.box);
      if (!anchored) this.metrics?.unanchored.inc({ camera: this.camera.id, class: d.className });
      return { ...d, anchored };
    });
  }

  /** Queues the event; its snapshot frame is taken now (the reader keeps only the newest). */
  #emit(event: AlertEvent, frame: Frame | undefined): Promise<void> {
    this.metrics?.alerts.inc({ camera: this.camera.id, event: event.kind });
    const snapshot = event.kind !== 'end' && frame ? this.#takeSnapshot(event, frame) : undefined;
    const frames = this.#stripFrames(event);
    const task = this.#alerts.then(async () => {
      try {
        await this.handlers.onAlert({
          camera: this.camera,
          event,
          snapshot: await snapshot,
          frames: await frames,
        });
      } catch (error) {
        this.log.error({ camera: this.camera.id, alert: event.alertId, err: error }, 'alert handler failed');
      }
    });
    this.#alerts = task;
    return task;
  }

  /** The strip frames of the event, taken now (the ring moves on), encoded beside the snapshot. */
  async #stripFrames(event: AlertEvent): Promise<EncodedStripFrame[] | undefined> {
    const taken = this.#strip.take({ kind: event.kind, alertId: event.alertId, atMs: event.atMs });
    if (taken.length === 0) return undefined;
    const { quality } = this.#strip.settings;
    const { frames, failed } = await encodeStrip(taken, quality, encodeJpeg, this.#snapshot.encodeTimeoutMs);
    if (failed > 0) {
      this.metrics?.errors.inc({ camera: this.camera.id, stage: 'strip' }, failed);
      this.log.warn(
        { camera: this.camera.id, alert: event.alertId, failed },
        'strip frames failed to encode',
      );
    }
    return frames;
  }

  async #takeSnapshot(event: AlertEvent, frame: Frame): Promise<AlertOut['snapshot']> {
    const settings = this.#snapshot;
    const highRes = settings.maxWidth > 0 ? frame.highRes?.(settings.waitMs) : undefined;
    const boxes = event.boxes.map((b) => ({ box: b.box, className: b.className }));
    const result = await alertSnapshot(highRes, frame, boxes, settings, encodeJpeg);
    const camera = this.camera.id;
    this.metrics?.snapshots.inc({ camera, size: result.size });
    if (result.fallback) {
      this.metrics?.snapshotFallbacks.inc({ camera, reason: result.fallback });
      this.log.warn(
        { camera, alert: event.alertId, reason: result.fallback, err: result.error },
        'alert carries the model-size snapshot',
      );
    }
    if (result.size === 'none') {
      this.metrics?.errors.inc({ camera, stage: 'snapshot' });
      this.log.error(
        { camera, alert: event.alertId, err: result.error },
        'snapshot encoding failed; alert sent without it',
      );
    }
    return result.snapshot;
  }

  #onStatus(status: CameraState): void {
    this.metrics?.online.set({ camera: this.camera.id }, status.state === 'online' ? 1 : 0);
    if (status.state === 'offline' && status.reason !== 'starting' && status.reason !== 'source ended')
      this.metrics?.restarts.inc({ camera: this.camera.id });
    this.handlers.onStatus?.(this.camera.id, status);
  }

  async #onEnded(): Promise<void> {
    const frameIndex = this.#lastFrame ? this.#lastFrame.index : 0;
    for (const event of this.#tracker.flush(this.#lastFrameMs, frameIndex)) void this.#emit(event, undefined);
    await this.#alerts;
    this.handlers.onEnded?.(this.camera.id);
  }
}
