import { afterAll } from 'vitest';

type Stop = () => Promise<unknown> | unknown;

/**
 * What a test file started, stopped after its tests in reverse order of start, also when `beforeAll` failed
 * halfway: a resource is registered the moment it exists (not when the whole setup has finished), a start still
 * in flight when the setup fails is waited for and then stopped, and one failing stop does not skip the others.
 */
export class TestScope {
  readonly #stops: Stop[] = [];
  readonly #pending = new Set<Promise<unknown>>();

  /** Registers `stop` for something already started. */
  defer(stop: Stop): void {
    this.#stops.push(stop);
  }

  /** Awaits `starting` and registers `stop` for what it gives, even if the caller has stopped waiting. */
  async use<T>(starting: Promise<T>, stop: (resource: T) => Promise<unknown> | unknown): Promise<T> {
    const registered = starting.then((resource) => {
      this.defer(() => stop(resource));
      return resource;
    });
    this.#pending.add(registered);
    try {
      return await registered;
    } finally {
      this.#pending.delete(registered);
    }
  }

  /** Stops everything (newest first); throws one error naming every stop that failed. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    const failures: unknown[] = [];
    while (this.#stops.length > 0) {
      const stop = this.#stops.pop()!;
      try {
        await stop();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0)
      throw new AggregateError(
        failures,
        `${failures.length} cleanup step(s) failed: ${failures.map(String).join('; ')}`,
      );
  }
}

/** A scope closed by the calling test file's `afterAll`. */
export function scopeForFile(): TestScope {
  const scope = new TestScope();
  afterAll(() => scope.close());
  return scope;
}
