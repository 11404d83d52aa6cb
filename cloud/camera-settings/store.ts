import type { CameraSettingsChange, CameraSettingsState } from '../../protocols/api/camera-settings.js';
import {
  CameraSettings,
  type CameraSettingsDesired,
  type CameraSettingsReported,
} from '../../protocols/mqtt/payloads.js';
import { compileSchema } from '../../protocols/validation.js';
import type { Database } from '../registry/database.js';

const settingsSchema = compileSchema(CameraSettings);

/** The settings of a camera nobody changed: not muted, the model's thresholds, no masks. */
export function defaultCameraSettings(): CameraSettings {
  return { sensitivity: 0, ignoreMasks: [] };
}

interface SettingsRow {
  edge_id: string;
  camera_id: string;
  version: number;
  settings: unknown;
  updated_at: Date | null;
  updated_by: string | null;
  applied_version: number;
  applied_at: Date | null;
  reported_at: Date | null;
  refused_version: number | null;
  refused_reason: string | null;
}

/** jsonb comes back parsed (PGlite, pg); a row that no longer fits the schema falls back to the defaults. */
function settingsOf(value: unknown): CameraSettings {
  const parsed = settingsSchema.parseValue(typeof value === 'string' ? JSON.parse(value) : value);
  return parsed.ok ? parsed.value : defaultCameraSettings();
}

function stateOf(edgeId: string, cameraId: string, row: SettingsRow | undefined): CameraSettingsState {
  if (!row) return { edgeId, cameraId, version: 0, settings: defaultCameraSettings(), pending: false };
  const applied = row.reported_at
    ? {
        version: row.applied_version,
        ...(row.applied_at ? { appliedAt: row.applied_at.getTime() } : {}),
        reportedAt: row.reported_at.getTime(),
        ...(row.refused_version !== null
          ? { refused: { version: row.refused_version, reason: row.refused_reason ?? '' } }
          : {}),
      }
    : undefined;
  return {
    edgeId,
    cameraId,
    version: row.version,
    settings: row.version > 0 ? settingsOf(row.settings) : defaultCameraSettings(),
    ...(row.updated_at ? { updatedAt: row.updated_at.getTime() } : {}),
    ...(row.updated_by ? { updatedBy: row.updated_by } : {}),
    ...(applied ? { applied } : {}),
    pending: row.version > (applied?.version ?? 0),
  };
}

/**
 * Camera settings in the cloud's SQL database (the registry's: PGlite or PostgreSQL), chosen over InfluxDB (where
 * alarms live) because a version must grow by exactly one per change, atomically with its audit row, and because
 * settings must never expire with the measurements' retention.
 */
export class CameraSettingsStore {
  constructor(
    private readonly db: Database,
    private readonly clock: () => number = Date.now,
  ) {}

  async get(edgeId: string, cameraId: string): Promise<CameraSettingsState> {
    const [row] = await this.db.query<SettingsRow>(
      'SELECT * FROM camera_settings WHERE edge_id = $1 AND camera_id = $2',
      [edgeId, cameraId],
    );
    return stateOf(edgeId, cameraId, row);
  }

  /**
   * Saves new settings as the next version (above both the desired and the applied one, so that an edge that kept
   * a version from a replaced database still takes the new one) with its audit row, in one transaction.
   */
  async save(
    edgeId: string,
    cameraId: string,
    settings: CameraSettings,
    by: string,
  ): Promise<CameraSettingsDesired> {
    const at = this.clock();
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<SettingsRow>(
        'SELECT * FROM camera_settings WHERE edge_id = $1 AND camera_id = $2 FOR UPDATE',
        [edgeId, cameraId],
      );
      const version = Math.max(row?.version ?? 0, row?.applied_version ?? 0) + 1;
      const json = JSON.stringify(settings);
      await tx.query(
        `INSERT INTO camera_settings (edge_id, camera_id, version, settings, updated_at, updated_by)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6)
         ON CONFLICT (edge_id, camera_id) DO UPDATE SET version = $3, settings = $4::jsonb, updated_at = $5, updated_by = $6`,
        [edgeId, cameraId, version, json, new Date(at), by],
      );
      const previous = row && row.version > 0 ? JSON.stringify(settingsOf(row.settings)) : null;
      await tx.query(
        `INSERT INTO camera_settings_audit (edge_id, camera_id, version, at, by, settings, previous)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)`,
        [edgeId, cameraId, version, new Date(at), by, json, previous],
      );
      return { edgeId, cameraId, version, updatedAt: at, updatedBy: by, settings };
    });
  }

  /** What the edge reported applied; a camera the cloud has no settings for gets a row (version 0). */
  async recordReported(edgeId: string, report: CameraSettingsReported, receivedAt: number): Promise<void> {
    await this.db.query(
      `INSERT INTO camera_settings (edge_id, camera_id, version, settings, applied_version, applied_at, reported_at, refused_version, refused_reason)
       VALUES ($1, $2, 0, '{}'::jsonb, $3, $4, $5, $6, $7)
       ON CONFLICT (edge_id, camera_id) DO UPDATE SET applied_version = $3, applied_at = $4, reported_at = $5,
         refused_version = $6, refused_reason = $7`,
      [
        edgeId,
        report.cameraId,
        report.version,
        report.appliedAt > 0 ? new Date(report.appliedAt) : null,
        new Date(receivedAt),
        report.refused?.version ?? null,
        report.refused?.reason ?? null,
      ],
    );
  }

  /** Every camera's desired settings (version 1 or more): published again when the cloud starts. */
  async allDesired(): Promise<CameraSettingsDesired[]> {
    const rows = await this.db.query<SettingsRow>(
      'SELECT * FROM camera_settings WHERE version > 0 ORDER BY edge_id, camera_id',
    );
    return rows.map((row) => ({
      edgeId: row.edge_id,
      cameraId: row.camera_id,
      version: row.version,
      updatedAt: row.updated_at?.getTime() ?? 0,
      updatedBy: row.updated_by ?? '',
      settings: settingsOf(row.settings),
    }));
  }

  /** Every camera with settings (desired or reported), for the dashboard's camera list. */
  async list(): Promise<CameraSettingsState[]> {
    const rows = await this.db.query<SettingsRow>(
      'SELECT * FROM camera_settings ORDER BY edge_id, camera_id',
    );
    return rows.map((row) => stateOf(row.edge_id, row.camera_id, row));
  }

  /** The audit of one camera, newest first. */
  async changes(edgeId: string, cameraId: string, limit: number): Promise<CameraSettingsChange[]> {
    const rows = await this.db.query<{
      version: number;
      at: Date;
      by: string;
      settings: unknown;
      previous: unknown;
    }>(
      `SELECT version, at, by, settings, previous FROM camera_settings_audit
       WHERE edge_id = $1 AND camera_id = $2 ORDER BY id DESC LIMIT $3`,
      [edgeId, cameraId, limit],
    );
    return rows.map((row) => ({
      version: row.version,
      at: row.at.getTime(),
      by: row.by,
      settings: settingsOf(row.settings),
      ...(row.previous ? { previous: settingsOf(row.previous) } : {}),
    }));
  }
}
