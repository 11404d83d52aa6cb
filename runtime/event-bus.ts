import type { Logger } from './logger.js';
import type { Counter } from './metrics.js';
import { BurstLog } from './log-limits.js';

/** A listener's result is ignored, except a promise (an async listener): its rejection is handled like a throw. */
export type Listener<Payload> = (payload: Payload) => unknown;

/** Told about every error a listener threw (or rejected with), with the event's name. */
export type ListenerErrorHandler = (event: string, error: unknown) => void;

/**
 * A typed event bus: parts talk through it instead of holding references to each other.
 *
 * A listener's error never reaches the emitter nor stops the other listeners: it goes to `onListenerError`
 * (counted and logged, see `countAndLogListenerErrors`). So nothing that must fail loudly (a journal append
 * before a PUBACK, an outbox write) may rely on the bus to carry its error: such paths are explicit calls.
 */
export class EventBus<Events extends { [K in keyof Events]: unknown }> {
  readonly #listeners = new Map<keyof Events, Array<{ listener: Listener<never> }>>();

  constructor(private readonly onListenerError: ListenerErrorHandler) {}

  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void {
    const entry = { listener: listener as Listener<never> };
    const entries = this.#listeners.get(event) ?? [];
    this.#listeners.set(event, [...entries, entry]);
    return () =>
      this.#listeners.set(
        event,
        (this.#listeners.get(event) ?? []).filter((e) => e !== entry),
      );
  }

  emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    // Listeners added or removed by a listener take effect from the next emit (as with EventEmitter).
    for (const { listener } of this.#listeners.get(event) ?? [])
      this.#call(event, listener as Listener<Events[K]>, payload);
  }

  #call<P>(event: string, listener: Listener<P>, payload: P): void {
    try {
      const result = listener(payload);
      if (result instanceof Promise) result.catch((error: unknown) => this.onListenerError(event, error));
    } catch (error) {
      this.onListenerError(event, error);
    }
  }
}

/** Counts each listener error in `counter{event}` and logs it at `error`, once per burst (10 s) per event. */
export function countAndLogListenerErrors(counter: Counter<'event'>, log: Logger): ListenerErrorHandler {
  const limited = new BurstLog(log);
  return (event, error) => {
    counter.inc({ event });
    limited.error(
      event,
      { event, err: error },
      'bus listener failed; the emitter and the other listeners went on',
    );
  };
}
