import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { FieldType, type InfluxDB, type IPoint, type ISchemaOptions } from 'influx';
import { FireAlertList, FireAlertQuery, type FireAlertRecord } from '../../protocols/api/fire.js';
import { FireAlert } from '../../protocols/mqtt/payloads.js';
import { Counter, type Registry } from '../../runtime/metrics.js';
import type { HttpApp } from '../../runtime/http-server.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { RaiseRequest } from '../alarms/alarm-store.js';
import type { CloudExtension } from '../core.js';
import type { CloudBus, DurableSink, ValidatedMessage } from '../events.js';

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

/** Schemas the cloud ingest validates fire topics with (pass to createCloud's `schemas`). */
export const fireSchemas = { 'alerts/fire': FireAlert };

const SNAPSHOT_FILE = /^[A-Za-z0-9_.-]{1,200}\.jpg$/;
const ID = /^[A-Za-z0-9_.-]{1,64}$/;

export interface FireAlertsOptions {
  /** Snapshot files go under `<dir>/<edgeId>/`. */
  snapshotDir: string;
  influx: InfluxDB;
  database: string;
  bus: CloudBus;
  log: Logger;
  registry: Registry;
  /** Raise a `fire` alarm in the cloud's generic alarm lifecycle (cloud/alarms) on `new` and `update`. */
  raiseAlarm?: (request: RaiseRequest) => void;
  retryMs?: number;
}

interface Pending {
  seq: number | undefined;
  point: IPoint;
}

/**
 * The cloud side of fire alerts: every validated `alerts/fire` message is stored as an event in InfluxDB
 * (measurement `fire_alert`; same alert + event + time = same point, so journal replays do not duplicate) and its
 * snapshot as a JPEG file under the data folder, served at `/api/v1/fire/snapshots/:edgeId/:file`.
 * It is a durable sink: the ingest journal keeps an alert until its point is written.
 */
export class FireAlertsPart implements Part, DurableSink {
  readonly name = 'fire-alerts';
  readonly lane = 'alerts' as const;
  #queue: Pending[] = [];
  #writing: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #running = false;
  readonly #received: Counter;
  readonly #errors: Counter;

  constructor(private readonly options: FireAlertsOptions) {
    const registers = [options.registry];
    this.#received = new Counter({ name: 'lookout_cloud_fire_alert_events_total', help: 'Fire alert events received', labelNames: ['event', 'class'], registers });
    this.#errors = new Counter({ name: 'lookout_cloud_fire_alert_errors_total', help: 'Fire alert events that failed to store (snapshot or InfluxDB), by stage', labelNames: ['stage'], registers });
  }

  async start(): Promise<void> {
    await mkdir(this.options.snapshotDir, { recursive: true });
    this.#running = true;
    this.#unsubscribe = this.options.bus.on('message', (message) => {
      if (message.kind === 'alerts/fire') void this.#onAlert(message);
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    clearTimeout(this.#retryTimer);
    await this.#writing?.catch(() => undefined);
  }

  oldestPendingSeq(): number | undefined {
    let oldest: number | undefined;
    for (const p of this.#queue) if (p.seq !== undefined && (oldest === undefined || p.seq < oldest)) oldest = p.seq;
    return oldest;
  }

  hasRoom(): boolean {
    return this.#queue.length < 10_000;
  }

  async flush(timeoutMs: number): Promise<void> {
    await Promise.race([this.#write(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  /** Relative snapshot file name for an event (deterministic: a replay rewrites the same file). */
  static snapshotName(alert: FireAlert): string {
    return `${alert.alertId}-${alert.event}-${alert.ts}.jpg`;
  }

  async #onAlert(message: ValidatedMessage): Promise<void> {
    const alert = message.value as FireAlert;
    const entry: Pending = { seq: message.seq, point: { measurement: MEASUREMENT_FIRE_ALERT, fields: {} } };
    this.#queue.push(entry); // reserve the seq before any await, so the journal keeps it
    this.#received.inc({ event: alert.event, class: alert.className });
    let snapshot: string | undefined;
    if (alert.snapshot) {
      try {
        snapshot = `${alert.edgeId}/${FireAlertsPart.snapshotName(alert)}`;
        const file = path.join(this.options.snapshotDir, snapshot);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(`${file}.tmp`, Buffer.from(alert.snapshot.data, 'base64'));
        await rename(`${file}.tmp`, file);
      } catch (error) {
        snapshot = undefined;
        this.#errors.inc({ stage: 'snapshot' });
        this.options.log.error({ err: error, alert: alert.alertId }, 'could not store fire snapshot');
      }
    }
    entry.point = toPoint(alert, snapshot);
    if (alert.event !== 'end' && this.options.raiseAlarm) {
      try {
        this.options.raiseAlarm({
          originator: `camera:${alert.edgeId}/${alert.cameraId}`,
          type: 'fire',
          severity: 'CRITICAL',
          ts: alert.ts,
          details: { alertId: alert.alertId, className: alert.className, confidence: alert.confidence, firstSeenTs: alert.firstSeenTs, bearingToFireDeg: alert.bearingToFireDeg, snapshot },
        });
      } catch (error) {
        this.options.log.error({ err: error, alert: alert.alertId }, 'could not raise fire alarm');
      }
    }
    this.options.log.info({ edge: alert.edgeId, camera: alert.cameraId, alert: alert.alertId, event: alert.event, class: alert.className }, 'fire alert');
    void this.#write();
  }

  #write(): Promise<void> {
    if (this.#writing) return this.#writing;
    // Events are stored in the order they arrived: an `end` (no snapshot) waits for the `new` before it, whose
    // snapshot file may still be being written.
    const ready = this.#queue.findIndex((p) => p.point.timestamp === undefined);
    const batch = ready === -1 ? this.#queue.slice() : this.#queue.slice(0, ready);
    if (batch.length === 0) return Promise.resolve();
    const { influx, database, log } = this.options;
    this.#writing = influx
      .writePoints(
        batch.map((p) => p.point),
        { database, precision: 'ms' },
      )
      .then(
        () => {
          this.#queue = this.#queue.filter((p) => !batch.includes(p));
          this.options.bus.emit('sinkProgress', { sink: this.name });
        },
        (error: Error) => {
          this.#errors.inc({ stage: 'influx' });
          log.warn({ err: error, pending: this.#queue.length }, 'could not store fire alerts; retrying');
          if (this.#running) this.#retryTimer = setTimeout(() => void this.#write(), this.options.retryMs ?? 2000);
        },
      )
      .finally(() => {
        this.#writing = undefined;
        if (this.#queue[0]?.point.timestamp !== undefined && !batch.includes(this.#queue[0])) void this.#write();
      });
    return this.#writing;
  }

  /** Stored events, newest first. */
  async list(query: FireAlertQuery): Promise<FireAlertRecord[]> {
    const { influx, database } = this.options;
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

  async readSnapshot(edgeId: string, file: string): Promise<Buffer | undefined> {
    if (!ID.test(edgeId) || !SNAPSHOT_FILE.test(file)) return undefined;
    return readFile(path.join(this.options.snapshotDir, edgeId, file)).catch(() => undefined);
  }
}

function toPoint(alert: FireAlert, snapshot: string | undefined): IPoint {
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
    tags: { edge: alert.edgeId, camera: alert.cameraId, alert_id: alert.alertId, event: alert.event, class: alert.className },
    fields,
    timestamp: alert.ts,
  };
}

function fromRow(row: Record<string, unknown> & { time: Date }): FireAlertRecord {
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

export function registerFireRoutes(app: HttpApp, part: FireAlertsPart): void {
  app.get('/api/v1/fire/alerts', { schema: { querystring: FireAlertQuery, response: { 200: FireAlertList } } }, async (request) => ({
    alerts: await part.list(request.query),
  }));
  app.get(
    '/api/v1/fire/snapshots/:edgeId/:file',
    { schema: { params: Type.Object({ edgeId: Type.String(), file: Type.String() }) } },
    async (request, reply) => {
      const jpeg = await part.readSnapshot(request.params.edgeId, request.params.file);
      if (!jpeg) return reply.code(404).send({ error: `no snapshot ${request.params.edgeId}/${request.params.file}` });
      return reply.type('image/jpeg').header('cache-control', 'public, max-age=31536000, immutable').send(jpeg);
    },
  );
}

export interface FireExtensionOptions {
  /** Snapshot folder; default `<cloud dataDir>/fire-snapshots`. */
  snapshotDir?: string;
  raiseAlarm?: FireAlertsOptions['raiseAlarm'];
  /** Receives the part once created (tests, demo). */
  onCreated?: (part: FireAlertsPart) => void;
}

/** Plugs fire alerts into the cloud: `createCloud(config, { extensions: [fireExtension()], schemas: fireSchemas })`. */
export function fireExtension(options: FireExtensionOptions = {}): CloudExtension {
  return (context) => {
    const part = new FireAlertsPart({
      snapshotDir: options.snapshotDir ?? path.resolve(context.config.dataDir, 'fire-snapshots'),
      influx: context.influx,
      database: context.config.influx.database,
      bus: context.bus,
      log: context.log.child({ part: 'fire-alerts' }),
      registry: context.registry,
      raiseAlarm: options.raiseAlarm,
    });
    context.addSink(part);
    context.addRoutes((app) => registerFireRoutes(app, part));
    options.onCreated?.(part);
    return part;
  };
}
