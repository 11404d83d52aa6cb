import type { Logger } from './logger.js';

/** Longest text (a topic, a payload excerpt, an error) one log field carries. */
export const LOG_TEXT_MAX = 200;

/** `text` cut to `max` characters, saying how much was left out: a 65,000-character topic logs as 200. */
export function clipForLog(text: string, max = LOG_TEXT_MAX): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

type Level = 'warn' | 'error';

interface Burst {
  level: Level;
  message: string;
  last: Record<string, unknown>;
  repeated: number;
  timer: NodeJS.Timeout;
}

export interface BurstLogOptions {
  /** A burst: the first event and every event with the same key during this long after it (default 10 s). */
  windowMs?: number;
  /** Keys followed at once; beyond it new keys share one burst (an attacker choosing keys gains nothing). */
  maxKeys?: number;
}

const OVERFLOW_KEY = '(more keys)';

/**
 * Logs a flood of the same event (bad input, refused logins, failing listeners) as two lines, not one per event:
 * the first as it happens, then, when the burst window ends, one line with how many more there were and the last
 * one's details.
 */
export class BurstLog {
  readonly #bursts = new Map<string, Burst>();
  readonly #maxKeys: number;
  readonly #windowMs: number;

  constructor(
    private readonly log: Logger,
    options: BurstLogOptions = {},
  ) {
    this.#maxKeys = options.maxKeys ?? 1000;
    this.#windowMs = options.windowMs ?? 10_000;
  }

  warn(key: string, details: Record<string, unknown>, message: string): void {
    this.#event('warn', key, details, message);
  }

  error(key: string, details: Record<string, unknown>, message: string): void {
    this.#event('error', key, details, message);
  }

  #event(level: Level, key: string, details: Record<string, unknown>, message: string): void {
    const burstKey = this.#bursts.has(key) || this.#bursts.size < this.#maxKeys ? key : OVERFLOW_KEY;
    const burst = this.#bursts.get(burstKey);
    if (burst) {
      burst.repeated += 1;
      burst.last = details;
      return;
    }
    this.log[level](details, message);
    const timer = setTimeout(() => this.#end(burstKey), this.#windowMs);
    timer.unref();
    this.#bursts.set(burstKey, { level, message, last: details, repeated: 0, timer });
  }

  /** Ends every burst now (their summary lines are written): at stop. */
  flush(): void {
    for (const key of [...this.#bursts.keys()]) this.#end(key);
  }

  #end(key: string): void {
    const burst = this.#bursts.get(key);
    if (!burst) return;
    clearTimeout(burst.timer);
    this.#bursts.delete(key);
    if (burst.repeated === 0) return;
    const windowS = Math.round(this.#windowMs / 1000);
    this.log[burst.level](
      { ...burst.last, repeated: burst.repeated, windowS },
      `${burst.message} (and ${burst.repeated} more like it within ${windowS} s)`,
    );
  }
}
