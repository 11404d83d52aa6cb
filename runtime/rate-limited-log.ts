import type { Logger } from './logger.js';

/**
 * Logs at most once per interval per key, with how many were not logged in between: a flood of bad input or
 * failing listeners must not become a flood of log lines.
 */
export class RateLimitedLog {
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    this.#write('warn', key, fields, message);
  }

  error(key: string, fields: Record<string, unknown>, message: string): void {
    this.#write('error', key, fields, message);
  }

  #write(level: 'warn' | 'error', key: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const state = this.#last.get(key);
    if (state && now - state.at < this.intervalMs) {
      state.suppressed += 1;
      return;
    }
    this.log[level]({ ...fields, suppressedSinceLast: state?.suppressed ?? 0 }, message);
    this.#last.set(key, { at: now, suppressed: 0 });
  }
}
