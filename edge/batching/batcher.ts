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
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#items.length === 0) return;
    const items = this.#items;
    this.#items = [];
    this.flushTo(items);
  }
}
