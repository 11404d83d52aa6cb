export type LineRejectReason = 'line_too_long' | 'not_text';

export interface LineFramerHandlers {
  line(line: string): void;
  reject(reason: LineRejectReason, detail: string): void;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Cuts a byte stream into text lines: `\n` or `\r\n` ends a line, a line may span any number of chunks,
 * a line longer than `maxLineBytes` is discarded up to its newline (and reported once), a line with bytes
 * outside printable ASCII is reported instead of passed on. Blank lines are skipped.
 */
export class LineFramer {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #discarding = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly handlers: LineFramerHandlers,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      this.#append(chunk.subarray(start, end));
      if (newline === -1) return;
      this.#finishLine();
      start = newline + 1;
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    this.#finishLine();
  }

  #append(piece: Buffer): void {
    if (this.#discarding || piece.length === 0) return;
    if (this.#pendingBytes + piece.length > this.maxLineBytes + 1) {
      // +1 leaves room for the `\r` of a CRLF line of exactly maxLineBytes.
      this.handlers.reject('line_too_long', `line longer than ${this.maxLineBytes} bytes discarded`);
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#discarding = true;
      return;
    }
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
  }

  #finishLine(): void {
    if (this.#discarding) {
      this.#discarding = false;
      return;
    }
    if (this.#pendingBytes === 0) return;
    let bytes =
      this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, -1);
    if (bytes.length > this.maxLineBytes) {
      this.handlers.reject('line_too_long', `line longer than ${this.maxLineBytes} bytes discarded`);
      return;
    }
    const bad = firstNonText(bytes);
    if (bad !== -1) {
      this.handlers.reject(
        'not_text',
        `byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at column ${bad + 1}`,
      );
      return;
    }
    const line = bytes.toString('latin1').trim();
    if (line.length > 0) this.handlers.line(line);
  }
}

function firstNonText(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if ((b < 0x20 && b !== 0x09) || b > 0x7e) return i;
  }
  return -1;
}
