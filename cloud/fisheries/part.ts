import { fileURLToPath } from 'node:url';
import type { InfluxDB } from 'influx';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import type { VesselState } from '../../protocols/api/vessels.js';
import type { Situation } from '../../protocols/api/situation.js';
import { situationAt } from './situation.js';
import { Counter, Gauge, type Registry } from '../../runtime/metrics.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { CloudBus } from '../events.js';
import { backoffMs } from '../../runtime/retry.js';
import type { AlarmService } from '../alarms/alarms-part.js';
import { HoldQueue } from '../alarms/hold-queue.js';
import type { FisheriesConfig } from './config.js';
import { RuleEngine } from './engine.js';
import { VesselRegistry, type VesselLookup } from './registry.js';
import { positionKey, readNewestPositions } from './storage.js';
import { ZoneSet, loadZones } from './zones.js';

/** Where relative zone file paths resolve: the Lookout installation (repository root). */
export const INSTALL_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface FisheriesPartOptions {
  config: FisheriesConfig;
  bus: CloudBus;
  influx: InfluxDB;
  database: string;
  /** Raises go through it (held while it is not rebuilt); the part waits for `alarms.ready` before evaluating. */
  alarms: AlarmService;
  log: Logger;
  registry: Registry;
  /** Relative zone paths resolve here; default the installation folder. */
  baseDir?: string;
  /** Clock for signal loss and escalations; tests pass a simulated one. */
  clock?: () => number;
  /** The vessel registry (cloud/registry) the rules read; default the config's vessel list. */
  vessels?: RegistrySource;
}

/** Vessel facts by MMSI, and word of which MMSIs changed (so the rules stop using what they knew). */
export interface RegistrySource {
  lookup: VesselLookup;
  /** Vessels this long must carry a VMS beacon (cloud.registry.vms). */
  vmsRequiredFromLengthM: number;
  onChange(listener: (mmsis: number[]) => void): () => void;
}

/**
 * The fisheries control room's engine in the cloud: loads zones and registry, rebuilds the vessels' recent
 * tracks from InfluxDB (without raising again), then runs every `positions` batch from the bus (and, in a
 * cluster, every `peerPositions` batch: the whole fleet on every instance) through the rules and ticks signal
 * loss / escalations on its clock. In a cluster only the leader's raises count (`raiseShared`).
 *
 * Nothing is evaluated before the alarms are rebuilt and the vessels' recent tracks are read back (otherwise a
 * violation that was raised before the restart would be raised again). When InfluxDB is unreachable at start,
 * that rebuild is retried in the background with backoff; positions arriving meanwhile are buffered (bounded)
 * and evaluated in time order right after it. `GET vessels` meanwhile answers from the buffered positions only,
 * with `restoring: true`.
 */
export class FisheriesPart implements Part {
  readonly name = 'fisheries';
  #engine: RuleEngine | undefined;
  /** While restoring: the buffered positions through a silent engine, only to answer `GET vessels`. */
  #preview: RuleEngine | undefined;
  #zones: ZoneSet | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #unsubscribeRegistry: (() => void) | undefined;
  #running = false;
  #isReady = false;
  #restoreAttempts = 0;
  #restoreError: string | undefined;
  #wake: (() => void) | undefined;
  #sleepTimer: NodeJS.Timeout | undefined;
  #restoring: Promise<void> | undefined;
  #buffer: HoldQueue<VesselPosition>;
  readonly #positions: Counter;
  readonly #ignored: Counter;
  readonly #vessels: Gauge;
  readonly #restorePending: Gauge;
  readonly #bufferedGauge: Gauge;
  readonly #bufferedTotal: Counter;
  readonly #invalidAlarmRows: Counter;

  constructor(private readonly options: FisheriesPartOptions) {
    const registers = [options.registry];
    this.#positions = new Counter({
      name: 'lookout_cloud_fisheries_positions_total',
      help: 'Positions evaluated by the fisheries rules',
      registers,
    });
    this.#ignored = new Counter({
      name: 'lookout_cloud_fisheries_positions_ignored_total',
      help: 'Positions not evaluated, by reason (duplicate, too_late)',
      labelNames: ['reason'],
      registers,
    });
    this.#vessels = new Gauge({
      name: 'lookout_cloud_fisheries_vessels',
      help: 'Vessels tracked (registered or not)',
      registers,
    });
    this.#restorePending = new Gauge({
      name: 'lookout_cloud_fisheries_restore_pending',
      help: '1 while vessel state has not been rebuilt from InfluxDB yet (positions are buffered)',
      registers,
    });
    this.#bufferedGauge = new Gauge({
      name: 'lookout_cloud_fisheries_positions_buffered',
      help: 'Positions waiting for the rebuild from InfluxDB before the rules',
      registers,
    });
    this.#bufferedTotal = new Counter({
      name: 'lookout_cloud_fisheries_positions_buffered_total',
      help: 'Positions that had to wait for the rebuild from InfluxDB',
      registers,
    });
    this.#invalidAlarmRows = new Counter({
      name: 'lookout_cloud_situation_invalid_alarm_rows_total',
      help: 'Stored alarm events a situation review could not read (skipped)',
      registers,
    });
    this.#buffer = new HoldQueue(options.config.restore.maxBufferedPositions);
    this.#restorePending.set(1);
  }

  /** True once alarms and vessel state are rebuilt and the buffered positions evaluated. */
  get isReady(): boolean {
    return this.#isReady;
  }

  /** Positions buffered now (waiting for the rebuild). */
  get bufferedPositions(): number {
    return this.#buffer.size;
  }

  /** Resolves when the part is ready (or stopped). */
  async whenReady(): Promise<void> {
    await this.#restoring;
  }

  get engine(): RuleEngine {
    if (!this.#engine) throw new Error('fisheries part is not started');
    return this.#engine;
  }

  get zones(): ZoneSet {
    if (!this.#zones) throw new Error('fisheries part is not started');
    return this.#zones;
  }

  now(): number {
    return (this.options.clock ?? Date.now)();
  }

  async start(): Promise<void> {
    const { config, log, alarms } = this.options;
    this.#zones = new ZoneSet(
      await loadZones(config.zoneFiles, this.options.baseDir ?? INSTALL_DIR),
      config.gridCellDeg,
    );
    const engine = new RuleEngine({
      zones: this.#zones,
      registry: this.#vesselLookup(),
      registryRules: this.options.vessels && {
        vmsRequiredFromLengthM: this.options.vessels.vmsRequiredFromLengthM,
      },
      rules: config.rules,
      history: config.history,
      // Every cluster instance sees every position: the leader's rules raise, a standby's are kept for a takeover.
      raise: (request) => void alarms.raiseShared(request),
      // Evaluation starts only once the alarms are rebuilt, so the store can be told directly.
      resolve: ({ originator, type, details }) =>
        void alarms.store.resolve(originator, type, 'system: signal restored', details),
      onBoundaryEvent: (event) => log.info({ event }, 'boundary event'),
    });
    this.#engine = engine;
    this.#unsubscribeRegistry = this.options.vessels?.onChange((mmsis) => {
      for (const mmsi of mmsis) {
        engine.refreshRegistration(mmsi);
        this.#preview?.refreshRegistration(mmsi);
      }
    });
    this.#running = true;
    const unsubscribe = [
      this.options.bus.on('positions', (event) => this.ingest(event.positions)),
      this.options.bus.on('peerPositions', (event) => this.ingest(event.positions)),
    ];
    this.#unsubscribe = () => unsubscribe.forEach((stop) => stop());
    this.#timer = setInterval(() => this.tick(), config.tickIntervalS * 1000);
    this.#timer.unref();
    // A healthy start is rebuilt before the broker accepts clients (as before); a failure only starts
    // background retries, so the cloud starts without InfluxDB.
    const restored = alarms.isReady && (await this.#attemptRestore());
    this.#restoring = restored ? Promise.resolve() : this.#retryRestore();
    log.info(
      {
        zones: this.#zones.zones.length,
        lines: this.#zones.lines.length,
        areas: this.#zones.areas.length,
        ports: this.#zones.ports.length,
        registered: this.options.vessels ? 'registry' : config.vessels.length,
        restored,
      },
      restored
        ? 'fisheries rules running'
        : 'fisheries rules waiting for the rebuild from InfluxDB; positions are buffered',
    );
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.#unsubscribeRegistry?.();
    this.#wakeUp();
    if (this.#buffer.size > 0) {
      this.options.log.warn(
        { buffered: this.#buffer.size },
        'stopping before vessel state was rebuilt: buffered positions were not evaluated (the journal delivers them again at the next start unless InfluxDB stored them meanwhile)',
      );
    }
  }

  ingest(positions: readonly VesselPosition[]): void {
    if (!this.#isReady) {
      this.#hold(positions);
      return;
    }
    this.#evaluate(positions);
  }

  /** Latest state of every vessel; while restoring, from the buffered positions only (`restoring: true`). */
  vesselStates(now: number): { vessels: VesselState[]; restoring: boolean } {
    const source = this.#isReady ? this.engine : this.#preview;
    return { vessels: source?.states(now) ?? [], restoring: !this.#isReady };
  }

  /** Positions and active alarms at `at` (GET situation), read from InfluxDB and the alarm store. */
  situation(at: number, windowMs: number): Promise<Situation> {
    const { influx, database, alarms, log } = this.options;
    return situationAt(
      {
        influx,
        database,
        alarms: alarms.store,
        vessels: this.#vesselLookup(),
        onInvalid: (row) => {
          this.#invalidAlarmRows.inc();
          log.warn({ row }, 'invalid stored alarm event in a situation review; skipped');
        },
      },
      at,
      windowMs,
    );
  }

  health(): {
    status: 'ok' | 'degraded';
    restoring: boolean;
    bufferedPositions: number;
    restoreAttempts: number;
    lastError?: string;
  } {
    const report: ReturnType<FisheriesPart['health']> = {
      status: this.#isReady ? 'ok' : 'degraded',
      restoring: !this.#isReady,
      bufferedPositions: this.#buffer.size,
      restoreAttempts: this.#restoreAttempts,
    };
    if (!this.#isReady && this.#restoreError !== undefined) report.lastError = this.#restoreError;
    return report;
  }

  #evaluate(positions: readonly VesselPosition[]): void {
    const engine = this.engine;
    const { duplicates, tooLate } = engine.stats;
    const arrivedAt = this.now();
    for (const position of positions) engine.ingest(position, arrivedAt);
    this.#positions.inc(positions.length);
    if (engine.stats.duplicates > duplicates)
      this.#ignored.inc({ reason: 'duplicate' }, engine.stats.duplicates - duplicates);
    if (engine.stats.tooLate > tooLate)
      this.#ignored.inc({ reason: 'too_late' }, engine.stats.tooLate - tooLate);
    this.#vessels.set(engine.vesselCount);
  }

  tick(): void {
    // Before the rebuild the engine does not know the vessels yet: signal loss would be judged on nothing.
    if (this.#isReady) this.#engine?.tick(this.now());
  }

  #hold(positions: readonly VesselPosition[]): void {
    let dropped = 0;
    for (const position of positions) {
      if (this.#buffer.push(position) !== undefined) dropped++;
    }
    this.#bufferedTotal.inc(positions.length);
    this.#bufferedGauge.set(this.#buffer.size);
    this.#previewEngine().restore(positions);
    if (dropped > 0) {
      this.#ignored.inc({ reason: 'restore_overflow' }, dropped);
      this.options.log.warn(
        { dropped, buffered: this.#buffer.size, max: this.#buffer.max, droppedSoFar: this.#buffer.evicted },
        'position buffer full while waiting for the rebuild from InfluxDB: the oldest positions will not be evaluated (they are stored, and come back silently with the rebuild)',
      );
    }
  }

  #previewEngine(): RuleEngine {
    if (!this.#preview) {
      const { config } = this.options;
      this.#preview = new RuleEngine({
        zones: this.zones,
        registry: this.#vesselLookup(),
        rules: config.rules,
        history: config.history,
        raise: () => {},
      });
    }
    return this.#preview;
  }

  #vesselLookup(): VesselLookup {
    return this.options.vessels?.lookup ?? new VesselRegistry(this.options.config.vessels);
  }

  /** Background rebuild: waits for the alarms, then tries with backoff until it works or the part stops. */
  async #retryRestore(): Promise<void> {
    const { retryMinMs, retryMaxMs } = this.options.config.restore;
    // No attempt was made while the alarms were not rebuilt: when they are, InfluxDB is back, so try at once.
    let failures = this.#restoreAttempts;
    if (!this.options.alarms.isReady)
      await Promise.race([this.options.alarms.ready, new Promise<void>((resolve) => (this.#wake = resolve))]);
    while (this.#running) {
      if (failures > 0) await this.#sleep(backoffMs(failures, retryMinMs, retryMaxMs));
      if (!this.#running) return;
      if (await this.#attemptRestore()) return;
      failures++;
    }
  }

  /**
   * One rebuild attempt: the newest positions of every vessel from InfluxDB (up to history.maxPoints each)
   * back through the rules silently, existing alarms noted, then the buffered positions evaluated in time order.
   */
  async #attemptRestore(): Promise<boolean> {
    const { log } = this.options;
    const engine = this.engine;
    this.#restoreAttempts++;
    let stored: VesselPosition[];
    try {
      stored = await this.#readStoredPositions();
    } catch (error) {
      this.#restoreError = (error as Error).message;
      const { retryMinMs, retryMaxMs } = this.options.config.restore;
      const context = {
        err: error,
        attempt: this.#restoreAttempts,
        retryInMs: backoffMs(this.#restoreAttempts, retryMinMs, retryMaxMs),
        buffered: this.#buffer.size,
      };
      if (this.#restoreAttempts === 1)
        log.error(
          context,
          'could not rebuild vessel state from InfluxDB; retrying in the background, positions are buffered until then',
        );
      else log.warn(context, 'vessel state still not rebuilt from InfluxDB; retrying');
      return false;
    }
    if (!this.#running) return false;
    // From here on synchronous: no position can arrive between the rebuild and the buffered ones.
    engine.restore(stored);
    for (const alarm of this.options.alarms.store.list()) {
      const mmsi = /^vessel:(\d+)$/.exec(alarm.originator)?.[1];
      if (mmsi) engine.noteExistingAlarm(alarm.type, Number(mmsi), alarm.details);
    }
    const buffered = this.#buffer.drain().sort((a, b) => a.ts - b.ts);
    this.#isReady = true;
    this.#preview = undefined;
    this.#restoreError = undefined;
    this.#restorePending.set(0);
    this.#bufferedGauge.set(0);
    this.#evaluate(buffered);
    log.info(
      {
        positions: stored.length,
        vessels: engine.vesselCount,
        attempts: this.#restoreAttempts,
        bufferedEvaluated: buffered.length,
        bufferedDropped: this.#buffer.evicted,
      },
      'vessel state rebuilt from InfluxDB',
    );
    return true;
  }

  /**
   * The newest positions per vessel in InfluxDB, minus the ones still buffered here (the writer may have stored
   * them meanwhile: they must be evaluated, not restored silently). If buffered positions took some of the
   * newest slots, the positions before the oldest buffered one are read as well, so the history is complete.
   */
  async #readStoredPositions(): Promise<VesselPosition[]> {
    const { influx, database, config } = this.options;
    if (!(await influx.getDatabaseNames()).includes(database)) return [];
    const read = (where: string) => readNewestPositions(influx, database, config.history.maxPoints, where);
    let rows = await read('');
    const bufferedKeys = () => new Set(Array.from(this.#buffer, positionKey));
    let keys = bufferedKeys();
    if (keys.size > 0 && rows.some((p) => keys.has(positionKey(p)))) {
      let oldestBuffered = Infinity;
      for (const p of this.#buffer) oldestBuffered = Math.min(oldestBuffered, p.ts);
      const before = await read(` WHERE time < ${oldestBuffered}ms`);
      const seen = new Set(rows.map(positionKey));
      rows = rows.concat(before.filter((p) => !seen.has(positionKey(p))));
      keys = bufferedKeys();
    }
    return rows.filter((p) => !keys.has(positionKey(p))).sort((a, b) => a.ts - b.ts);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#sleepTimer = setTimeout(resolve, ms);
    });
  }

  #wakeUp(): void {
    clearTimeout(this.#sleepTimer);
    this.#wake?.();
  }
}
