import type { InfluxDB } from 'influx';
import { Counter, Gauge, type Registry } from '../../runtime/metrics.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import { backoffMs } from '../../runtime/retry.js';
import { JsonLinesFile } from '../../runtime/json-lines-file.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { Alarm, AlarmChangeMessage } from '../../protocols/api/alarms.js';
import { AlarmStore, type AlarmChange, type RaiseRequest } from './alarm-store.js';
import type { Leadership } from '../cluster/leadership.js';
import type { CloudBus } from '../events.js';
import { HoldQueue } from './hold-queue.js';
import { alarmEventPoint, readAlarmSnapshots } from './storage.js';

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
  /** Rebuild from InfluxDB when it fails at start: background retries and the hold queue for raises. */
  restore?: Partial<AlarmsRestoreOptions>;
  /**
   * JSON-lines file where changes not yet in InfluxDB are kept when the part stops (InfluxDB down), read back
   * and written at the next start. Without it they are lost at stop (logged).
   */
  spillFile?: string;
  /** Each change is also emitted here as `alarmChange` (notifications, other in-process consumers). */
  bus?: CloudBus;
  /**
   * Every alarm as it stands, kept on disk (rewritten shortly after each change and at stop): a start with
   * InfluxDB unreachable is ready from it at once instead of holding raises until InfluxDB answers.
   */
  stateFile?: string;
  /** Cluster mode: only the leader changes alarms; a standby forwards to it (cloud/cluster/alarm-relay.ts). */
  cluster?: AlarmsCluster;
}

export type AlarmAction = 'ack' | 'clear';

/** What the leader does for the others (the part gives these to the cluster at start). */
export interface AlarmsClusterHandlers {
  raise(request: RaiseRequest): void;
  action(id: string, action: AlarmAction, by: string): Promise<Alarm>;
  change(change: AlarmChangeMessage): void;
  /** Another instance took the lead: raises forwarded while there was none are sent to it again. */
  newLeader(): void;
}

/** The alarms' link to the other instances of a cluster (cloud/cluster/alarm-relay.ts). */
export interface AlarmsCluster {
  readonly leadership: Leadership;
  start(handlers: AlarmsClusterHandlers): Promise<void>;
  stop(): Promise<void>;
  forwardRaise(request: RaiseRequest): void;
  /** Resolves with the alarm as the leader left it; rejects with AlarmNotFoundError or AlarmUnavailableError. */
  forwardAction(id: string, action: AlarmAction, by: string): Promise<Alarm>;
  /** Tells the standbys about a change the leader made. */
  announce(change: AlarmChangeMessage): void;
  /** Tells the standbys this instance now leads. */
  announceLeader(): void;
}

/** An action that cannot be done now (the leader is changing): answered 503, try again. */
export class AlarmUnavailableError extends Error {}

/** Raises a standby forwarded, kept this long: applied again when it takes over (the leader may have died). */
const FORWARDED_KEEP_MS = 60_000;
const FORWARDED_KEEP_MAX = 10_000;

const STATE_WRITE_DELAY_MS = 250;

/** Adds a raise to a standby's recent ones, dropping those older than FORWARDED_KEEP_MS or beyond FORWARDED_KEEP_MAX. */
function keepRecent(recent: Array<{ at: number; request: RaiseRequest }>, request: RaiseRequest): void {
  const now = Date.now();
  recent.push({ at: now, request });
  const keepFrom = recent.findIndex(
    (entry, i) => entry.at >= now - FORWARDED_KEEP_MS && recent.length - i <= FORWARDED_KEEP_MAX,
  );
  if (keepFrom > 0) recent.splice(0, keepFrom);
}

export interface AlarmsRestoreOptions {
  /** First retry delay after a failed rebuild; doubled after each failure up to retryMaxMs. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Raises held while not rebuilt; beyond that the oldest is applied at once (see README). */
  maxHeld: number;
}

export const DEFAULT_ALARMS_RESTORE: AlarmsRestoreOptions = {
  retryMinMs: 1000,
  retryMaxMs: 30_000,
  maxHeld: 10_000,
};

/** What other parts (fisheries rules, fire alerts, routes) use of the alarms part. */
export interface AlarmService {
  readonly store: AlarmStore;
  /** True once the store has been rebuilt from InfluxDB (raises are applied directly from then on). */
  readonly isReady: boolean;
  /** Resolves when the store has been rebuilt (never rejects; pending while InfluxDB stays unreachable). */
  readonly ready: Promise<void>;
  /** Raise through the part: applied now when ready, else held and applied in order after the rebuild. */
  raise(request: RaiseRequest): AlarmChange | undefined;
  /**
   * A raise that every instance of a cluster makes from the same input (the fisheries rules see every position on
   * every instance): applied by the leader only, kept by a standby to apply if it takes over. One process: `raise`.
   */
  raiseShared(request: RaiseRequest): AlarmChange | undefined;
  /** Acknowledge or clear, on the leader (forwarded there from a standby); the alarm as it now stands. */
  act(id: string, action: AlarmAction, by: string): Promise<Alarm>;
}

/**
 * The cloud's alarms: one AlarmStore for every alarm type (vessel rules, fire alerts). Each change is stored
 * as an event in InfluxDB (measurement `alarm_event`, the alarm snapshot as JSON) and published on MQTT; on
 * start the store is rebuilt from those events.
 *
 * The cloud must start without InfluxDB (the journal takes telemetry meanwhile), so a failed rebuild does not
 * fail `start`: it is retried in the background with backoff, and until it succeeds raises are held in a
 * bounded queue (applied in order afterwards) and acknowledge/clear are refused (503), so that an alarm that
 * was active before the restart is refreshed, never created a second time.
 */
export class AlarmsPart implements Part, AlarmService {
  readonly name = 'alarms';
  readonly store: AlarmStore;
  readonly ready: Promise<void>;
  #resolveReady: () => void = () => {};
  #isReady = false;
  readonly #restoreOptions: AlarmsRestoreOptions;
  readonly #held: HoldQueue<RaiseRequest>;
  #restoreTimer: NodeJS.Timeout | undefined;
  #restoreAttempts = 0;
  #restoreError: string | undefined;
  /** Changes not yet written to InfluxDB, oldest first. */
  #pending: AlarmChangeMessage[] = [];
  readonly #spill: JsonLinesFile<typeof AlarmChangeMessage> | undefined;
  readonly #state: JsonLinesFile<typeof Alarm> | undefined;
  #stateTimer: NodeJS.Timeout | undefined;
  #stateRead = false;
  #spillOnDisk = false;
  #flushing: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #started = false;
  /** Raises forwarded to the leader recently, with when (cluster standby). */
  #forwarded: Array<{ at: number; request: RaiseRequest }> = [];
  /** Shared raises made here recently, not sent (the leader made its own), with when (cluster standby). */
  #keptShared: Array<{ at: number; request: RaiseRequest }> = [];
  #unwatchLeadership: (() => void) | undefined;
  readonly #changes: Counter;
  readonly #storeErrors: Counter;
  readonly #pendingGauge: Gauge;
  readonly #restorePending: Gauge;
  readonly #heldGauge: Gauge;
  readonly #heldTotal: Counter;
  readonly #heldOverflow: Counter;

  constructor(private readonly options: AlarmsPartOptions) {
    this.store = new AlarmStore({ clock: options.clock });
    this.#spill = options.spillFile ? new JsonLinesFile(options.spillFile, AlarmChangeMessage) : undefined;
    this.#state = options.stateFile ? new JsonLinesFile(options.stateFile, Alarm) : undefined;
    const registers = [options.registry];
    this.#changes = new Counter({
      name: 'lookout_cloud_alarm_changes_total',
      help: 'Alarm lifecycle changes, by kind and type',
      labelNames: ['kind', 'type'],
      registers,
    });
    this.#storeErrors = new Counter({
      name: 'lookout_cloud_alarm_store_errors_total',
      help: 'Failed writes or reads of alarm events in InfluxDB',
      registers,
    });
    this.#pendingGauge = new Gauge({
      name: 'lookout_cloud_alarm_events_pending',
      help: 'Alarm events waiting to be written to InfluxDB',
      registers,
    });
    this.#restorePending = new Gauge({
      name: 'lookout_cloud_alarms_restore_pending',
      help: '1 while the alarm store has not been rebuilt from InfluxDB yet (raises are held)',
      registers,
    });
    this.#heldGauge = new Gauge({
      name: 'lookout_cloud_alarm_raises_held',
      help: 'Alarm raises held until the alarm store is rebuilt from InfluxDB',
      registers,
    });
    this.#heldTotal = new Counter({
      name: 'lookout_cloud_alarm_raises_held_total',
      help: 'Alarm raises that had to wait for the alarm store to be rebuilt from InfluxDB',
      registers,
    });
    this.#heldOverflow = new Counter({
      name: 'lookout_cloud_alarm_raises_hold_overflow_total',
      help: 'Held alarm raises applied before the rebuild because the hold queue was full (may duplicate an alarm)',
      registers,
    });
    this.#restoreOptions = { ...DEFAULT_ALARMS_RESTORE, ...options.restore };
    this.#held = new HoldQueue(this.#restoreOptions.maxHeld);
    this.ready = new Promise((resolve) => (this.#resolveReady = resolve));
    this.#restorePending.set(1);
  }

  get isReady(): boolean {
    return this.#isReady;
  }

  /** Raises held now (waiting for the rebuild). */
  get heldRaises(): number {
    return this.#held.size;
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.store.onChange((change) => this.#onChange(change));
    this.#started = true;
    await this.#readSpill();
    await this.#readState();
    const { cluster } = this.options;
    if (cluster) {
      await cluster.start({
        raise: (request) => void this.raise(request),
        action: (id, action, by) => this.act(id, action, by),
        change: (change) => this.store.restore(change.alarm),
        newLeader: () => {
          for (const { request } of this.#forwarded) cluster.forwardRaise(request);
        },
      });
      this.#unwatchLeadership = cluster.leadership.onChange((state) => {
        if (state.leader) void this.#takeOver();
      });
    }
    // The first attempt is awaited (a healthy start is rebuilt before the broker accepts clients); a failure
    // only schedules background retries, so the cloud (and its journal) starts without InfluxDB.
    await this.#attemptRestore();
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#unwatchLeadership?.();
    await this.options.cluster?.stop();
    this.#unsubscribe?.();
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#restoreTimer);
    if (this.#held.size > 0)
      this.options.log.warn(
        { held: this.#held.size },
        'stopping before alarms were rebuilt from InfluxDB: held raises are dropped (their telemetry is replayed from the journal at the next start unless InfluxDB stored it meanwhile)',
      );
    await this.#flushing?.catch(() => {});
    if (this.#pending.length > 0) await this.#flush().catch(() => {});
    await this.#writeSpill();
    clearTimeout(this.#stateTimer);
    if (this.#isReady) await this.#writeState();
  }

  /** Resolves when every change so far is in InfluxDB (or rejects with the last write error). */
  async flushed(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing) {
      if (this.#flushing) await this.#flushing;
      else await this.#flush();
    }
  }

  /**
   * Raise through the part. Ready: applied now. Not ready yet: held (FIFO, bounded) and applied in order once
   * the store is rebuilt; returns undefined. When the queue is full the oldest held raise is applied at once:
   * an alarm is never lost, at the risk of creating one that existed before the restart (counted, warned).
   */
  raise(request: RaiseRequest): AlarmChange | undefined {
    if (this.#standby) {
      keepRecent(this.#forwarded, request);
      this.options.cluster!.forwardRaise(request);
      return undefined;
    }
    if (this.#isReady) return this.store.raise(request);
    const { log } = this.options;
    const overflow = this.#held.push(request);
    this.#heldTotal.inc();
    this.#heldGauge.set(this.#held.size);
    if (this.#held.held === 1)
      log.warn(
        { originator: request.originator, type: request.type },
        'alarms not rebuilt from InfluxDB yet: holding alarm raises until they are',
      );
    else
      log.debug(
        { originator: request.originator, type: request.type, held: this.#held.size },
        'alarm raise held',
      );
    if (overflow) {
      this.#heldOverflow.inc();
      if (this.#held.evicted === 1 || this.#held.evicted % 1000 === 0) {
        log.warn(
          {
            held: this.#held.size,
            max: this.#held.max,
            overflowed: this.#held.evicted,
            originator: overflow.originator,
            type: overflow.type,
          },
          'alarm hold queue full before the rebuild from InfluxDB: applying the oldest held raise now (it may duplicate an alarm that was active before the restart)',
        );
      }
      this.store.raise(overflow);
    }
    return undefined;
  }

  raiseShared(request: RaiseRequest): AlarmChange | undefined {
    if (!this.#standby) return this.raise(request);
    keepRecent(this.#keptShared, request);
    return undefined;
  }

  async act(id: string, action: AlarmAction, by: string): Promise<Alarm> {
    if (this.#standby) return this.options.cluster!.forwardAction(id, action, by);
    if (!this.#isReady) throw new AlarmUnavailableError('alarms are still being rebuilt from InfluxDB');
    const change = action === 'ack' ? this.store.acknowledge(id, by) : this.store.clear(id, by);
    return change.alarm;
  }

  /** A cluster instance that does not hold the lease: it forwards, the leader changes. */
  get #standby(): boolean {
    return this.options.cluster !== undefined && !this.options.cluster.leadership.leader;
  }

  /**
   * This standby now leads: read every alarm the old leader stored (InfluxDB, newest snapshot wins over what its
   * announcements gave), then apply again the raises forwarded in the last minute, which the old leader may have
   * died before applying: an existing alarm is only refreshed, a missed one created (and notified) once.
   */
  async #takeOver(): Promise<void> {
    const { log } = this.options;
    try {
      const snapshots = await readAlarmSnapshots(this.options.influx, this.options.database, () => {
        this.#storeErrors.inc();
      });
      for (const snapshot of snapshots) this.store.restore(snapshot);
    } catch (error) {
      log.warn(
        { err: error },
        'took the lead without reading InfluxDB: alarms as announced by the old leader',
      );
    }
    const forwarded = [...this.#forwarded.splice(0), ...this.#keptShared.splice(0)];
    for (const { request } of forwarded) this.raise(request);
    log.info({ alarms: this.store.size, reapplied: forwarded.length }, 'alarms: this instance now leads');
    // Raises the standbys forwarded while no instance led were heard by nobody: they send them again.
    this.options.cluster?.announceLeader();
  }

  health(): {
    status: 'ok' | 'degraded';
    restoring: boolean;
    heldRaises: number;
    restoreAttempts: number;
    lastError?: string;
  } {
    const report: ReturnType<AlarmsPart['health']> = {
      status: this.#isReady ? 'ok' : 'degraded',
      restoring: !this.#isReady,
      heldRaises: this.#held.size,
      restoreAttempts: this.#restoreAttempts,
    };
    if (!this.#isReady && this.#restoreError !== undefined) report.lastError = this.#restoreError;
    return report;
  }

  async #attemptRestore(): Promise<void> {
    if (this.#isReady || !this.#started) return;
    const { log } = this.options;
    this.#restoreAttempts++;
    let snapshots: Alarm[];
    try {
      snapshots = await readAlarmSnapshots(this.options.influx, this.options.database, (row) => {
        this.#storeErrors.inc();
        log.warn({ row }, 'alarm event in InfluxDB is not a valid alarm; skipped');
      });
    } catch (error) {
      this.#storeErrors.inc();
      this.#restoreError = (error as Error).message;
      const { retryMinMs, retryMaxMs } = this.#restoreOptions;
      const retryInMs = backoffMs(this.#restoreAttempts, retryMinMs, retryMaxMs);
      if (this.#stateRead) {
        log.warn(
          { err: error, file: this.#state?.file, alarms: this.store.size },
          'InfluxDB unreachable: alarms rebuilt from the local state file; raises apply at once',
        );
        this.#becomeReady(0);
        return;
      }
      const context = { err: error, attempt: this.#restoreAttempts, retryInMs, held: this.#held.size };
      if (this.#restoreAttempts === 1)
        log.error(
          context,
          'could not rebuild alarms from InfluxDB; retrying in the background, alarm raises are held until then',
        );
      else log.warn(context, 'alarms still not rebuilt from InfluxDB; retrying');
      if (this.#started) this.#restoreTimer = setTimeout(() => void this.#attemptRestore(), retryInMs);
      return;
    }
    if (!this.#started) return;
    for (const snapshot of snapshots) this.store.restore(snapshot);
    this.#becomeReady(snapshots.length);
  }

  /** The store holds what is known (InfluxDB, the state file, the spill file): apply the held raises, go live. */
  #becomeReady(events: number): void {
    for (const change of this.#pending) this.store.restore(change.alarm); // read back from the spill file
    const held = this.#held.drain();
    for (const request of held) this.store.raise(request);
    this.#isReady = true;
    this.#restoreError = undefined;
    this.#restorePending.set(0);
    this.#heldGauge.set(0);
    this.options.log.info(
      {
        events,
        alarms: this.store.size,
        attempts: this.#restoreAttempts,
        heldApplied: held.length,
        heldOverflowed: this.#held.evicted,
      },
      events > 0 || !this.#stateRead ? 'alarms rebuilt from InfluxDB' : 'alarms rebuilt',
    );
    this.#scheduleStateWrite();
    this.#resolveReady();
  }

  /** The alarms as the last run left them (its state file, when there is one). */
  async #readState(): Promise<void> {
    const state = this.#state;
    if (!state) return;
    const { log } = this.options;
    const alarms = await state
      .read((line, errors) => {
        this.#storeErrors.inc();
        log.warn({ file: state.file, line, errors }, 'invalid alarm in the state file; skipped');
      })
      .catch((error: Error) => {
        log.error(
          { err: error, file: state.file },
          'could not read the alarm state file; rebuilding from InfluxDB only',
        );
        return undefined;
      });
    for (const alarm of alarms ?? []) this.store.restore(alarm);
    this.#stateRead = alarms !== undefined;
  }

  #scheduleStateWrite(): void {
    if (!this.#state || this.#stateTimer || !this.#isReady) return;
    this.#stateTimer = setTimeout(() => {
      this.#stateTimer = undefined;
      void this.#writeState();
    }, STATE_WRITE_DELAY_MS);
    this.#stateTimer.unref();
  }

  async #writeState(): Promise<void> {
    if (!this.#state) return;
    try {
      await this.#state.write(this.store.list());
    } catch (error) {
      this.#storeErrors.inc();
      this.options.log.error({ err: error, file: this.#state.file }, 'could not write the alarm state file');
    }
  }

  #onChange(change: AlarmChange): void {
    // A standby's store is a view of the leader's: a local change (a rule resolving) is not written or sent.
    if (this.#standby) return;
    const { alarm } = change;
    this.#changes.inc({ kind: change.kind, type: alarm.type });
    const message: AlarmChangeMessage = { kind: change.kind, alarm };
    this.#pending.push(message);
    this.#scheduleStateWrite();
    this.options.bus?.emit('alarmChange', message);
    this.options.cluster?.announce(message);
    this.#pendingGauge.set(this.#pending.length);
    if (!this.#flushing && !this.#retryTimer) void this.#flush().catch(() => {});
    this.options
      .publish(topics.cloudAlarm(alarm.id), JSON.stringify(message), { qos: 1 })
      .catch((error: Error) => {
        this.options.log.warn({ err: error, alarm: alarm.id }, 'could not publish alarm change on MQTT');
      });
  }

  #flush(): Promise<void> {
    if (this.#flushing) return this.#flushing;
    const batch = this.#pending.splice(0);
    if (batch.length === 0) return Promise.resolve();
    const { influx, database, log, cluster } = this.options;
    const epoch = cluster?.leadership.epoch;
    this.#flushing = (cluster ? cluster.leadership.fence(epoch) : Promise.resolve(true))
      .then(async (stillLeader) => {
        if (!stillLeader) {
          log.warn(
            { changes: batch.length, epoch },
            'no longer the leader: alarm changes of a deposed leader are not written (the new leader decides)',
          );
          return;
        }
        await influx.writePoints(batch.map(alarmEventPoint), { database, precision: 'ms' });
      })
      .then(async () => {
        this.#pendingGauge.set(this.#pending.length);
        if (this.#spillOnDisk && this.#pending.length === 0) await this.#removeSpill();
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
        if (this.#pending.length > 0 && this.#started && !this.#retryTimer)
          void this.#flush().catch(() => {});
      });
    return this.#flushing;
  }

  async #writeSpill(): Promise<void> {
    const { log } = this.options;
    if (this.#pending.length === 0) return;
    if (!this.#spill) {
      log.error(
        { lost: this.#pending.length },
        'stopping with alarm changes not written to InfluxDB and no spill file: they are lost',
      );
      return;
    }
    try {
      await this.#spill.write(this.#pending);
      log.warn(
        { file: this.#spill.file, changes: this.#pending.length },
        'alarm changes not yet in InfluxDB kept on disk; written at the next start',
      );
    } catch (error) {
      this.#storeErrors.inc();
      log.error(
        { err: error, file: this.#spill.file, lost: this.#pending.length },
        'could not keep unwritten alarm changes on disk: they are lost',
      );
    }
  }

  /** Reads the changes a previous run could not write; a bad line is skipped, counted and named. */
  async #readSpill(): Promise<void> {
    const spill = this.#spill;
    if (!spill) return;
    const { log } = this.options;
    const read =
      (await spill.read((line, errors) => {
        this.#storeErrors.inc();
        log.warn({ file: spill.file, line, errors }, 'invalid alarm change in the spill file; skipped');
      })) ?? [];
    if (read.length === 0) return spill.remove();
    this.#spillOnDisk = true;
    this.#pending.unshift(...read);
    this.#pendingGauge.set(this.#pending.length);
    log.info(
      { file: spill.file, changes: read.length },
      'alarm changes kept at the last stop read back; writing them to InfluxDB',
    );
    void this.#flush().catch(() => {});
  }

  async #removeSpill(): Promise<void> {
    await this.#spill?.remove();
    this.#spillOnDisk = false;
  }
}
