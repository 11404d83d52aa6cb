import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { silentLogger, type Logger } from '../../runtime/logger.js';
import type { LonLat } from '../fleet/geography.js';
import { childSeed, Random } from '../fleet/random.js';
import { FleetModel, type Vessel } from '../fleet/vessels.js';
import { readCloudRejections, rejectionsBetween, type CloudRejections } from './cloud-metrics.js';
import { brokerUrls, type EdgeFleetConfig, type EdgeIdentity } from './config.js';
import { LatencyHistogram } from './latency.js';
import { Pacer, rampOffsetMs } from './pacing.js';
import { vesselPosition } from './payloads.js';
import { emptyCounters, SimEdge, type FleetCounters } from './sim-edge.js';

export type EdgeFleetSettings = Omit<EdgeFleetConfig, 'count' | 'idPrefix' | 'credentials'>;

export interface EdgeFleetOptions extends Partial<EdgeFleetSettings> {
  /** One simulated edge per identity (`edgeIdentities()` of the config). */
  identities: readonly EdgeIdentity[];
  /** Keep every generated position (`generatedPositions()`) and count deliveries per position (tests). */
  recordPositions?: boolean;
  /** `version` in the birth and will statuses. */
  version?: string;
  /** How long `stop()` waits for queued messages to be delivered before it disconnects anyway. */
  drainTimeoutMs?: number;
  /** Period of the loop that generates positions and drives the edges. */
  tickMs?: number;
  log?: Logger;
}

/** What a run did: `summary()` at the end, `progress()` every few seconds. */
export interface EdgeFleetSummary extends Omit<FleetCounters, 'messages' | 'positions' | 'brokers'> {
  edges: number;
  started: number;
  connected: number;
  elapsedS: number;
  messages: FleetCounters['messages'] & { total: number };
  positions: FleetCounters['positions'] & { undelivered: number };
  rates: { messagesPerS: number; positionsPerS: number };
  /** Per broker URL (in `urls` order): edges on it (connected now, or last connected there), connections, positions acknowledged. */
  brokers: BrokerSummary[];
  /** Edges that have been connected to another broker than their first (`urls[i % n]`). */
  moved: number;
  pubackMs: { p50?: number; p99?: number; max?: number; samples: number };
  /** What the cloud counted as refused during the run (its /metrics before start and after stop; `cloudMetricsUrl`). */
  cloud?: CloudRejections;
}

export interface BrokerSummary {
  url: string;
  /** Edges whose current or last connection is on this broker. */
  edges: number;
  connected: number;
  connects: number;
  positionsAcked: number;
}

const DEFAULTS: EdgeFleetSettings = {
  url: 'mqtt://127.0.0.1:1883',
  seed: 1,
  durationS: 0,
  positionsPerEdge: 0,
  rampUpS: 5,
  vesselsPerEdge: 10,
  receiversPerVessel: 1,
  positionsPerSecond: 2,
  batchIntervalMs: 1000,
  maxBatchPositions: 500,
  healthIntervalS: 30,
  fireAlertsPerHour: 0,
  churn: { dropsPerHour: 0, downMinS: 1, downMaxS: 10 },
  queueMaxMessages: 1000,
  maxInFlight: 16,
  keepaliveS: 30,
  progressIntervalS: 5,
  cloudMetricsUrl: '',
};
const MAX_VESSELS = 200_000;
/** Where simulated edges' cameras stand: the U Minh forest and the mangroves of the Ca Mau peninsula. */
const LAND_BOX = { minLon: 104.85, maxLon: 105.25, minLat: 8.75, maxLat: 9.45 };

/**
 * N simulated edge gateways against a cloud broker, or several (a cluster: edge i starts on `urls[i % n]` and moves
 * on to the next when its connection fails; load tests, failover tests, demos): each edge its own MQTT client,
 * vessels of its own moving around Ca Mau (simulators/fleet's motion model, one seeded fleet for all edges so
 * MMSIs are unique), optional overlapping receivers, churn, fire alerts. One ticker drives every edge.
 */
export class EdgeFleetSimulator {
  readonly edges: SimEdge[];
  readonly counters: FleetCounters;
  /** The brokers, in order (`urls`, or `url` alone). */
  readonly urls: readonly string[];
  /** Resolves when the run is over by itself (duration reached, or every edge's positions delivered). */
  readonly done: Promise<void>;
  readonly #settings: EdgeFleetSettings;
  readonly #log: Logger;
  /** Edge i's own vessels are `#vessels[i * vesselsPerEdge ...]`. */
  readonly #vessels: Vessel[];
  readonly #pacers: Array<Pacer | undefined>;
  readonly #roundRobin: number[];
  readonly #lastTs: Float64Array;
  readonly #total = new LatencyHistogram();
  readonly #interval = new LatencyHistogram();
  readonly #generated: VesselPosition[] = [];
  readonly #deliveries = new Map<string, number>();
  #startMs = 0;
  #startPerf = 0;
  #endAt = Infinity;
  #active = false;
  #ticker: NodeJS.Timeout | undefined;
  #progressTimer: NodeJS.Timeout | undefined;
  #lastProgress = { at: 0, messages: 0, positions: 0 };
  #stopping: Promise<void> | undefined;
  #resolveDone!: () => void;
  #finished = false;
  #cloudBefore: CloudRejections | undefined;
  #cloudDuring: CloudRejections | undefined;

  constructor(private readonly options: EdgeFleetOptions) {
    const settings: EdgeFleetSettings = {
      ...DEFAULTS,
      ...definedOnly(options),
      churn: { ...DEFAULTS.churn, ...options.churn },
    };
    this.#settings = settings;
    this.urls = brokerUrls(settings);
    this.counters = emptyCounters(this.urls.length);
    this.#log = options.log ?? silentLogger();
    const count = options.identities.length;
    if (count === 0) throw new Error('edge fleet: no edges to simulate');
    const vessels = count * settings.vesselsPerEdge;
    if (vessels > MAX_VESSELS)
      throw new Error(
        `edge fleet: ${count} edges × ${settings.vesselsPerEdge} vessels = ${vessels} vessels, more than ${MAX_VESSELS}; lower vesselsPerEdge`,
      );
    if (new Set(options.identities.map((i) => i.edgeId)).size !== count)
      throw new Error('edge fleet: edge ids must be unique');
    this.#vessels = ownVessels(count, settings.vesselsPerEdge, settings.seed, Date.now());
    this.#lastTs = new Float64Array(vessels);
    this.#pacers = new Array<Pacer | undefined>(count).fill(undefined);
    this.#roundRobin = new Array<number>(count).fill(0);
    const recording = options.recordPositions === true;
    this.edges = options.identities.map((identity, index) => {
      const random = new Random(childSeed(settings.seed ^ 0x5eed_ed6e, index));
      const location: LonLat = [
        random.between(LAND_BOX.minLon, LAND_BOX.maxLon),
        random.between(LAND_BOX.minLat, LAND_BOX.maxLat),
      ];
      return new SimEdge({
        identity,
        urls: this.urls,
        firstUrl: index % this.urls.length,
        version: options.version ?? 'lookout-sim-edges',
        keepaliveS: settings.keepaliveS,
        maxInFlight: settings.maxInFlight,
        queueMaxMessages: settings.queueMaxMessages,
        maxBatchPositions: settings.maxBatchPositions,
        batchIntervalMs: settings.batchIntervalMs,
        healthIntervalMs: settings.healthIntervalS * 1000,
        fireAlertsPerHour: settings.fireAlertsPerHour,
        churn: settings.churn,
        location,
        random,
        counters: this.counters,
        latency: [this.#total, this.#interval],
        log: this.#log,
        onPositionsAcked: recording ? (_edgeId, positions) => this.#countDeliveries(positions) : undefined,
      });
    });
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  get settings(): Readonly<EdgeFleetSettings> {
    return this.#settings;
  }

  /** Starts the ticker; edges connect one after the other over `rampUpS`. Returns at once. */
  async start(): Promise<void> {
    if (this.#ticker) return;
    if (this.#settings.cloudMetricsUrl) this.#cloudBefore = await this.#readCloud();
    this.#startMs = Date.now();
    this.#startPerf = performance.now();
    this.#active = true;
    if (this.#settings.durationS > 0) this.#endAt = this.#startMs + this.#settings.durationS * 1000;
    this.#lastProgress = { at: this.#startPerf, messages: 0, positions: 0 };
    this.#ticker = setInterval(() => this.#tick(), this.options.tickMs ?? 50);
    if (this.#settings.progressIntervalS > 0) {
      this.#progressTimer = setInterval(() => {
        const progress = this.progress();
        this.#log.info(progress, describeProgress(progress));
      }, this.#settings.progressIntervalS * 1000);
    }
    this.#tick();
  }

  /**
   * Ends the run cleanly: no new positions, pending batches and open fires sent, queued messages delivered
   * (dropped edges reconnect first; at most `drainTimeoutMs`), then every edge publishes its retained
   * `offline`/`shutdown` status and disconnects.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#active = false;
    for (const edge of this.edges) if (edge.started) edge.wrapUp();
    const deadline = Date.now() + (this.options.drainTimeoutMs ?? 10_000);
    while (this.#undelivered() > 0 && Date.now() < deadline) await sleep(20);
    const undelivered = this.#undelivered();
    if (undelivered > 0)
      this.#log.warn({ messages: undelivered }, 'edge fleet: stopping with messages not delivered');
    clearInterval(this.#ticker);
    clearInterval(this.#progressTimer);
    await Promise.all(this.edges.map((edge) => edge.stop()));
    if (this.#cloudBefore) {
      const after = await this.#readCloud();
      if (after) this.#cloudDuring = rejectionsBetween(this.#cloudBefore, after);
    }
    this.#finish();
  }

  /** Totals so far (counters, current connections, PUBACK latency of the whole run). */
  summary(): EdgeFleetSummary {
    const elapsedS = this.#startPerf ? (performance.now() - this.#startPerf) / 1000 : 0;
    const { messages } = this.counters;
    const total = messages.positions + messages.health + messages.status + messages.alerts;
    return {
      ...this.#snapshot(elapsedS, this.#total),
      rates: {
        messagesPerS: round(total / Math.max(elapsedS, 1e-9), 1),
        positionsPerS: round(this.counters.positions.acked / Math.max(elapsedS, 1e-9), 1),
      },
      ...(this.#cloudDuring ? { cloud: { ...this.#cloudDuring } } : {}),
    };
  }

  /** The progress line: totals, plus rates and PUBACK latency since the previous progress line. */
  progress(): EdgeFleetSummary {
    const now = performance.now();
    const seconds = Math.max((now - this.#lastProgress.at) / 1000, 1e-9);
    const { messages, positions } = this.counters;
    const total = messages.positions + messages.health + messages.status + messages.alerts;
    const snapshot = this.#snapshot((now - this.#startPerf) / 1000, this.#interval);
    const rates = {
      messagesPerS: round((total - this.#lastProgress.messages) / seconds, 1),
      positionsPerS: round((positions.acked - this.#lastProgress.positions) / seconds, 1),
    };
    this.#lastProgress = { at: now, messages: total, positions: positions.acked };
    this.#interval.reset();
    return { ...snapshot, rates };
  }

  /** Every position generated, once each, in generation order (with `recordPositions`). */
  generatedPositions(): readonly VesselPosition[] {
    return this.#generated;
  }

  /** How many times each generated position (`mmsi@ts`) was acknowledged, over all edges that heard it (with `recordPositions`). */
  deliveries(): ReadonlyMap<string, number> {
    return this.#deliveries;
  }

  #snapshot(elapsedS: number, latency: LatencyHistogram): Omit<EdgeFleetSummary, 'rates'> {
    const c = this.counters;
    let started = 0;
    let connected = 0;
    let pending = 0;
    let moved = 0;
    const brokers: BrokerSummary[] = this.urls.map((url, index) => ({
      url,
      edges: 0,
      connected: 0,
      ...c.brokers[index]!,
    }));
    for (const edge of this.edges) {
      if (edge.started) started += 1;
      if (edge.connected) connected += 1;
      if (edge.moved) moved += 1;
      const broker = brokers[edge.lastConnectedUrl];
      if (broker) {
        broker.edges += 1;
        if (edge.connected) broker.connected += 1;
      }
      pending += edge.undeliveredPositions;
    }
    return {
      edges: this.edges.length,
      started,
      connected,
      elapsedS: round(elapsedS, 1),
      connects: c.connects,
      reconnects: c.reconnects,
      drops: c.drops,
      lost: c.lost,
      refused: c.refused,
      errors: c.errors,
      invalid: c.invalid,
      fires: c.fires,
      messages: {
        ...c.messages,
        total: c.messages.positions + c.messages.health + c.messages.status + c.messages.alerts,
      },
      positions: { ...c.positions, undelivered: pending },
      pubackMs: {
        p50: roundOpt(latency.quantile(0.5)),
        p99: roundOpt(latency.quantile(0.99)),
        max: roundOpt(latency.count ? latency.max : undefined),
        samples: latency.count,
      },
      brokers,
      moved,
    };
  }

  async #readCloud(): Promise<CloudRejections | undefined> {
    try {
      return await readCloudRejections(this.#settings.cloudMetricsUrl);
    } catch (error) {
      this.#log.warn(
        { url: this.#settings.cloudMetricsUrl, err: (error as Error).message },
        'edge fleet: cannot read the cloud metrics; the summary will not say what the cloud refused',
      );
      return undefined;
    }
  }

  #tick(): void {
    const now = Date.now();
    const { rampUpS, positionsPerSecond, positionsPerEdge } = this.#settings;
    const count = this.edges.length;
    if (this.#active && now >= this.#endAt) {
      this.#active = false;
      this.#finish();
    }
    for (let index = 0; index < count; index++) {
      const edge = this.edges[index]!;
      if (!edge.started) {
        if (!this.#active || now < this.#startMs + rampOffsetMs(index, count, rampUpS * 1000)) continue;
        edge.start(now);
        this.#pacers[index] = new Pacer(
          positionsPerSecond,
          now,
          positionsPerEdge > 0 ? positionsPerEdge : Infinity,
        );
      }
      if (this.#active) this.#generate(index, now);
    }
    for (const edge of this.edges) edge.tick(now, this.#active);
    if (this.#active && positionsPerEdge > 0 && this.#allGenerated() && this.#undelivered() === 0) {
      this.#active = false;
      this.#finish();
    }
  }

  /** Reports of edge `home`'s own vessels that are due, heard by it and the next `receiversPerVessel - 1` edges. */
  #generate(home: number, now: number): void {
    const pacer = this.#pacers[home];
    if (!pacer) return;
    const due = pacer.due(now);
    if (due === 0) return;
    const { vesselsPerEdge, receiversPerVessel } = this.#settings;
    const count = this.edges.length;
    const receivers = Math.min(receiversPerVessel, count);
    for (let k = 0; k < due; k++) {
      const vesselIndex = home * vesselsPerEdge + (this.#roundRobin[home]!++ % vesselsPerEdge);
      const vessel = this.#vessels[vesselIndex]!;
      // Strictly increasing per vessel: every report is its own point in the cloud (same vessel + time = same point).
      const ts = Math.max(now, this.#lastTs[vesselIndex]! + 1);
      this.#lastTs[vesselIndex] = ts;
      vessel.advanceTo(ts);
      const position = vesselPosition(vessel, ts);
      this.counters.positions.generated += 1;
      if (this.options.recordPositions) this.#generated.push(position);
      // A receiving edge still waiting for its ramp-up slot keeps the report for when it starts: each report is heard by exactly `receivers` edges.
      for (let r = 0; r < receivers; r++) this.edges[(home + r) % count]!.addPosition(position, now);
    }
  }

  #allGenerated(): boolean {
    return this.#pacers.every((pacer) => pacer?.finished === true);
  }

  #undelivered(): number {
    let total = 0;
    for (const edge of this.edges) total += edge.undelivered;
    return total;
  }

  #countDeliveries(positions: readonly VesselPosition[]): void {
    for (const position of positions) {
      const key = `${position.mmsi}@${position.ts}`;
      this.#deliveries.set(key, (this.#deliveries.get(key) ?? 0) + 1);
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#resolveDone();
  }
}

export function createEdgeFleetSimulator(options: EdgeFleetOptions): EdgeFleetSimulator {
  return new EdgeFleetSimulator(options);
}

/** One human line for the progress log: connections, rates, PUBACK latency since the last line, trouble. */
export function describeProgress(p: EdgeFleetSummary): string {
  const latency = p.pubackMs.samples
    ? `PUBACK p50 ${p.pubackMs.p50} ms p99 ${p.pubackMs.p99} ms`
    : 'no PUBACK';
  return (
    `${p.connected}/${p.edges} edges connected, ${p.rates.messagesPerS} msg/s, ${p.rates.positionsPerS} positions/s, ${latency}, ` +
    `${p.reconnects} reconnects, ${p.drops} drops, ${p.errors + p.lost} errors, ${p.refused} refused, ${p.positions.undelivered} positions waiting` +
    (p.brokers.length > 1 ? `; ${describeBrokers(p)}` : '')
  );
}

/** `mqtt://a 120 connected (5230 positions acked), mqtt://b 130 connected (...), 12 moved`. */
function describeBrokers(p: EdgeFleetSummary): string {
  const each = p.brokers.map(
    (b) => `${b.url} ${b.connected} connected (${b.positionsAcked} positions acked)`,
  );
  return `${each.join(', ')}, ${p.moved} moved`;
}

/** The end-of-run summary for people (`--json` prints the object instead). */
export function describeSummary(s: EdgeFleetSummary): string {
  return [
    `edges: ${s.edges} (${s.started} started), ${s.connects} connections (${s.reconnects} reconnects), ${s.drops} churn drops, ${s.lost} lost, ${s.refused} refused, ${s.errors} errors`,
    `messages acknowledged: ${s.messages.total} (positions ${s.messages.positions}, health ${s.messages.health}, status ${s.messages.status}, alerts ${s.messages.alerts}) in ${s.elapsedS} s = ${s.rates.messagesPerS} msg/s`,
    `positions: ${s.positions.generated} generated, ${s.positions.acked} acknowledged (${s.rates.positionsPerS}/s), ${s.positions.resent} resent after a drop, ${s.positions.dropped} dropped (queue full), ${s.positions.undelivered} undelivered`,
    `brokers: ${s.brokers.map((b) => `${b.url} ${b.edges} edges last on it, ${b.connects} connections, ${b.positionsAcked} positions acknowledged`).join('; ')}; ${s.moved} edges moved to another broker`,
    `PUBACK latency: p50 ${s.pubackMs.p50 ?? '-'} ms, p99 ${s.pubackMs.p99 ?? '-'} ms, max ${s.pubackMs.max ?? '-'} ms over ${s.pubackMs.samples} messages; ${s.fires} fire alerts; ${s.invalid} payloads failed their schema (not sent)`,
    s.cloud
      ? `the cloud refused during the run: ${s.cloud.invalidPayloads} invalid payloads, ${s.cloud.denied} denied (login/ACL), ${s.cloud.publishesRefused} publishes not acknowledged`
      : "the cloud's own count of refusals: not read (set --cloud-metrics)",
  ].join('\n');
}

/**
 * `vesselsPerEdge` vessels for each edge from the fleet simulator's model, seeded per edge (edge i's vessels do not
 * depend on the count), with MMSIs unique over the whole run: each MMSI is one vessel's track in the cloud. One
 * FleetModel per edge, because a single model runs out of distinct registration numbers (90000-99999) near 10,000.
 */
export function ownVessels(edges: number, vesselsPerEdge: number, seed: number, startMs: number): Vessel[] {
  const vessels: Vessel[] = [];
  const used = new Set<number>();
  for (let edge = 0; edge < edges; edge++) {
    let taken = 0;
    for (let attempt = 0; taken < vesselsPerEdge; attempt++) {
      const model = new FleetModel({
        vessels: vesselsPerEdge * 2,
        seed: childSeed(childSeed(seed, edge), attempt),
        startMs,
      });
      for (const vessel of model.vessels) {
        if (taken === vesselsPerEdge || used.has(vessel.mmsi)) continue;
        used.add(vessel.mmsi);
        vessels.push(vessel);
        taken += 1;
      }
    }
  }
  return vessels;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;
const roundOpt = (value: number | undefined) => (value === undefined ? undefined : round(value, 2));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
