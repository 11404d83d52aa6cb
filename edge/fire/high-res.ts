/**
 * The alert snapshot's picture: ffmpeg's second output of each camera reader, binary PPM images (P6) at
 * snapshot resolution, one per analysed frame, on a Unix socket. Only the newest image is kept (two buffers
 * that take turns: one being filled, one complete); an alert copies it out.
 */
import type { RgbImage } from './tensor.js';

const MAX_HEADER_BYTES = 64;
const HEADER = /^P6\s+(\d{1,5})\s+(\d{1,5})\s+(\d{1,5})\s/;

/**
 * Splits a byte stream of binary PPM images (P6, maxval below 256, as ffmpeg's `ppm` encoder writes them) into
 * RGB images. The image handed to `onImage` stays valid until the next one is handed over (its buffer is then
 * reused), so a consumer that keeps it longer copies it.
 */
export class PpmStreamParser {
  #header = '';
  #buffers: [Uint8Array | undefined, Uint8Array | undefined] = [undefined, undefined];
  #current = 0;
  #filled = 0;
  #width = 0;
  #height = 0;
  #failed = false;

  constructor(
    private readonly onImage: (image: RgbImage) => void,
    private readonly onError: (message: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.#failed) {
      if (this.#width === 0) at = this.#readHeader(chunk, at);
      else at = this.#readPixels(chunk, at);
    }
  }

  #readHeader(chunk: Buffer, at: number): number {
    const room = MAX_HEADER_BYTES - this.#header.length;
    const take = Math.min(room, chunk.length - at);
    const text = this.#header + chunk.toString('latin1', at, at + take);
    const match = HEADER.exec(text);
    if (!match) {
      if (text.length >= MAX_HEADER_BYTES || (text.length >= 2 && !text.startsWith('P6'))) {
        this.#failed = true;
        this.onError(`not a binary PPM image stream (starts with ${JSON.stringify(text.slice(0, 16))})`);
        return chunk.length;
      }
      this.#header = text;
      return at + take;
    }
    const [width, height, maxval] = [Number(match[1]), Number(match[2]), Number(match[3])];
    if (width < 1 || height < 1 || maxval < 1 || maxval > 255) {
      this.#failed = true;
      this.onError(
        `PPM header ${JSON.stringify(match[0].trim())}: need width, height >= 1 and maxval 1..255`,
      );
      return chunk.length;
    }
    const used = match[0].length - this.#header.length;
    this.#header = '';
    this.#width = width;
    this.#height = height;
    this.#filled = 0;
    const bytes = width * height * 3;
    const buffer = this.#buffers[this.#current];
    if (!buffer || buffer.length !== bytes) this.#buffers[this.#current] = new Uint8Array(bytes);
    return at + used;
  }

  #readPixels(chunk: Buffer, at: number): number {
    const buffer = this.#buffers[this.#current]!;
    const take = Math.min(buffer.length - this.#filled, chunk.length - at);
    buffer.set(chunk.subarray(at, at + take), this.#filled);
    this.#filled += take;
    if (this.#filled === buffer.length) {
      const image = { data: buffer, width: this.#width, height: this.#height };
      this.#width = this.#height = 0;
      this.#current = 1 - this.#current;
      this.onImage(image);
    }
    return at + take;
  }
}

export interface HighResFrame {
  /** A copy: the caller may draw on it. */
  image: RgbImage;
  /** Index of the reader's frame it shows (equal to the wanted one, or newer). */
  index: number;
}

/**
 * The newest snapshot-resolution frame of one reader, numbered like the reader's analysed frames (both come from
 * the same `split` in ffmpeg, so the n-th of each is the same picture).
 */
export class LatestFrame {
  #latest: { image: RgbImage; index: number } | undefined;
  #count = 0;
  #closed = false;
  #waiters: Array<{
    index: number;
    resolve: (frame: HighResFrame | undefined) => void;
    timer: NodeJS.Timeout;
  }> = [];

  /** Frames received so far. */
  get count(): number {
    return this.#count;
  }

  /** The next frame (valid until the following `put`, see PpmStreamParser). */
  put(image: RgbImage): void {
    if (this.#closed) return;
    const latest = { image, index: this.#count++ };
    this.#latest = latest;
    const ready = this.#waiters.filter((w) => w.index <= latest.index);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => w.index > latest.index);
    for (const waiter of ready) {
      clearTimeout(waiter.timer);
      waiter.resolve(copyOf(latest));
    }
  }

  /**
   * Frame `index`, or the first newer one: copied at once when it is already here (so later frames cannot replace
   * it), else when it arrives within `waitMs`; undefined when it does not (or the reader is gone).
   */
  take(index: number, waitMs: number): Promise<HighResFrame | undefined> {
    const latest = this.#latest;
    if (latest && latest.index >= index) return Promise.resolve(copyOf(latest));
    if (this.#closed || waitMs <= 0) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = {
        index,
        resolve,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          resolve(undefined);
        }, waitMs),
      };
      waiter.timer.unref();
      this.#waiters.push(waiter);
    });
  }

  /** No more frames: waiters get undefined; the last frame can still be taken. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(undefined);
    }
  }
}

function copyOf(frame: { image: RgbImage; index: number }): HighResFrame {
  const { data, width, height } = frame.image;
  return { image: { data: new Uint8Array(data), width, height }, index: frame.index };
}
