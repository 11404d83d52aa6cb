/** Receives one line: bytes[start, end), without its `\n` (or `\r\n`). */
export type LineHandler = (bytes: Buffer, start: number, end: number) => void;

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

/**
 * Splits a byte stream into lines by scanning for `\n` in each chunk (no string per chunk, no regex). A line
 * cut by a chunk boundary is kept as its pieces and joined once when its end arrives, so a very long line
 * costs linear time; a final line without a newline comes out of `end()`.
 */
export class LineSplitter {
  #pieces: Buffer[] = [];

  push(chunk: Buffer, line: LineHandler): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);
    if (newline >= 0 && this.#pieces.length > 0) {
      this.#pieces.push(chunk.subarray(0, newline));
      emit(Buffer.concat(this.#pieces), 0, line);
      this.#pieces = [];
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    while (newline >= 0) {
      emit(chunk, start, line, newline);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.#pieces.push(chunk.subarray(start));
  }

  /** The last line, when the input did not end with a newline. */
  end(line: LineHandler): void {
    if (this.#pieces.length === 0) return;
    const last = Buffer.concat(this.#pieces);
    this.#pieces = [];
    emit(last, 0, line);
  }
}

function emit(bytes: Buffer, start: number, line: LineHandler, end = bytes.length): void {
  line(bytes, start, end > start && bytes[end - 1] === CARRIAGE_RETURN ? end - 1 : end);
}
