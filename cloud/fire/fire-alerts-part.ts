import { mkdir } from 'node:fs/promises';
import type { InfluxDB, IPoint } from 'influx';
import type {
  FireAlertQuery,
  FireAlertRecord,
  LocatedFire,
  LocatedFireQuery,
} from '../../protocols/api/fire.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { Counter, type Registry } from '../../runtime/metrics.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { RaiseRequest } from '../alarms/alarm-store.js';
import type { CloudBus, DurableSink, ValidatedMessage } from '../events.js';
import type { FireCloudConfig } from './config.js';
import { FireLocator } from './locator.js';
import { Places } from './places.js';
import { locationDetails } from './location-details.js';
import {
  locatedPoint,
  MEASUREMENT_FIRE_ALERT,
  queryFireAlerts,
  queryLocatedFires,
  readSnapshot,
  toPoint,
  type StoredFrame,
  writeFrames,
  writeSnapshot,
} from './storage.js';

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
  /**
   * Locating fires: the alerts of cameras that see the same fire become located fires (stored, published, in the
   * alarm); the places file (relative to `baseDir`) is read at start.
   */
  location?: { config: FireCloudConfig; baseDir: string };
  /** Live located fires for the dashboards (MQTT, `topics.cloudLocatedFire`). */
  publishLocated?: (fire: LocatedFire) => void;
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
  /** The last alarm raise handed over: each event raises after the one that arrived before it. */
  #raised: Promise<void> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #running = false;
  #locator: FireLocator | undefined;
  readonly #received: Counter;
  readonly #errors: Counter;

  constructor(private readonly options: FireAlertsOptions) {
    const registers = [options.registry];
    this.#received = new Counter({
      name: 'lookout_cloud_fire_alert_events_total',
      help: 'Fire alert events received',
      labelNames: ['event', 'class'],
      registers,
    });
    this.#errors = new Counter({
      name: 'lookout_cloud_fire_alert_errors_total',
      help: 'Fire alert events that failed to store (snapshot or InfluxDB), by stage',
      labelNames: ['stage'],
      registers,
    });
  }

  async start(): Promise<void> {
    await mkdir(this.options.snapshotDir, { recursive: true });
    const { location } = this.options;
    if (location) {
      const { placesFile } = location.config;
      const places = placesFile ? await Places.load(placesFile, location.baseDir) : undefined;
      this.#locator = new FireLocator(location.config.locate, places);
      this.options.log.info({ places: places?.size ?? 0, ...location.config.locate }, 'fire location on');
    }
    this.#running = true;
    // The promise goes back to the bus: an unexpected rejection is counted and logged there, not unhandled.
    const unsubscribe = [
      this.options.bus.on('message', (message) =>
        message.kind === 'alerts/fire' ? this.#onAlert(message) : undefined,
      ),
      this.options.bus.on('peerFireAlert', ({ alert }) => this.#onPeerAlert(alert)),
    ];
    this.#unsubscribe = () => unsubscribe.forEach((stop) => stop());
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    clearTimeout(this.#retryTimer);
    await this.#writing?.catch(() => undefined);
  }

  oldestPendingSeq(): number | undefined {
    let oldest: number | undefined;
    for (const p of this.#queue)
      if (p.seq !== undefined && (oldest === undefined || p.seq < oldest)) oldest = p.seq;
    return oldest;
  }

  hasRoom(): boolean {
    return this.#queue.length < 10_000;
  }

  async flush(timeoutMs: number): Promise<void> {
    await Promise.race([this.#write(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  }

  async #onAlert(message: ValidatedMessage): Promise<void> {
    const alert = message.value as FireAlert;
    const entry: Pending = { seq: message.seq, point: { measurement: MEASUREMENT_FIRE_ALERT, fields: {} } };
    this.#queue.push(entry); // reserve the seq before any await, so the journal keeps it
    // Files are written in parallel, but the alarm hears the events in the order they came: a later `update`
    // whose files were written first must not be overwritten by the `new` before it.
    const before = this.#raised;
    let raised = () => {};
    this.#raised = new Promise<void>((resolve) => (raised = resolve));
    try {
      await this.#handleAlert(alert, message, entry, before);
    } finally {
      void before.then(raised);
    }
  }

  async #handleAlert(
    alert: FireAlert,
    message: ValidatedMessage,
    entry: Pending,
    before: Promise<void>,
  ): Promise<void> {
    this.#received.inc({ event: alert.event, class: alert.className });
    const located = this.#locate(alert);
    if (located) this.#queue.push({ seq: message.seq, point: locatedPoint(located) });
    const { snapshot, frames } = await this.#writeFiles(alert);
    entry.point = toPoint(alert, snapshot, located, frames);
    await before;
    if (alert.event !== 'end' && this.options.raiseAlarm) {
      try {
        this.options.raiseAlarm({
          originator: `camera:${alert.edgeId}/${alert.cameraId}`,
          type: 'fire',
          severity: 'CRITICAL',
          ts: alert.ts,
          details: {
            alertId: alert.alertId,
            className: alert.className,
            confidence: alert.confidence,
            firstSeenTs: alert.firstSeenTs,
            bearingToFireDeg: alert.bearingToFireDeg,
            snapshot,
            ...locationDetails(alert, located),
          },
        });
      } catch (error) {
        this.options.log.error({ err: error, alert: alert.alertId }, 'could not raise fire alarm');
      }
    }
    this.options.log.info(
      {
        edge: alert.edgeId,
        camera: alert.cameraId,
        alert: alert.alertId,
        event: alert.event,
        class: alert.className,
      },
      'fire alert',
    );
    void this.#write();
  }

  /**
   * Cluster mode: an alert another instance received, stores and raises. Its files are written here too, so this
   * instance's dashboard shows them, and the locator hears it, so a fire seen by towers on different instances is
   * located by whichever instance hears the second tower.
   */
  async #onPeerAlert(alert: FireAlert): Promise<void> {
    this.#locate(alert, { publish: false });
    await this.#writeFiles(alert);
  }

  /** The snapshot and strip frames on disk; a failure is counted and logged, and the alert goes on without them. */
  async #writeFiles(alert: FireAlert): Promise<{ snapshot?: string; frames: StoredFrame[] }> {
    let snapshot: string | undefined;
    if (alert.snapshot) {
      try {
        snapshot = await writeSnapshot(this.options.snapshotDir, alert, alert.snapshot.data);
      } catch (error) {
        this.#errors.inc({ stage: 'snapshot' });
        this.options.log.error({ err: error, alert: alert.alertId }, 'could not store fire snapshot');
      }
    }
    const { frames, failed } = await writeFrames(this.options.snapshotDir, alert);
    if (failed.length > 0) {
      this.#errors.inc({ stage: 'frames' }, failed.length);
      this.options.log.error({ err: failed[0], alert: alert.alertId }, 'could not store fire strip frames');
    }
    return { snapshot, frames };
  }

  /** The fire this event is part of; a failure is counted and logged, and the alert goes on without it. */
  #locate(alert: FireAlert, { publish } = { publish: true }): LocatedFire | undefined {
    if (!this.#locator) return undefined;
    try {
      const located = this.#locator.observe(alert);
      if (located && publish) this.options.publishLocated?.(located);
      return located;
    } catch (error) {
      this.#errors.inc({ stage: 'locate' });
      this.options.log.error({ err: error, alert: alert.alertId }, 'could not locate fire');
      return undefined;
    }
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
          if (this.#running)
            this.#retryTimer = setTimeout(() => void this.#write(), this.options.retryMs ?? 2000);
        },
      )
      .finally(() => {
        this.#writing = undefined;
        if (this.#queue[0]?.point.timestamp !== undefined && !batch.includes(this.#queue[0]))
          void this.#write();
      });
    return this.#writing;
  }

  /** Stored events, newest first. */
  list(query: FireAlertQuery): Promise<FireAlertRecord[]> {
    return queryFireAlerts(this.options.influx, this.options.database, query);
  }

  /** Located fires, the latest state of each, newest first. */
  located(query: LocatedFireQuery & { id?: string }): Promise<LocatedFire[]> {
    return queryLocatedFires(this.options.influx, this.options.database, query);
  }

  readSnapshot(edgeId: string, file: string): Promise<Buffer | undefined> {
    return readSnapshot(this.options.snapshotDir, edgeId, file);
  }
}
