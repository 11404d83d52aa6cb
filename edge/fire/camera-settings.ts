/**
 * Per-camera settings a ranger sets from the dashboard (mute, sensitivity, ignore masks), as the cloud sends them:
 * a retained `cameras/{id}/settings/desired` message with a version. The keeper applies a newer version at once (the
 * pipeline reads the settings on every frame: no restart), writes it to disk so that a restarted edge applies it
 * before it reaches the cloud again, and reports the version in effect (`settings/reported`, retained, again after
 * every reconnect).
 */
import { Type } from '@sinclair/typebox';
import {
  CameraSettingsDesired,
  EpochMs,
  SENSITIVITY_STEP,
  type CameraSettings,
  type CameraSettingsReported,
  type MaskPolygon,
} from '../../protocols/mqtt/payloads.js';
import { parseDesiredSettingsTopic, topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { JsonLinesFile } from '../../runtime/json-lines-file.js';
import type { Logger } from '../../runtime/logger.js';
import type { Box } from './tensor.js';

/** A detection whose box lies inside the ignore masks for at least this share of its area is dropped. */
export const MASKED_SHARE = 0.5;
/** Thresholds never go below or above these, whatever the level and offsets (0 would alert on every box). */
const THRESHOLD_MIN = 0.05;
const THRESHOLD_MAX = 0.99;
/** Sample points per box side when measuring how much of it the masks cover. */
const MASK_SAMPLES = 16;

/** The per-class confidence thresholds of a camera: the model's, moved by the sensitivity level and class offsets. */
export function effectiveThresholds(
  base: Readonly<Record<string, number>>,
  settings: CameraSettings | undefined,
): Record<string, number> {
  if (!settings) return { ...base };
  const out: Record<string, number> = {};
  for (const [name, threshold] of Object.entries(base)) {
    const moved = threshold - settings.sensitivity * SENSITIVITY_STEP + (settings.classOffsets?.[name] ?? 0);
    out[name] = Math.min(THRESHOLD_MAX, Math.max(THRESHOLD_MIN, Math.round(moved * 1000) / 1000));
  }
  return out;
}

export function isMuted(settings: CameraSettings | undefined, nowMs: number): boolean {
  return settings?.muteUntil !== undefined && settings.muteUntil > nowMs;
}

function insidePolygon(x: number, y: number, polygon: MaskPolygon): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * Share of the box (0..1) inside any of the polygons, measured on a grid of sample points: overlapping masks
 * count once, and a box with no area counts by its centre.
 */
export function maskedShare(box: Box, polygons: readonly MaskPolygon[]): number {
  if (polygons.length === 0) return 0;
  const w = box.x2 - box.x1;
  const h = box.y2 - box.y1;
  const n = w > 0 && h > 0 ? MASK_SAMPLES : 1;
  let inside = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = box.x1 + ((i + 0.5) / n) * w;
      const y = box.y1 + ((j + 0.5) / n) * h;
      if (polygons.some((polygon) => insidePolygon(x, y, polygon))) inside += 1;
    }
  }
  return inside / (n * n);
}

/** What the edge keeps on disk per camera: the desired message it applied, and when. */
const AppliedSettings = Type.Object(
  { appliedAt: EpochMs, desired: CameraSettingsDesired },
  { additionalProperties: false },
);
interface Applied {
  appliedAt: number;
  desired: CameraSettingsDesired;
}

export interface CameraSettingsKeeperOptions {
  edgeId: string;
  /** `<outbox.dir>/camera-settings.ndjson` in the edge. */
  file: string;
  /** The model's classes: an offset for another class is refused (a typo would silently do nothing). */
  classes: readonly string[];
  /** Retained publish to the broker; resolves false when the link is down (reported again on reconnect). */
  publish(topic: string, payload: string): Promise<boolean>;
  log: Logger;
  clock?: () => number;
  /** Called after a camera's settings changed (mute turned on: its open alerts end). */
  onChange?(cameraId: string, settings: CameraSettings): void;
}

const desiredSchema = compileSchema(CameraSettingsDesired);

export class CameraSettingsKeeper {
  readonly #applied = new Map<string, Applied>();
  readonly #refused = new Map<string, { version: number; reason: string }>();
  readonly #file;
  readonly #clock: () => number;
  #writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: CameraSettingsKeeperOptions) {
    this.#file = new JsonLinesFile(options.file, AppliedSettings);
    this.#clock = options.clock ?? Date.now;
  }

  /** The settings in effect for a camera, undefined when the cloud never sent any. */
  current(cameraId: string): CameraSettings | undefined {
    return this.#applied.get(cameraId)?.desired.settings;
  }

  version(cameraId: string): number {
    return this.#applied.get(cameraId)?.desired.version ?? 0;
  }

  /** Reads what was applied before the restart: in effect at once, before the cloud is reachable. */
  async load(): Promise<number> {
    const entries = await this.#file.read((line, errors) =>
      this.options.log.error(
        { file: this.#file.file, line, errors },
        'camera settings line unreadable; that camera waits for the cloud',
      ),
    );
    for (const entry of entries ?? []) {
      if (entry.desired.edgeId !== this.options.edgeId) continue;
      this.#applied.set(entry.desired.cameraId, entry);
    }
    if (this.#applied.size)
      this.options.log.info(
        {
          file: this.#file.file,
          cameras: [...this.#applied.values()].map((a) => `${a.desired.cameraId}@v${a.desired.version}`),
        },
        'camera settings applied from disk',
      );
    return this.#applied.size;
  }

  /** A desired-settings message from the broker: applied when newer, persisted, then reported. */
  async onDesired(topic: string, payload: Buffer): Promise<void> {
    const { log, edgeId } = this.options;
    const where = parseDesiredSettingsTopic(topic);
    if (payload.length === 0 || !where) return; // a cleared retained message: nothing to apply
    const parsed = desiredSchema.parseJson(payload);
    if (!parsed.ok) {
      log.error({ topic, errors: parsed.errors }, 'desired camera settings invalid; ignored');
      return;
    }
    const desired = parsed.value;
    if (desired.edgeId !== edgeId || desired.cameraId !== where.cameraId || where.edgeId !== edgeId) {
      log.error(
        { topic, edgeId: desired.edgeId, cameraId: desired.cameraId },
        'desired camera settings name another camera than their topic; ignored',
      );
      return;
    }
    const cameraId = desired.cameraId;
    const have = this.version(cameraId);
    if (desired.version <= have) {
      if (desired.version < have)
        log.warn(
          { camera: cameraId, version: desired.version, applied: have },
          'desired camera settings older than the applied ones; kept the applied ones',
        );
      await this.#report(cameraId);
      return;
    }
    const unknown = Object.keys(desired.settings.classOffsets ?? {}).filter(
      (name) => !this.options.classes.includes(name),
    );
    if (unknown.length) {
      const reason = `class offsets for ${unknown.join(', ')}: the model's classes are ${this.options.classes.join(', ')}`;
      this.#refused.set(cameraId, { version: desired.version, reason });
      log.error({ camera: cameraId, version: desired.version, reason }, 'desired camera settings refused');
      await this.#report(cameraId);
      return;
    }
    this.#refused.delete(cameraId);
    this.#applied.set(cameraId, { appliedAt: this.#clock(), desired });
    this.options.onChange?.(cameraId, desired.settings);
    log.info(
      {
        camera: cameraId,
        version: desired.version,
        by: desired.updatedBy,
        muteUntil: desired.settings.muteUntil,
        sensitivity: desired.settings.sensitivity,
        masks: desired.settings.ignoreMasks.length,
      },
      'camera settings applied',
    );
    await this.#persist();
    await this.#report(cameraId);
  }

  /** Every camera's reported state again (after a reconnect: the broker may have lost its retained copies). */
  async reportAll(): Promise<void> {
    const cameras = new Set([...this.#applied.keys(), ...this.#refused.keys()]);
    await Promise.all([...cameras].map((cameraId) => this.#report(cameraId)));
  }

  reported(cameraId: string): CameraSettingsReported {
    const applied = this.#applied.get(cameraId);
    const refused = this.#refused.get(cameraId);
    return {
      cameraId,
      version: applied?.desired.version ?? 0,
      appliedAt: applied?.appliedAt ?? 0,
      ...(refused ? { refused } : {}),
      ts: this.#clock(),
    };
  }

  async #report(cameraId: string): Promise<void> {
    const topic = topics.cameraSettingsReported(this.options.edgeId, cameraId);
    await this.options.publish(topic, JSON.stringify(this.reported(cameraId))).catch(() => false);
  }

  /** Writes run one after the other, each with everything applied so far. */
  #persist(): Promise<void> {
    this.#writing = this.#writing
      .then(() => this.#file.write([...this.#applied.values()]))
      .catch((error: unknown) =>
        this.options.log.error(
          { file: this.#file.file, err: error },
          'camera settings could not be written; they are in effect but a restart would lose them',
        ),
      );
    return this.#writing;
  }
}
