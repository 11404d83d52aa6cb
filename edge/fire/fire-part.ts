import type { Registry } from 'prom-client';
import type { CameraStatus, FireAlert } from '../../protocols/mqtt/payloads.js';
import { filters, topics } from '../../protocols/mqtt/topics.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { CameraSource, EdgeBus } from '../events.js';
import type { CameraState } from './camera-reader.js';
import { CameraSettingsKeeper } from './camera-settings.js';
import type { FireCamera, FireConfig } from './config.js';
import { Detector, detectorOptions } from './detector.js';
import {
  bearingToBoxes,
  CameraPipeline,
  createFireMetrics,
  pipelineSettings,
  type AlertOut,
  type FireMetrics,
  type PipelineCamera,
} from './pipeline.js';

export interface FirePartDeps {
  edgeId: string;
  bus: EdgeBus;
  /** The edge's disk outbox: alerts go in as kind `alert` (never dropped, sent in order after an outage). */
  outbox: { enqueue(kind: 'alert' | 'telemetry', topic: string, payload: Buffer | string): unknown };
  /** Retained camera status straight to the broker when connected (state, not history: the latest wins). */
  publishDirect(topic: string, payload: string, retain: boolean): Promise<boolean>;
  log: Logger;
  registry: Registry;
  /**
   * Desired camera settings from the cloud (mute, sensitivity, ignore masks): the MQTT subscription, and the file
   * the applied ones are kept in across restarts. Without them cameras run on the config alone.
   */
  settings?: {
    subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): () => void;
    file: string;
  };
}

/** Builds the FireAlert payload of one alert event. */
export function toFireAlert(edgeId: string, alert: AlertOut, model: string): FireAlert {
  const { camera, event, snapshot, frames } = alert;
  const round = (v: number) => Math.round(v * 10_000) / 10_000;
  const bearing = bearingToBoxes(camera, event.boxes);
  return {
    edgeId,
    cameraId: camera.id,
    alertId: event.alertId,
    event: event.kind,
    className: event.className,
    confidence: round(Math.min(1, event.confidence)),
    boxes: event.boxes.map((b) => ({
      x1: round(b.box.x1),
      y1: round(b.box.y1),
      x2: round(b.box.x2),
      y2: round(b.box.y2),
      score: round(Math.min(1, b.score)),
      className: b.className,
    })),
    firstSeenTs: event.firstSeenMs,
    ts: event.atMs,
    lastSeenTs: event.lastSeenMs,
    camera: {
      ...(camera.position ? { position: camera.position } : {}),
      ...(camera.bearingDeg !== undefined ? { bearingDeg: camera.bearingDeg } : {}),
      ...(camera.fovDeg !== undefined ? { fovDeg: camera.fovDeg } : {}),
      ...(camera.name !== undefined ? { name: camera.name } : {}),
      ...(camera.heightM !== undefined ? { heightM: camera.heightM } : {}),
      ...(camera.rangeM !== undefined ? { rangeM: camera.rangeM } : {}),
    },
    ...(bearing !== undefined ? { bearingToFireDeg: Math.round(bearing * 10) / 10 } : {}),
    model,
    ...(snapshot
      ? {
          snapshot: {
            contentType: 'image/jpeg' as const,
            width: snapshot.width,
            height: snapshot.height,
            data: snapshot.jpeg.toString('base64'),
          },
        }
      : {}),
    ...(frames?.length
      ? {
          frames: frames.map((f) => ({
            ts: f.ts,
            width: f.width,
            height: f.height,
            data: f.jpeg.toString('base64'),
          })),
        }
      : {}),
  };
}

/**
 * Fire and smoke detection on the edge: one pipeline per camera (configured in `edge.fire.cameras`, plus the
 * cameras the provisioning announces on the bus), one shared detector. Alerts go through the outbox; camera
 * status is published retained (and again after each reconnect).
 */
export class FirePart implements Part {
  readonly name = 'fire';
  #detector: Detector | undefined;
  readonly #pipelines = new Map<string, { pipeline: CameraPipeline; key: string }>();
  readonly #statuses = new Map<string, CameraStatus>();
  readonly #metrics: FireMetrics;
  readonly #unsubscribe: Array<() => void> = [];
  #statusTimer: NodeJS.Timeout | undefined;
  #settings: CameraSettingsKeeper | undefined;

  constructor(
    private readonly config: FireConfig,
    private readonly deps: FirePartDeps,
  ) {
    this.#metrics = createFireMetrics(deps.registry);
  }

  get detector(): Detector | undefined {
    return this.#detector;
  }

  /** The dashboard's settings for a camera and their version, as in effect now. */
  get settings(): CameraSettingsKeeper | undefined {
    return this.#settings;
  }

  cameraStatus(cameraId: string): CameraStatus | undefined {
    return this.#statuses.get(cameraId);
  }

  /** When a camera's pipeline started (replayed files: frame times are this plus the video time). */
  pipelineStartedAt(cameraId: string): number | undefined {
    return this.#pipelines.get(cameraId)?.pipeline.startedAtMs;
  }

  async start(): Promise<void> {
    const m = this.config.model;
    this.#detector = await Detector.load(detectorOptions(m));
    this.deps.log.info({ model: this.#detector.info }, 'fire detector loaded');
    await this.#startSettings(this.#detector.info.classes);
    for (const camera of this.config.cameras) this.#ensure(this.#fromConfig(camera));
    if (this.config.followCameraSources) {
      this.#unsubscribe.push(this.deps.bus.on('camera.sources', ({ cameras }) => this.#sync(cameras)));
    }
    this.#unsubscribe.push(
      this.deps.bus.on('uplink.state', ({ connected }) => {
        if (!connected) return;
        for (const status of this.#statuses.values()) void this.#publishStatus(status);
        void this.#settings?.reportAll();
      }),
    );
    this.#statusTimer = setInterval(() => this.#refreshOnlineStatuses(), this.config.statusIntervalS * 1000);
    this.#statusTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#statusTimer);
    for (const off of this.#unsubscribe.splice(0)) off();
    const pipelines = [...this.#pipelines.values()].map((entry) => entry.pipeline);
    this.#pipelines.clear();
    for (const pipeline of pipelines) pipeline.stop();
    // Alerts whose snapshot is being made still go to the outbox (bounded by the snapshot timeouts).
    await Promise.all(pipelines.map((pipeline) => pipeline.drained()));
    await this.#detector?.close();
    this.#detector = undefined;
  }

  /** Settings applied before a restart are in effect before the first frame, even with the cloud unreachable. */
  async #startSettings(classes: readonly string[]): Promise<void> {
    const settings = this.deps.settings;
    if (!settings) return;
    const keeper = new CameraSettingsKeeper({
      edgeId: this.deps.edgeId,
      file: settings.file,
      classes,
      publish: (topic, payload) => this.deps.publishDirect(topic, payload, true),
      log: this.deps.log.child({ part: 'camera-settings' }),
    });
    await keeper.load();
    this.#settings = keeper;
    this.#unsubscribe.push(
      settings.subscribe(filters.desiredCameraSettings(this.deps.edgeId), (topic, payload) => {
        void keeper.onDesired(topic, payload);
      }),
    );
  }

  #liveSettings(cameraId: string): PipelineCamera['liveSettings'] {
    return () => this.#settings?.current(cameraId);
  }

  #fromConfig(camera: FireCamera): PipelineCamera {
    return {
      id: camera.id,
      url: camera.url,
      kind: camera.kind,
      fps: camera.fps ?? this.config.fps,
      position: camera.position,
      bearingDeg: camera.bearingDeg,
      fovDeg: camera.fovDeg,
      name: camera.name,
      heightM: camera.heightM,
      rangeM: camera.rangeM,
      ignoreMasks: camera.ignoreMasks,
      realtime: camera.realtime ?? true,
      snapshotMaxWidth: camera.snapshotMaxWidth,
      tiles: camera.tiles,
      analysisMaxWidth: camera.analysisMaxWidth,
      liveSettings: this.#liveSettings(camera.id),
    };
  }

  /** Provisioned cameras: start the new, stop the gone, restart the changed; configured cameras stay. */
  #sync(sources: CameraSource[]): void {
    const configured = new Set(this.config.cameras.map((c) => c.id));
    const wanted = new Map(sources.filter((s) => !configured.has(s.cameraId)).map((s) => [s.cameraId, s]));
    for (const [id, entry] of this.#pipelines) {
      if (configured.has(id)) continue;
      const source = wanted.get(id);
      if (!source || entry.key !== JSON.stringify(source)) {
        entry.pipeline.stop();
        this.#pipelines.delete(id);
      }
    }
    for (const [id, source] of wanted) {
      if (this.#pipelines.has(id)) continue;
      this.#ensure(
        {
          id,
          url: source.streamUrl,
          fps: Math.min(this.config.fps, source.fps ?? this.config.fps),
          position: source.position,
          bearingDeg: source.bearingDeg,
          fovDeg: source.fovDeg,
          name: source.name,
          heightM: source.heightM,
          rangeM: source.rangeM,
          liveSettings: this.#liveSettings(id),
        },
        JSON.stringify(source),
      );
    }
  }

  #ensure(camera: PipelineCamera, key = JSON.stringify(camera)): void {
    const detector = this.#detector;
    if (!detector || this.#pipelines.has(camera.id)) return;
    const log = this.deps.log.child({ camera: camera.id });
    const pipeline = new CameraPipeline(
      camera,
      detector,
      pipelineSettings(this.config),
      {
        onAlert: (alert) => this.#publishAlert(alert),
        onStatus: (cameraId, status) => this.#onStatus(cameraId, status),
      },
      log,
      this.#metrics,
    );
    this.#pipelines.set(camera.id, { pipeline, key });
    pipeline.start();
  }

  #publishAlert(alert: AlertOut): void {
    const payload = toFireAlert(this.deps.edgeId, alert, this.#detector?.info.name ?? 'unknown');
    this.deps.outbox.enqueue('alert', topics.fireAlert(this.deps.edgeId), JSON.stringify(payload));
    this.deps.log.info(
      {
        camera: payload.cameraId,
        alert: payload.alertId,
        event: payload.event,
        class: payload.className,
        confidence: payload.confidence,
      },
      'fire alert event',
    );
  }

  #onStatus(cameraId: string, state: CameraState): void {
    const status = this.#recordStatus(cameraId, state);
    this.deps.log.info(
      { camera: cameraId, state: status.state, restarts: status.restarts, reason: status.reason },
      'camera status',
    );
    void this.#publishStatus(status);
  }

  /** The latest frame time of every online camera, published again (retained): "frames keep coming". */
  #refreshOnlineStatuses(): void {
    for (const [cameraId, { pipeline }] of this.#pipelines) {
      const state = pipeline.status;
      if (state.state === 'online') void this.#publishStatus(this.#recordStatus(cameraId, state));
    }
  }

  #recordStatus(cameraId: string, state: CameraState): CameraStatus {
    const status: CameraStatus = {
      cameraId,
      ts: Date.now(),
      state: state.state,
      restarts: state.restarts,
      ...(state.lastFrameMs !== undefined ? { lastFrameTs: state.lastFrameMs } : {}),
      ...(state.reason ? { reason: state.reason.slice(0, 500) } : {}),
    };
    this.#statuses.set(cameraId, status);
    return status;
  }

  async #publishStatus(status: CameraStatus): Promise<void> {
    await this.deps
      .publishDirect(topics.cameraStatus(this.deps.edgeId, status.cameraId), JSON.stringify(status), true)
      .catch(() => false);
  }
}
