/** Where simulated time comes from. */
export interface Clock {
  now(): number;
}

/** Real time, optionally sped up: `timeScale` 60 makes a simulated minute pass every real second. */
export class WallClock implements Clock {
  readonly #realStart = Date.now();

  constructor(
    private readonly timeScale = 1,
    private readonly startMs = Date.now(),
  ) {}

  now(): number {
    return Math.floor(this.startMs + (Date.now() - this.#realStart) * this.timeScale);
  }
}

/** Simulated time that moves only when told to: for scripted scenarios and tests. */
export class SimClock implements Clock {
  #now: number;

  constructor(startMs: number) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): number {
    if (ms < 0) throw new Error('SimClock cannot go backwards');
    this.#now += ms;
    return this.#now;
  }

  set(timeMs: number): void {
    if (timeMs < this.#now) throw new Error('SimClock cannot go backwards');
    this.#now = timeMs;
  }
}
