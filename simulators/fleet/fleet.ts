import type { Logger } from '../../runtime/logger.js';
import { silentLogger } from '../../runtime/logger.js';
import { WallClock, type Clock } from './clock.js';
import { ReportEncoder, type SentPosition, type TagBlockOptions } from './reports.js';
import { createTransport, type SentenceTransport, type Target } from './transport.js';
import { FleetModel, type Vessel } from './vessels.js';

export interface FleetSimulatorOptions {
  vessels: number;
  seed: number;
  /** Where the sentences go; or give `transport` directly. */
  target?: Target;
  transport?: SentenceTransport;
  /** Position reports per second for the whole fleet, paced in real time by `start()`; 0 = no pacing loop. */
  rate?: number;
  /** The pacing loop stops after this many real seconds (0 or absent: until `stop()`). */
  durationS?: number;
  /** The pacing loop stops after exactly this many position reports were sent. */
  maxPositions?: number;
  /** Type 5 per class A vessel every this many simulated seconds (default 360; 0 = never). */
  staticIntervalS?: number;
  /** Tag block with the report time on every sentence (default `{ source: 'lookout-sim', unit: 'ms' }`); false = none. */
  tagBlock?: TagBlockOptions | false;
  /** Keep every sent position in `report().log` (for tests that compare values). */
  recordPositions?: boolean;
  /** Simulated time; default real time. A `SimClock` gives a clock that scenarios advance. */
  clock?: Clock;
  classBShare?: number;
  log?: Logger;
}

export interface VesselReport {
  mmsi: number;
  name: string;
  aisClass: 'A' | 'B';
  positions: number;
  statics: number;
}

/** Exactly what went out: only reports handed to the socket are counted. */
export interface FleetReport {
  positions: number;
  statics: number;
  sentences: number;
  /** Reports not sent because the TCP link to the edge was down. */
  skipped: number;
  perVessel: VesselReport[];
  /** Every sent position, in sending order (only with `recordPositions`). */
  log: SentPosition[];
}

const PACING_TICK_MS = 20;

/**
 * The vessel fleet simulator: a motion model (`fleet`), an AIS encoder and a transport, kept apart so that
 * scripted scenarios can drive the model and the clock themselves and call `reportVessels`.
 */
export class FleetSimulator {
  readonly fleet: FleetModel;
  readonly clock: Clock;
  readonly transport: SentenceTransport;
  /** Resolves when the pacing loop ends (duration or maxPositions reached, or `stop()`). */
  readonly done: Promise<void>;
  readonly #encoder: ReportEncoder;
  readonly #log: Logger;
  readonly #counts = new Map<number, { positions: number; statics: number }>();
  readonly #lastTs = new Map<number, number>();
  readonly #lastStatic = new Map<number, number>();
  readonly #positionLog: SentPosition[] = [];
  readonly #totals = { positions: 0, statics: 0, sentences: 0, skipped: 0 };
  #slot = 0;
  #running = false;
  #pacing: Promise<void> | undefined;
  #resolveDone!: () => void;

  constructor(private readonly options: FleetSimulatorOptions) {
    this.clock = options.clock ?? new WallClock();
    this.fleet = new FleetModel({
      vessels: options.vessels,
      seed: options.seed,
      startMs: this.clock.now(),
      classBShare: options.classBShare,
    });
    const transport = options.transport ?? (options.target ? createTransport(options.target) : undefined);
    if (!transport) throw new Error('fleet simulator: give a target (udp/tcp host:port) or a transport');
    this.transport = transport;
    this.#encoder = new ReportEncoder(
      options.tagBlock === false ? undefined : (options.tagBlock ?? { source: 'lookout-sim', unit: 'ms' }),
    );
    this.#log = options.log ?? silentLogger();
    for (const vessel of this.fleet.vessels) this.#counts.set(vessel.mmsi, { positions: 0, statics: 0 });
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /** Opens the transport and, when `rate` > 0, starts sending in real time. */
  async start(): Promise<void> {
    await this.transport.start();
    this.#running = true;
    if ((this.options.rate ?? 0) > 0) this.#pacing = this.#pace();
    else this.#resolveDone();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#pacing;
    await this.transport.stop();
    this.#resolveDone();
  }

  /** The running totals, cheap to poll (`report()` copies the per-vessel counts and the position log). */
  get totals(): { positions: number; statics: number; sentences: number; skipped: number } {
    return { ...this.#totals };
  }

  report(): FleetReport {
    return {
      ...this.#totals,
      perVessel: this.fleet.vessels.map((v) => ({
        mmsi: v.mmsi,
        name: v.identity.name,
        aisClass: v.identity.aisClass,
        ...this.#counts.get(v.mmsi)!,
      })),
      log: [...this.#positionLog],
    };
  }

  /**
   * One position report from each given vessel (default: all) at the clock's current time, preceded by a
   * type 5 when one is due. Returns how many positions were sent (0 when the link is down).
   */
  async reportVessels(vessels: readonly Vessel[] = this.fleet.vessels): Promise<number> {
    const lines: string[] = [];
    const pending: Array<{ vessel: Vessel; position?: SentPosition; isStatic: boolean }> = [];
    for (const vessel of vessels) {
      const tsMs = this.#reportTime(vessel);
      vessel.advanceTo(tsMs);
      if (this.#staticDue(vessel, tsMs)) {
        this.#lastStatic.set(vessel.mmsi, tsMs);
        const report = this.#encoder.staticReport(vessel, tsMs);
        lines.push(...report.sentences);
        pending.push({ vessel, isStatic: true });
      }
      const report = this.#encoder.position(vessel, tsMs);
      lines.push(...report.sentences);
      pending.push({ vessel, position: report.position, isStatic: false });
    }
    if (lines.length === 0) return 0;
    if (!(await this.transport.send(lines))) {
      for (const p of pending) if (p.isStatic) this.#lastStatic.delete(p.vessel.mmsi); // due again next time
      this.#totals.skipped += pending.filter((p) => !p.isStatic).length;
      return 0;
    }
    this.#totals.sentences += lines.length;
    let positions = 0;
    for (const { vessel, position, isStatic } of pending) {
      const counts = this.#counts.get(vessel.mmsi)!;
      if (isStatic) {
        counts.statics += 1;
        this.#totals.statics += 1;
      } else {
        counts.positions += 1;
        this.#totals.positions += 1;
        positions += 1;
        if (this.options.recordPositions && position) this.#positionLog.push(position);
      }
    }
    return positions;
  }

  /** Sends raw lines as they are (scenarios, bad-input tests). */
  sendRaw(lines: readonly string[]): Promise<boolean> {
    return this.transport.send(lines);
  }

  /** Report times strictly increase per vessel, so every position has its own timestamp. */
  #reportTime(vessel: Vessel): number {
    const ts = Math.max(this.clock.now(), (this.#lastTs.get(vessel.mmsi) ?? 0) + 1);
    this.#lastTs.set(vessel.mmsi, ts);
    return ts;
  }

  #staticDue(vessel: Vessel, tsMs: number): boolean {
    const interval = this.options.staticIntervalS ?? 360;
    if (interval <= 0 || vessel.identity.aisClass !== 'A') return false;
    const last = this.#lastStatic.get(vessel.mmsi);
    return last === undefined || tsMs - last >= interval * 1000;
  }

  async #pace(): Promise<void> {
    const rate = this.options.rate ?? 0;
    const maxPositions = this.options.maxPositions ?? Infinity;
    const durationMs = (this.options.durationS ?? 0) * 1000;
    const t0 = performance.now();
    let slots = 0;
    const vessels = this.fleet.vessels;
    while (this.#running) {
      const elapsed = performance.now() - t0;
      if (durationMs > 0 && elapsed >= durationMs) break;
      const attempted = this.#totals.positions + this.#totals.skipped;
      if (attempted >= maxPositions) break;
      const due = Math.min(Math.floor((elapsed / 1000) * rate) - slots, maxPositions - attempted);
      if (due > 0) {
        const batch: Vessel[] = [];
        for (let i = 0; i < due; i++) batch.push(vessels[this.#slot++ % vessels.length]!);
        slots += due;
        try {
          await this.reportVessels(batch);
        } catch (error) {
          this.#log.error({ err: error }, 'fleet simulator: send failed');
        }
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, PACING_TICK_MS));
    }
    this.#log.info(
      { positions: this.#totals.positions, statics: this.#totals.statics, skipped: this.#totals.skipped },
      'fleet simulator: pacing ended',
    );
    this.#resolveDone();
  }
}

/** Creates (not starts) a fleet simulator. */
export function createFleetSimulator(options: FleetSimulatorOptions): FleetSimulator {
  return new FleetSimulator(options);
}
