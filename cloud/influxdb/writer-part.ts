import { InfluxDB, type IPingStats, type IPoint } from 'influx';
import type { IBackoffStrategy } from 'influx/lib/src/backoff/backoff.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { CloudConfig } from '../config.js';
import type { CloudBus, DurableSink } from '../events.js';
import type { CloudMetrics } from '../metrics.js';
import { influxSchemas, positionPoint, staticPoint } from './points.js';
import { setUpRetention, type RetentionSettings } from './retention.js';

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
  /** Writes in flight at once (default 2). */
  concurrency?: number;
  /** Backoff bounds between retries of a failed write. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Retention policies and downsampling set up with the database (retention.ts); absent = left as they are. */
  retention?: RetentionSettings;
}

interface PendingPoint {
  seq: number;
  point: IPoint;
}

type Batch = PendingPoint[];

/**
 * Writes `positions` and `statics` events to InfluxDB in batches (by size, or by age of the oldest point).
 * Up to `concurrency` writes run at once, so that converting the next batch overlaps InfluxDB storing the
 * previous one. A failed write is retried with exponential backoff (nothing new starts meanwhile; failed batches
 * go back to the head of the queue in their original order) while new points wait in memory up to
 * `memoryPoints` (beyond that they wait in the journal, see DurableSink).
 */
export class InfluxWriterPart implements Part, DurableSink {
  readonly name = 'influx-writer';
  #queue: Batch = [];
  readonly #inflight = new Map<Batch, Promise<boolean>>();
  #failed: Batch[] = [];
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
    let count = this.#queue.length;
    for (const batch of this.#inflight.keys()) count += batch.length;
    for (const batch of this.#failed) count += batch.length;
    return count;
  }

  async start(): Promise<void> {
    const { bus } = this.options;
    this.#stopped = false;
    this.#unsubscribe = [
      bus.on('positions', (event) =>
        this.#enqueue(
          event.seq,
          event.positions.map((p) => positionPoint(event.edgeId, p)),
        ),
      ),
      bus.on('statics', (event) =>
        this.#enqueue(
          event.seq,
          event.statics.map((s) => staticPoint(event.edgeId, s)),
        ),
      ),
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
    await Promise.all(this.#inflight.values());
  }

  oldestPendingSeq(): number | undefined {
    let oldest = this.#queue[0]?.seq;
    for (const batch of [...this.#inflight.keys(), ...this.#failed]) {
      const seq = batch[0]?.seq;
      if (seq !== undefined && (oldest === undefined || seq < oldest)) oldest = seq;
    }
    return oldest;
  }

  hasRoom(): boolean {
    return this.pendingPoints < this.options.memoryPoints;
  }

  /** Tries to write what waits (one attempt per batch) within `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await Promise.all(this.#inflight.values());
      this.#requeueFailed();
      if (this.#queue.length === 0) return;
      if (!(await this.#startWrite())) return;
    }
  }

  #enqueue(seq: number, points: IPoint[]): void {
    for (const point of points) this.#queue.push({ seq, point });
    this.options.metrics.bufferMemoryPoints.set(this.pendingPoints);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || this.#retryTimer || this.#failed.length > 0) return;
    const concurrency = this.options.concurrency ?? 2;
    while (this.#inflight.size < concurrency && this.#queue.length >= this.options.batchSize)
      void this.#startWrite();
    if (this.#queue.length > 0 && this.#inflight.size < concurrency) {
      this.#flushTimer ??= setTimeout(() => {
        this.#flushTimer = undefined;
        if (this.#inflight.size < concurrency && !this.#retryTimer && this.#failed.length === 0)
          void this.#startWrite();
      }, this.options.flushIntervalMs);
    }
  }

  /** Takes the oldest batch off the queue and writes it; resolves true when it left memory. */
  #startWrite(): Promise<boolean> {
    const batch = this.#queue.splice(0, Math.min(this.options.batchSize, this.#queue.length));
    if (batch.length === 0) return Promise.resolve(true);
    if (this.#queue.length === 0) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
    }
    const done = this.#write(batch).then((ok) => {
      this.#inflight.delete(batch);
      if (ok) {
        this.options.bus.emit('sinkProgress', { sink: this.name });
      } else {
        this.#failed.push(batch);
      }
      if (this.#inflight.size === 0 && this.#failed.length > 0) {
        this.#requeueFailed();
        if (!this.#stopped) this.#retryLater();
      }
      this.options.metrics.bufferMemoryPoints.set(this.pendingPoints);
      this.#schedule();
      return ok;
    });
    this.#inflight.set(batch, done);
    return done;
  }

  /** Failed batches go back to the head of the queue, oldest first. */
  #requeueFailed(): void {
    if (this.#failed.length === 0) return;
    const failed = this.#failed.sort((a, b) => a[0]!.seq - b[0]!.seq).flat();
    this.#failed = [];
    this.#queue = failed.concat(this.#queue);
  }

  async #write(batch: Batch): Promise<boolean> {
    const { influx, metrics, log } = this.options;
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
        log.error(
          { err: (error as Error).message, points: batch.length },
          'InfluxDB rejected a batch; dropped',
        );
        return true;
      }
      this.#markUnreachable(error as Error, batch.length);
      return false;
    }
    const perMeasurement = new Map<string, number>();
    for (const { point } of batch)
      perMeasurement.set(point.measurement!, (perMeasurement.get(point.measurement!) ?? 0) + 1);
    for (const [measurement, count] of perMeasurement) metrics.pointsWritten.inc({ measurement }, count);
    if (!this.reachable) log.info({ pending: this.pendingPoints }, 'InfluxDB writes succeed again');
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
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      // One probe write; when it succeeds, #schedule starts the others.
      if (!this.#stopped && this.#queue.length > 0) void this.#startWrite();
    }, this.#retryDelay);
  }

  #markUnreachable(error: Error, points: number): void {
    if (this.reachable || this.lastError === undefined) {
      this.options.log.warn(
        { err: error.message, points, pending: this.#queue.length },
        'InfluxDB write failed; retrying with backoff',
      );
    }
    this.reachable = false;
    this.lastError = error.message;
    this.options.metrics.influxUp.set(0);
  }

  async #ensureDatabase(): Promise<void> {
    if (this.#databaseReady) return;
    await this.options.influx.createDatabase(this.options.database);
    const { retention } = this.options;
    if (retention) {
      // A login without admin rights cannot set policies: that costs disk, not data, so writes go on.
      await setUpRetention(this.options.influx, this.options.database, retention).catch((error: Error) =>
        this.options.log.warn(
          { err: error.message, retention },
          'could not set InfluxDB retention policies; data is kept as the database says',
        ),
      );
    }
    this.#databaseReady = true;
    this.reachable = true;
    this.options.metrics.influxUp.set(1);
  }

  async #pingWhenIdle(): Promise<void> {
    if (this.pendingPoints > 0) return;
    const hosts = await this.options.influx.ping(2000).catch((): IPingStats[] => []);
    const online = hosts.some((host) => host.online);
    if (online !== this.reachable) this.options.log.info({ online }, 'InfluxDB reachability changed');
    this.reachable = online;
    this.options.metrics.influxUp.set(online ? 1 : 0);
  }
}
