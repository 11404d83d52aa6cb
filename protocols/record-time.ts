/**
 * Whether a record's time (a position's or a static report's `ts`) can be stored and shown as "now". Edge and
 * cloud apply the same rule, each against its own clock.
 */

/** The latest instant InfluxDB can store: int64 nanoseconds end at 2262-04-11T23:47:16.854Z. */
export const INFLUX_MAX_TIME_MS = 9_223_372_036_854;

/**
 * Default tolerance for a time ahead of the clock that judges it. Edges stamp positions with the receiver's
 * tag-block time or their own clock; NTP keeps those within a second, an edge without NTP (no RTC battery,
 * no uplink for days) drifts by minutes. Five minutes tolerates such drift, and bounds the harm of a time
 * that is ahead but accepted: it is the vessel's "newest" position, hiding the real ones that follow, for at
 * most five minutes, and it delays signal loss (first step 6 h) by as much. A receiver's clock in 2100 would
 * freeze the vessel and silence signal loss for good.
 */
export const DEFAULT_MAX_FUTURE_SKEW_S = 300;

export type RecordTimeProblem = 'future_time' | 'time_out_of_range';

/** Why `ts` is refused when judged at `nowMs`, or undefined when it is fine. */
export function recordTimeProblem(
  ts: number,
  nowMs: number,
  maxFutureSkewMs: number,
): RecordTimeProblem | undefined {
  if (!(ts <= INFLUX_MAX_TIME_MS)) return 'time_out_of_range';
  if (ts > nowMs + maxFutureSkewMs) return 'future_time';
  return undefined;
}
