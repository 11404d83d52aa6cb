import type { InfluxDB, IPoint } from 'influx';
import { Type } from '@sinclair/typebox';
import { Counter, Gauge, type Registry } from '../../runtime/metrics.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { HttpApp } from '../../runtime/http-server.js';
import { compileSchema } from '../../protocols/validation.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { Alarm, AlarmActionBody, AlarmIdParams, AlarmList, AlarmQuery, type AlarmChangeMessage } from '../../protocols/api/alarms.js';
import { authenticatedOperator } from '../http/auth.js';
import { AlarmNotFoundError, AlarmStore, type AlarmChange } from './alarm-store.js';

export const MEASUREMENT_ALARM_EVENT = 'alarm_event';

export interface AlarmsPartOptions {
  influx: InfluxDB;
  database: string;
  log: Logger;
  registry: Registry;
  /** Publishes to MQTT subscribers (CloudContext.publish). */
  publish: (topic: string, payload: string, options?: { qos?: 0 | 1; retain?: boolean }) => Promise<void>;
  /** Server clock for the alarm lifecycle; tests pass a simulated one. */
  clock?: () => number;
  retryMs?: number;
}

const checkAlarm = compileSchema(Alarm);

/**
 * The cloud's alarms: one AlarmStore for every alarm type (vessel rules, fire alerts). Each change is stored
 * as an event in InfluxDB (measurement `alarm_event`, the alarm snapshot as JSON) and published on MQTT; on
 * start the store is rebuilt from those events.
 */
export class AlarmsPart implements Part {
  readonly name = 'alarms';
  readonly store: AlarmStore;
  #pending: IPoint[] = [];
  #flushing: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #started = false;
  readonly #changes: Counter;
  readonly #storeErrors: Counter;
  readonly #pendingGauge: Gauge;

  constructor(private readonly options: AlarmsPartOptions) {
    this.store = new AlarmStore({ clock: options.clock });
    const registers = [options.registry];
    this.#changes = new Counter({ name: 'lookout_cloud_alarm_changes_total', help: 'Alarm lifecycle changes, by kind and type', labelNames: ['kind', 'type'], registers });
    this.#storeErrors = new Counter({ name: 'lookout_cloud_alarm_store_errors_total', help: 'Failed writes or reads of alarm events in InfluxDB', registers });
    this.#pendingGauge = new Gauge({ name: 'lookout_cloud_alarm_events_pending', help: 'Alarm events waiting to be written to InfluxDB', registers });
  }

  async start(): Promise<void> {
    await this.#restore();
    this.#unsubscribe = this.store.onChange((change) => this.#onChange(change));
    this.#started = true;
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#unsubscribe?.();
    clearTimeout(this.#retryTimer);
    await this.#flushing;
    if (this.#pending.length > 0) await this.#flush().catch(() => {});
  }

  /** Resolves when every change so far is in InfluxDB (or rejects with the last write error). */
  async flushed(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing) {
      if (this.#flushing) await this.#flushing;
      else await this.#flush();
    }
  }

  async #restore(): Promise<void> {
    const { influx, database, log } = this.options;
    try {
      const databases = await influx.getDatabaseNames();
      if (!databases.includes(database)) return;
      const rows = await influx.query<{ json: string }>(`SELECT "json" FROM "${MEASUREMENT_ALARM_EVENT}"`, { database });
      let restored = 0;
      for (const row of rows) {
        let value: unknown;
        try {
          value = JSON.parse(row.json);
        } catch {
          value = undefined;
        }
        if (checkAlarm.check(value)) {
          this.store.restore(value);
          restored++;
        } else {
          this.#storeErrors.inc();
          log.warn({ row: String(row.json).slice(0, 200) }, 'alarm event in InfluxDB is not a valid alarm; skipped');
        }
      }
      log.info({ events: restored, alarms: this.store.size }, 'alarms rebuilt from InfluxDB');
    } catch (error) {
      this.#storeErrors.inc();
      log.error({ err: error }, 'could not rebuild alarms from InfluxDB; starting with the alarms raised from now on');
    }
  }

  #onChange(change: AlarmChange): void {
    const { alarm } = change;
    this.#changes.inc({ kind: change.kind, type: alarm.type });
    this.#pending.push({
      measurement: MEASUREMENT_ALARM_EVENT,
      tags: { alarm_id: alarm.id, kind: change.kind, type: alarm.type },
      fields: { json: JSON.stringify(alarm), status: alarm.status, severity: alarm.severity, originator: alarm.originator },
      timestamp: alarm.updatedAt,
    });
    this.#pendingGauge.set(this.#pending.length);
    if (!this.#flushing && !this.#retryTimer) void this.#flush().catch(() => {});
    const message: AlarmChangeMessage = { kind: change.kind, alarm };
    this.options.publish(topics.cloudAlarm(alarm.id), JSON.stringify(message), { qos: 1 }).catch((error: Error) => {
      this.options.log.warn({ err: error, alarm: alarm.id }, 'could not publish alarm change on MQTT');
    });
  }

  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return Promise.resolve();
    const { influx, database, log } = this.options;
    this.#flushing = influx
      .writePoints(batch, { database, precision: 'ms' })
      .then(() => {
        this.#pendingGauge.set(this.#pending.length);
      })
      .catch((error: Error) => {
        this.#storeErrors.inc();
        this.#pending.unshift(...batch);
        log.warn({ err: error, pending: this.#pending.length }, 'could not store alarm events; retrying');
        if (this.#started) {
          this.#retryTimer = setTimeout(() => {
            this.#retryTimer = undefined;
            void this.#flush().catch(() => {});
          }, this.options.retryMs ?? 2000);
        }
        throw error;
      })
      .finally(() => {
        this.#flushing = undefined;
        if (this.#pending.length > 0 && this.#started && !this.#retryTimer) void this.#flush().catch(() => {});
      });
    return this.#flushing;
  }
}

const ErrorBody = Type.Object({ error: Type.String() });

/** `GET alarms`, `POST alarms/{id}/ack`, `POST alarms/{id}/clear` (register with prefix `/api/v1`). */
export function registerAlarmRoutes(app: HttpApp, store: AlarmStore): void {
  app.get('/alarms', { schema: { tags: ['alarms'], querystring: AlarmQuery, response: { 200: AlarmList } } }, async (request) => ({
    alarms: store.list(request.query),
  }));
  for (const action of ['ack', 'clear'] as const) {
    app.post(
      `/alarms/:id/${action}`,
      { schema: { tags: ['alarms'], params: AlarmIdParams, body: AlarmActionBody, response: { 200: Alarm, 400: ErrorBody, 404: ErrorBody } } },
      async (request, reply) => {
        // With operator accounts the login is who did it (the body cannot claim someone else); without, the body says.
        const by = authenticatedOperator(request)?.username ?? request.body.by;
        if (by === undefined) return reply.code(400).send({ error: 'body.by is required (who does it) while the API has no operator accounts' });
        try {
          const change = action === 'ack' ? store.acknowledge(request.params.id, by) : store.clear(request.params.id, by);
          request.log.info({ alarm: request.params.id, action, by, authenticated: authenticatedOperator(request) !== undefined }, `alarm ${action} by ${by}`);
          return change.alarm;
        } catch (error) {
          if (error instanceof AlarmNotFoundError) return reply.code(404).send({ error: error.message });
          throw error;
        }
      },
    );
  }
}
