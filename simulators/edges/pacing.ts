import type { Random } from '../fleet/random.js';

/**
 * Spreads `ratePerS` events evenly over time from `startMs`, up to `limit` in all: `due(now)` says how many
 * became due since the previous call. Time comes from the caller, so tests drive it with a fake clock. After
 * a stall (a busy event loop) the missed events are due at once, as a real edge would catch up.
 */
export class Pacer {
  #issued = 0;

  constructor(
    readonly ratePerS: number,
    readonly startMs: number,
    readonly limit = Infinity,
  ) {}

  due(nowMs: number): number {
    if (this.ratePerS <= 0 || nowMs < this.startMs) return 0;
    const total = Math.min(this.limit, Math.floor(((nowMs - this.startMs) / 1000) * this.ratePerS));
    const due = total - this.#issued;
    if (due <= 0) return 0; // nothing new, or the clock went back
    this.#issued = total;
    return due;
  }

  get issued(): number {
    return this.#issued;
  }

  /** True once `limit` events were issued (never without a limit). */
  get finished(): boolean {
    return this.#issued >= this.limit;
  }
}

/**
 * Delay to the next event of a Poisson process with `ratePerHour` events per hour (exponential gaps), in ms;
 * Infinity when the rate is 0. Drops and fire alerts come at random, not on a grid.
 */
export function poissonDelayMs(random: Random, ratePerHour: number): number {
  if (ratePerHour <= 0) return Infinity;
  return (-Math.log(1 - random.next()) / ratePerHour) * 3_600_000;
}

/** When edge `index` of `count` starts: evenly over `rampUpMs` (the first at once). */
export function rampOffsetMs(index: number, count: number, rampUpMs: number): number {
  return count <= 1 ? 0 : Math.floor((index * rampUpMs) / count);
}
