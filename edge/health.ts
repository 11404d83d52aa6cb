import type { EdgeHealth } from '../protocols/mqtt/payloads.js';
import { topics } from '../protocols/mqtt/topics.js';
import type { Logger } from '../runtime/logger.js';
import type { Part } from '../runtime/service.js';

export interface HealthPublisherDeps {
  edgeId: string;
  intervalS: number;
  snapshot: () => EdgeHealth;
  /** Publishes outside the outbox; false when the link is down (health is not stored: it would be stale). */
  publish: (topic: string, payload: string) => Promise<boolean>;
  log: Logger;
}

/** Publishes the edge's `EdgeHealth` every `intervalS` while connected. */
export class HealthPublisher implements Part {
  readonly name = 'health';
  #timer: NodeJS.Timeout | undefined;
  published = 0;
  skipped = 0;

  constructor(private readonly deps: HealthPublisherDeps) {}

  async start(): Promise<void> {
    this.#timer = setInterval(() => void this.publishNow(), this.deps.intervalS * 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
  }

  async publishNow(): Promise<boolean> {
    const ok = await this.deps
      .publish(
        topics.edgeHealth(this.deps.edgeId),
        JSON.stringify({ ...this.deps.snapshot(), intervalS: this.deps.intervalS }),
      )
      .catch((error: unknown) => {
        this.deps.log.warn({ err: error }, 'health publish failed');
        return false;
      });
    if (ok) this.published += 1;
    else this.skipped += 1;
    return ok;
  }
}
