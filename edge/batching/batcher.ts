/** Collects items and hands them over when `maxItems` are waiting or the oldest has waited `maxDelayMs`. */
export class Batcher<T> {
  #items: T[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly maxItems: number,
    private readonly maxDelayMs: number,
    private readonly flushTo: (items: T[]) => void,
  ) {}

  get waiting(): number {
    return this.#items.length;
  }

  add(item: T): void {
    this.#items.push(item);
    if (this.#items.length >= this.maxItems) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), this.maxDelayMs);
  }

  flush(): void {
    const items = this.take();
    if (items.length > 0) this.flushTo(items);
  }

  /** The waiting items, handed to the caller instead of `flushTo`. */
  take(): T[] {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const items = this.#items;
    this.#items = [];
    return items;
  }
}
