import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FieldType, type InfluxDB, type IPoint, type ISchemaOptions } from 'influx';
import {
  LocatedFire,
  type FireAlertQuery,
  type FireAlertRecord,
  type LocatedFireQuery,
} from '../../protocols/api/fire.js';
import { compileSchema } from '../../protocols/validation.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';

export const MEASUREMENT_FIRE_ALERT = 'fire_alert';
export const MEASUREMENT_FIRE_LOCATED = 'fire_located';

export const fireInfluxSchema: ISchemaOptions = {
  measurement: MEASUREMENT_FIRE_ALERT,
  tags: ['edge', 'camera', 'alert_id', 'event', 'class'],
  fields: {
    confidence: FieldType.FLOAT,
    boxes: FieldType.STRING,
    first_seen_ts: FieldType.INTEGER,
    last_seen_ts: FieldType.INTEGER,
    lat: FieldType.FLOAT,
    lon: FieldType.FLOAT,
    bearing_deg: FieldType.FLOAT,
    bearing_to_fire_deg: FieldType.FLOAT,
    model: FieldType.STRING,
    snapshot: FieldType.STRING,
    fire_id: FieldType.STRING,
    fire_method: FieldType.STRING,
    fire_lat: FieldType.FLOAT,
    fire_lon: FieldType.FLOAT,
    fire_error_m: FieldType.FLOAT,
    frames: FieldType.STRING,
  },
};

/** One located fire's state at each change: its id is the series, the whole record a JSON field. */
export const fireLocatedInfluxSchema: ISchemaOptions = {
  measurement: MEASUREMENT_FIRE_LOCATED,
  tags: ['fire_id'],
  fields: {
    method: FieldType.STRING,
    cameras: FieldType.INTEGER,
    lat: FieldType.FLOAT,
    lon: FieldType.FLOAT,
    error_m: FieldType.FLOAT,
    record: FieldType.STRING,
  },
};

const SNAPSHOT_FILE = /^[A-Za-z0-9_.-]{1,200}\.jpg$/;
const ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Relative snapshot file name for an event (deterministic: a replay rewrites the same file). */
function snapshotName(alert: FireAlert): string {
  return `${alert.alertId}-${alert.event}-${alert.ts}.jpg`;
}

/** Writes an event's JPEG (base64) under `<dir>/<edgeId>/` (temporary file + rename); returns `<edgeId>/<file>`. */
export function writeSnapshot(dir: string, alert: FireAlert, base64: string): Promise<string> {
  return writeJpeg(dir, alert.edgeId, snapshotName(alert), base64);
}

/** A stored strip frame of an alert event: `<edgeId>/<file>` and what the API says of it. */
export interface StoredFrame {
  ts: number;
  width: number;
  height: number;
  file: string;
}

/**
 * Writes the event's strip frames beside its snapshot (same folder, same disk budget: cloud/storage prunes them
 * with the snapshots); a frame that cannot be written is left out and counted by the caller.
 */
export async function writeFrames(
  dir: string,
  alert: FireAlert,
): Promise<{ frames: StoredFrame[]; failed: unknown[] }> {
  const frames: StoredFrame[] = [];
  const failed: unknown[] = [];
  for (const frame of alert.frames ?? []) {
    try {
      const file = await writeJpeg(dir, alert.edgeId, `${alert.alertId}-frame-${frame.ts}.jpg`, frame.data);
      frames.push({ ts: frame.ts, width: frame.width, height: frame.height, file });
    } catch (error) {
      failed.push(error);
    }
  }
  return { frames, failed };
}

async function writeJpeg(dir: string, edgeId: string, name: string, base64: string): Promise<string> {
  const relative = `${edgeId}/${name}`;
  const file = path.join(dir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, Buffer.from(base64, 'base64'));
  await rename(`${file}.tmp`, file);
  return relative;
}

/** A stored snapshot, or undefined (unknown, or a name that is not one of ours). */
export async function readSnapshot(dir: string, edgeId: string, file: string): Promise<Buffer | undefined> {
  if (!ID.test(edgeId) || !SNAPSHOT_FILE.test(file)) return undefined;
  return readFile(path.join(dir, edgeId, file)).catch(() => undefined);
}

/** Stored events, newest first. */
export async function queryFireAlerts(
  influx: InfluxDB,
  database: string,
  query: FireAlertQuery,
): Promise<FireAlertRecord[]> {
  const where: string[] = [];
  if (query.edgeId) where.push(`"edge" = '${query.edgeId}'`);
  if (query.cameraId) where.push(`"camera" = '${query.cameraId}'`);
  if (query.event) where.push(`"event" = '${query.event}'`);
  if (query.alertId) where.push(`"alert_id" = '${query.alertId}'`);
  if (query.since !== undefined) where.push(`time >= ${query.since}ms`);
  const q = `SELECT * FROM "${MEASUREMENT_FIRE_ALERT}"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC LIMIT ${query.limit}`;
  const databases = await influx.getDatabaseNames();
  if (!databases.includes(database)) return [];
  const rows = await influx.query<Record<string, unknown> & { time: Date }>(q, { database, precision: 'ms' });
  return rows.map(fromRow);
}

export function toPoint(
  alert: FireAlert,
  snapshot: string | undefined,
  located?: LocatedFire,
  frames: StoredFrame[] = [],
): IPoint {
  const fields: Record<string, number | string> = {
    confidence: alert.confidence,
    boxes: JSON.stringify(alert.boxes),
    first_seen_ts: alert.firstSeenTs,
  };
  if (alert.lastSeenTs !== undefined) fields.last_seen_ts = alert.lastSeenTs;
  if (alert.camera.position) {
    fields.lat = alert.camera.position.lat;
    fields.lon = alert.camera.position.lon;
  }
  if (alert.camera.bearingDeg !== undefined) fields.bearing_deg = alert.camera.bearingDeg;
  if (alert.bearingToFireDeg !== undefined) fields.bearing_to_fire_deg = alert.bearingToFireDeg;
  if (alert.model) fields.model = alert.model;
  if (snapshot) fields.snapshot = snapshot;
  if (frames.length > 0) fields.frames = JSON.stringify(frames);
  if (located) {
    fields.fire_id = located.id;
    fields.fire_method = located.method;
    if (located.point) {
      fields.fire_lat = located.point.lat;
      fields.fire_lon = located.point.lon;
    }
    if (located.errorM !== undefined) fields.fire_error_m = located.errorM;
  }
  return {
    measurement: MEASUREMENT_FIRE_ALERT,
    tags: {
      edge: alert.edgeId,
      camera: alert.cameraId,
      alert_id: alert.alertId,
      event: alert.event,
      class: alert.className,
    },
    fields,
    timestamp: alert.ts,
  };
}

export function fromRow(row: Record<string, unknown> & { time: Date }): FireAlertRecord {
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  let boxes: FireAlertRecord['boxes'] = [];
  try {
    boxes = JSON.parse(str(row.boxes) ?? '[]') as FireAlertRecord['boxes'];
  } catch {
    boxes = [];
  }
  const lat = num(row.lat);
  const lon = num(row.lon);
  const snapshot = str(row.snapshot);
  const record: FireAlertRecord = {
    edgeId: str(row.edge) ?? '',
    cameraId: str(row.camera) ?? '',
    alertId: str(row.alert_id) ?? '',
    event: (str(row.event) ?? 'new') as FireAlertRecord['event'],
    className: str(row.class) ?? '',
    confidence: num(row.confidence) ?? 0,
    boxes,
    ts: row.time.getTime(),
    firstSeenTs: num(row.first_seen_ts) ?? row.time.getTime(),
  };
  const last = num(row.last_seen_ts);
  if (last !== undefined) record.lastSeenTs = last;
  if (lat !== undefined && lon !== undefined) record.position = { lat, lon };
  const bearing = num(row.bearing_deg);
  if (bearing !== undefined) record.bearingDeg = bearing;
  const toFire = num(row.bearing_to_fire_deg);
  if (toFire !== undefined) record.bearingToFireDeg = toFire;
  const model = str(row.model);
  if (model) record.model = model;
  if (snapshot) record.snapshotUrl = `/api/v1/fire/snapshots/${snapshot}`;
  const frames = parseFrames(str(row.frames));
  if (frames.length > 0)
    record.frames = frames.map(({ file, ...frame }) => ({ ...frame, url: `/api/v1/fire/snapshots/${file}` }));
  const fireId = str(row.fire_id);
  if (fireId) {
    const fireLat = num(row.fire_lat);
    const fireLon = num(row.fire_lon);
    const errorM = num(row.fire_error_m);
    record.location = {
      fireId,
      method: str(row.fire_method) === 'intersection' ? 'intersection' : 'bearing',
      ...(fireLat !== undefined && fireLon !== undefined ? { point: { lat: fireLat, lon: fireLon } } : {}),
      ...(errorM !== undefined ? { errorM } : {}),
    };
  }
  return record;
}

function parseFrames(text: string | undefined): StoredFrame[] {
  if (!text) return [];
  try {
    const frames = JSON.parse(text) as unknown;
    return Array.isArray(frames) ? (frames as StoredFrame[]) : [];
  } catch {
    return [];
  }
}

export function locatedPoint(fire: LocatedFire): IPoint {
  const fields: Record<string, number | string> = {
    method: fire.method,
    cameras: fire.cameras.length,
    record: JSON.stringify(fire),
  };
  if (fire.point) {
    fields.lat = fire.point.lat;
    fields.lon = fire.point.lon;
  }
  if (fire.errorM !== undefined) fields.error_m = fire.errorM;
  return { measurement: MEASUREMENT_FIRE_LOCATED, tags: { fire_id: fire.id }, fields, timestamp: fire.ts };
}

const checkLocated = compileSchema(LocatedFire);
const DAY_MS = 86_400_000;

/** The latest state of each located fire changed since `query.since` (default: the last day), newest first. */
export async function queryLocatedFires(
  influx: InfluxDB,
  database: string,
  query: LocatedFireQuery & { id?: string },
): Promise<LocatedFire[]> {
  const databases = await influx.getDatabaseNames();
  if (!databases.includes(database)) return [];
  const since = query.since ?? Date.now() - DAY_MS;
  const where = [`time >= ${since}ms`];
  if (query.id) where.push(`"fire_id" = '${query.id.replace(/['\\]/g, '')}'`);
  if (query.method) where.push(`"method" = '${query.method}'`);
  const rows = await influx.query<{ record: unknown; time: Date }>(
    `SELECT "record" FROM "${MEASUREMENT_FIRE_LOCATED}" WHERE ${where.join(' AND ')} GROUP BY "fire_id" ORDER BY time DESC LIMIT 1`,
    { database, precision: 'ms' },
  );
  const fires: LocatedFire[] = [];
  for (const row of rows) {
    const parsed = typeof row.record === 'string' ? checkLocated.parseJson(row.record) : undefined;
    if (parsed?.ok) fires.push(parsed.value);
  }
  return fires.sort((a, b) => b.ts - a.ts).slice(0, query.limit);
}
