/** One MQTT message an edge wants to deliver (QoS 1). */
export interface OutgoingMessage {
  kind: 'positions' | 'alert';
  topic: string;
  payload: Buffer;
  /** Positions it carries (0 for an alert). */
  positions: number;
}

/**
 * An edge's in-memory store while its link is down: first in, first out, at most `maxMessages`. Beyond the bound
 * the oldest position batch is dropped and counted (as the real edge's outbox drops the oldest telemetry);
 * alerts are never dropped, so a queue of alerts only may exceed the bound.
 */
export class SendQueue<T extends OutgoingMessage = OutgoingMessage> {
  #items: T[] = [];
  #head = 0;
  #bytes = 0;
  #positions = 0;
  readonly dropped = { messages: 0, positions: 0 };

  constructor(readonly maxMessages: number) {}

  get length(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Positions in the queued messages. */
  get positions(): number {
    return this.#positions;
  }

  /** Appends; returns the messages dropped to stay within the bound (oldest position batches). */
  push(message: T): T[] {
    this.#items.push(message);
    this.#bytes += message.payload.length;
    this.#positions += message.positions;
    const dropped: T[] = [];
    while (this.length > this.maxMessages) {
      const index = this.#items.findIndex((item, i) => i >= this.#head && item.kind === 'positions');
      if (index < 0) break;
      const [removed] = this.#items.splice(index, 1);
      this.#bytes -= removed!.payload.length;
      this.#positions -= removed!.positions;
      this.dropped.messages += 1;
      this.dropped.positions += removed!.positions;
      dropped.push(removed!);
    }
    return dropped;
  }

  /** Puts messages back in front, in their order (published, then the link went down before the PUBACK). */
  requeue(messages: readonly T[]): void {
    if (messages.length === 0) return;
    this.#items = [...messages, ...this.#items.slice(this.#head)];
    this.#head = 0;
    for (const message of messages) {
      this.#bytes += message.payload.length;
      this.#positions += message.positions;
    }
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const message = this.#items[this.#head]!;
    this.#items[this.#head] = undefined as unknown as T;
    this.#head += 1;
    this.#bytes -= message.payload.length;
    this.#positions -= message.positions;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return message;
  }
}
