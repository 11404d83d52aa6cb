import type { Logger } from './logger.js';

/** An independent piece of a service: started in order by the service core, stopped in reverse. */
export interface Part {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The small core of every service: it owns the parts, starts them in the order given and stops the
 * started ones in reverse, even when a start fails half way.
 */
export class ServiceCore {
  readonly #parts: Part[] = [];
  readonly #started: Part[] = [];

  constructor(
    readonly name: string,
    private readonly log: Logger,
  ) {}

  add<P extends Part>(part: P): P {
    this.#parts.push(part);
    return part;
  }

  async start(): Promise<void> {
    for (const part of this.#parts) {
      const t0 = Date.now();
      try {
        await part.start();
      } catch (error) {
        this.log.error({ part: part.name, err: error }, 'part failed to start; stopping the others');
        await this.stop();
        throw error;
      }
      this.#started.push(part);
      this.log.debug({ part: part.name, ms: Date.now() - t0 }, 'part started');
    }
    this.log.info({ service: this.name, parts: this.#parts.map((p) => p.name) }, 'service started');
  }

  async stop(): Promise<void> {
    while (this.#started.length > 0) {
      const part = this.#started.pop()!;
      try {
        await part.stop();
      } catch (error) {
        this.log.error({ part: part.name, err: error }, 'part failed to stop cleanly');
      }
    }
  }
}
