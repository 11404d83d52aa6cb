const MIN_MS = 0.01;
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = Math.ceil(Math.log(600_000 / MIN_MS) / LOG_GROWTH) + 1;

/**
 * PUBACK latencies in logarithmic buckets 2 % wide (10 µs to 10 min): constant memory for any number of
 * samples, quantiles within 2 %.
 */
export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  count = 0;
  max = 0;

  record(ms: number): void {
    const index = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
    this.#counts[index]! += 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }

  /** The q-quantile (0..1) in ms (upper edge of its bucket, at most the largest sample); undefined without samples. */
  quantile(q: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.#counts[index]!;
      if (seen >= rank) return Math.min(this.max, MIN_MS * GROWTH ** index);
    }
    return this.max;
  }

  reset(): void {
    this.#counts.fill(0);
    this.count = 0;
    this.max = 0;
  }
}
