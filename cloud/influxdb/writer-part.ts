import { InfluxDB, type IPingStats, type IPoint } from 'influx';
import type { IBackoffStrategy } from 'influx/lib/src/backoff/backoff.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { CloudConfig } from '../config.js';
import type { CloudBus, DurableSink } from '../events.js';
import type { CloudMetrics } from '../metrics.js';
import { influxSchemas, positionPoint, staticPoint } from './points.js';

const noBackoff: IBackoffStrategy = { getDelay: () => 0, next: () => noBackoff, reset: () => noBackoff };

export function createInfluxClient(config: CloudConfig['influx']): InfluxDB {
  return new InfluxDB({
    host: config.host,
    port: config.port,
    database: config.database,
    username: config.username,
    password: config.password,
    schema: influxSchemas,
    // Retries are ours (ordered, with backoff, counted): the client must fail fast and never park the host
    // (a parked host fails every request with "No host available" until its own timer runs out).
    pool: { maxRetries: 0, requestTimeout: 15_000, backoff: noBackoff },
  });
}

export interface InfluxWriterOptions {
  influx: InfluxDB;
  database: string;
  batchSize: number;
  flushIntervalMs: number;
  /** Points held in memory at most; the ingest stops handing over more until there is room again. */
  memoryPoints: number;
  bus: CloudBus;
  metrics: CloudMetrics;
  log: Logger;
  /** Backoff bounds between retries of a failed write. */
  retryMinMs?: number;
  retryMaxMs?: number;
}

interface PendingPoint {
  seq: number;
  point: IPoint;
}

/**
 * Writes `positions` and `statics` events to InfluxDB in batches (by size, or by age of the oldest point).
 * One write at a time, in order; a failed write is retried with exponential backoff while new points wait
 * in memory up to `memoryPoints` (beyond that they wait in the journal, see DurableSink).
 */
export class InfluxWriterPart implements Part, DurableSink {
  readonly name = 'influx-writer';
  #queue: PendingPoint[] = [];
  #writing: Promise<void> | undefined;
  #flushTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #retryDelay = 0;
  #databaseReady = false;
  #stopped = true;
  #unsubscribe: Array<() => void> = [];
  /** Whether the last request to InfluxDB succeeded. */
  reachable = false;
  lastError: string | undefined;

  constructor(private readonly options: InfluxWriterOptions) {}

  get pendingPoints(): number {
    return this.#queue.length;
  }

  async start(): Promise<void> {
    const { bus } = this.options;
    this.#stopped = false;
    this.#unsubscribe = [
      bus.on('positions', (event) => this.#enqueue(event.seq, event.positions.map((p) => positionPoint(event.edgeId, p)))),
      bus.on('statics', (event) => this.#enqueue(event.seq, event.statics.map((s) => staticPoint(event.edgeId, s)))),
    ];
    // InfluxDB may well be down when the cloud starts: that is an outage like any other, not a start failure.
    await this.#ensureDatabase().catch((error: Error) => {
      this.options.log.warn({ err: error.message }, 'InfluxDB not reachable at start; points will wait');
    });
    this.#pingTimer = setInterval(() => void this.#pingWhenIdle(), 5000);
    this.#pingTimer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#retryTimer);
    clearInterval(this.#pingTimer);
    this.#flushTimer = this.#retryTimer = undefined;
    await this.#writing;
  }

  oldestPendingSeq(): number | undefined {
    return this.#queue[0]?.seq;
  }

  hasRoom(): boolean {
    return this.#queue.length < this.options.memoryPoints;
  }

  /** Tries to write what waits (one attempt per batch) within `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await this.#writing;
    while (this.#queue.length > 0 && Date.now() < deadline) {
      const ok = await this.#writeNextBatch();
      if (!ok) break;
    }
  }

  #enqueue(seq: number, points: IPoint[]): void {
    for (const point of points) this.#queue.push({ seq, point });
    this.options.metrics.bufferMemoryPoints.set(this.#queue.length);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || this.#writing || this.#retryTimer || this.#queue.length === 0) return;
    if (this.#queue.length >= this.options.batchSize) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
      void this.#writeNextBatch();
    } else {
      this.#flushTimer ??= setTimeout(() => {
        this.#flushTimer = undefined;
        void this.#writeNextBatch();
      }, this.options.flushIntervalMs);
    }
  }

  /** One write attempt of the oldest batch; true when it left the queue (written, or rejected for good). */
  #writeNextBatch(): Promise<boolean> {
    if (this.#writing) return this.#writing.then(() => false);
    let ok = false;
    this.#writing = this.#write().then((result) => {
      ok = result;
    });
    return this.#writing.then(() => {
      this.#writing = undefined;
      this.options.metrics.bufferMemoryPoints.set(this.#queue.length);
      if (ok) {
        this.options.bus.emit('sinkProgress', { sink: this.name });
        this.#schedule();
      } else if (!this.#stopped) {
        this.#retryLater();
      }
      return ok;
    });
  }

  async #write(): Promise<boolean> {
    const { influx, metrics, log, batchSize } = this.options;
    const count = Math.min(batchSize, this.#queue.length);
    if (count === 0) return true;
    const batch = this.#queue.slice(0, count);
    try {
      await this.#ensureDatabase();
      await influx.writePoints(
        batch.map((entry) => entry.point),
        { precision: 'ms', database: this.options.database },
      );
    } catch (error) {
      metrics.writeErrors.inc();
      const status = (error as { res?: { statusCode?: number } }).res?.statusCode;
      if (status === 404) this.#databaseReady = false;
      if (status === 400) {
        // InfluxDB refused the points themselves (e.g. a field type conflict): retrying cannot succeed.
        log.error({ err: (error as Error).message, points: count }, 'InfluxDB rejected a batch; dropped');
        this.#queue.splice(0, count);
        return true;
      }
      this.#markUnreachable(error as Error, count);
      return false;
    }
    this.#queue.splice(0, count);
    for (const entry of batch) metrics.pointsWritten.inc({ measurement: entry.point.measurement }, 1);
    if (!this.reachable) log.info({ pending: this.#queue.length }, 'InfluxDB writes succeed again');
    this.reachable = true;
    this.lastError = undefined;
    this.#retryDelay = 0;
    metrics.influxUp.set(1);
    return true;
  }

  #retryLater(): void {
    const min = this.options.retryMinMs ?? 100;
    const max = this.options.retryMaxMs ?? 5000;
    this.#retryDelay = Math.min(max, Math.max(min, this.#retryDelay * 2));
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (this.#queue.length > 0) void this.#writeNextBatch();
    }, this.#retryDelay);
  }

  #markUnreachable(error: Error, points: number): void {
    if (this.reachable || this.lastError === undefined) {
      this.options.log.warn({ err: error.message, points, pending: this.#queue.length }, 'InfluxDB write failed; retrying with backoff');
    }
    this.reachable = false;
    this.lastError = error.message;
    this.options.metrics.influxUp.set(0);
  }

  async #ensureDatabase(): Promise<void> {
    if (this.#databaseReady) return;
    await this.options.influx.createDatabase(this.options.database);
    this.#databaseReady = true;
    this.reachable = true;
    this.options.metrics.influxUp.set(1);
  }

  async #pingWhenIdle(): Promise<void> {
    if (this.#writing || this.#queue.length > 0) return;
    const hosts = await this.options.influx.ping(2000).catch((): IPingStats[] => []);
    const online = hosts.some((host) => host.online);
    if (online !== this.reachable) this.options.log.info({ online }, 'InfluxDB reachability changed');
    this.reachable = online;
    this.options.metrics.influxUp.set(online ? 1 : 0);
  }
}
