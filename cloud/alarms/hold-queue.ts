/**
 * A bounded first-in first-out queue for work that must wait (e.g. alarm raises until the alarm store is rebuilt
 * from InfluxDB). When full, `push` evicts and returns the oldest item: the caller decides what that means
 * (apply it now, drop it) and counts it. `shift` is O(1) amortised, so a full queue of 100,000 items stays cheap.
 */
export class HoldQueue<T> {
  #items: T[] = [];
  #head = 0;
  #held = 0;
  #evicted = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`HoldQueue max must be a positive integer, got ${max}`);
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Items pushed since creation (held at some point). */
  get held(): number {
    return this.#held;
  }

  /** Items evicted because the queue was full. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Adds at the end; when that exceeds `max`, removes and returns the oldest item. */
  push(item: T): T | undefined {
    this.#items.push(item);
    this.#held++;
    if (this.size <= this.max) return undefined;
    this.#evicted++;
    return this.#shift();
  }

  /** Everything held, oldest first; the queue is empty afterwards. */
  drain(): T[] {
    const out = this.#head === 0 ? this.#items : this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return out;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i]!;
  }

  #shift(): T {
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = undefined as T;
    this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
