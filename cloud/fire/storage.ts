import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FieldType, type InfluxDB, type IPoint, type ISchemaOptions } from 'influx';
import type { FireAlertQuery, FireAlertRecord } from '../../protocols/api/fire.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';

export const MEASUREMENT_FIRE_ALERT = 'fire_alert';

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
  },
};

const SNAPSHOT_FILE = /^[A-Za-z0-9_.-]{1,200}\.jpg$/;
const ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Relative snapshot file name for an event (deterministic: a replay rewrites the same file). */
function snapshotName(alert: FireAlert): string {
  return `${alert.alertId}-${alert.event}-${alert.ts}.jpg`;
}

/** Writes an event's JPEG (base64) under `<dir>/<edgeId>/` (temporary file + rename); returns `<edgeId>/<file>`. */
export async function writeSnapshot(dir: string, alert: FireAlert, base64: string): Promise<string> {
  const snapshot = `${alert.edgeId}/${snapshotName(alert)}`;
  const file = path.join(dir, snapshot);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(`${file}.tmp`, Buffer.from(base64, 'base64'));
  await rename(`${file}.tmp`, file);
  return snapshot;
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
  if (query.since !== undefined) where.push(`time >= ${query.since}ms`);
  const q = `SELECT * FROM "${MEASUREMENT_FIRE_ALERT}"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC LIMIT ${query.limit}`;
  const databases = await influx.getDatabaseNames();
  if (!databases.includes(database)) return [];
  const rows = await influx.query<Record<string, unknown> & { time: Date }>(q, { database, precision: 'ms' });
  return rows.map(fromRow);
}

export function toPoint(alert: FireAlert, snapshot: string | undefined): IPoint {
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
  return record;
}
