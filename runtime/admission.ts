/** Thrown by `Admission.run` when the work is refused: as many run and wait as allowed. */
export class AdmissionRefused extends Error {
  constructor(what: string) {
    super(`too many ${what} at once`);
    this.name = 'AdmissionRefused';
  }
}

/**
 * At most `concurrency` tasks run at once and at most `queue` wait for a turn; anything beyond is refused at once
 * (never queued), so unbounded demand cannot pile work up in front of anything else.
 */
export class Admission {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(
    private readonly what: string,
    private readonly concurrency: number,
    private readonly queue: number,
  ) {}

  get running(): number {
    return this.#running;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.concurrency) {
      if (this.#waiting.length >= this.queue) throw new AdmissionRefused(this.what);
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next)
        next(); // the slot passes on to the next in line
      else this.#running -= 1;
    }
  }
}
