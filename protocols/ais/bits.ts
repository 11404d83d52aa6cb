/**
 * The bit payload of one AIS message, kept as six-bit values (one per armoured payload character) and read
 * field by field without building bit strings or arrays. Fields may be up to 48 bits wide.
 */

/** Payload character code -> six-bit value, or -1 for a character that is not legal in an AIS payload. */
export const SIXBIT_VALUE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let code = 48; code <= 87; code++) table[code] = code - 48; // '0'..'W'
  for (let code = 96; code <= 119; code++) table[code] = code - 56; // '`'..'w'
  return table;
})();

/** Six-bit ASCII as used in AIS text fields (ITU-R M.1371 table 47). */
const SIXBIT_ASCII = '@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !"#$%&\'()*+,-./0123456789:;<=>?';
const SIXBIT_CHARS: readonly string[] = Array.from(SIXBIT_ASCII);

/** The longest message the decoder assembles: 5 slots of 256 bits, more than any AIS type allows. */
export const MAX_PAYLOAD_CHARS = 256;
/** Widest field read past the end, in characters: reads beyond the payload see zeros, as in gpsd. */
const READ_SLACK_CHARS = 64;

const POW2: Float64Array = (() => {
  const table = new Float64Array(64);
  for (let i = 0; i < 64; i++) table[i] = 2 ** i;
  return table;
})();

export class PayloadBits {
  readonly data = new Uint8Array(MAX_PAYLOAD_CHARS + READ_SLACK_CHARS + 8);
  /** Payload characters held. */
  length = 0;
  /** Bits that belong to the message: characters × 6 − fill bits. */
  bitLength = 0;
  #dirty = 0;

  /** Starts a new message. */
  reset(): void {
    if (this.#dirty > 0) this.data.fill(0, 0, this.#dirty);
    this.length = 0;
    this.bitLength = 0;
    this.#dirty = 0;
  }

  /**
   * Appends the payload characters line[start, end). Returns the index of the first illegal character, or -1.
   * The caller checks the length against MAX_PAYLOAD_CHARS first.
   */
  append(line: string, start: number, end: number): number {
    const data = this.data;
    let at = this.length;
    for (let i = start; i < end; i++) {
      const code = line.charCodeAt(i);
      const value = code < 128 ? SIXBIT_VALUE[code]! : -1;
      if (value < 0) {
        this.length = at;
        this.#dirty = Math.max(this.#dirty, at);
        return i;
      }
      data[at++] = value;
    }
    this.length = at;
    this.#dirty = Math.max(this.#dirty, at);
    return -1;
  }

  /** `append` for payload bytes bytes[start, end) (latin1: one byte per character). */
  appendBytes(bytes: Uint8Array, start: number, end: number): number {
    const data = this.data;
    let at = this.length;
    for (let i = start; i < end; i++) {
      const value = SIXBIT_VALUE[bytes[i]!]!;
      if (value < 0) {
        this.length = at;
        this.#dirty = Math.max(this.#dirty, at);
        return i;
      }
      data[at++] = value;
    }
    this.length = at;
    this.#dirty = Math.max(this.#dirty, at);
    return -1;
  }

  /** Sets the bit length once all characters are in. */
  finish(fillBits: number): void {
    this.bitLength = this.length * 6 - fillBits;
  }

  /** Unsigned field of `width` (1..48) bits starting at bit `start`. */
  uint(start: number, width: number): number {
    const data = this.data;
    let index = (start / 6) | 0;
    const need = start - index * 6 + width;
    let value = data[index]! & (0x3f >> (need - width));
    let have = 6;
    if (need <= 30) {
      while (have < need) {
        value = (value << 6) | data[++index]!;
        have += 6;
      }
      return value >>> (have - need);
    }
    while (have < need) {
      value = value * 64 + data[++index]!;
      have += 6;
    }
    return Math.floor(value / POW2[have - need]!);
  }

  /** Two's complement signed field of `width` (1..48) bits. */
  int(start: number, width: number): number {
    const value = this.uint(start, width);
    if (width <= 31) {
      const shift = 32 - width;
      return (value << shift) >> shift;
    }
    return value >= POW2[width - 1]! ? value - POW2[width]! : value;
  }

  bool(start: number): boolean {
    return this.uint(start, 1) !== 0;
  }

  /**
   * Six-bit text of up to `chars` characters as gpsd reads it: stops at the first `@`, then trailing spaces
   * (and `@`) are trimmed.
   */
  text(start: number, chars: number): string {
    let end = 0;
    let lastKept = -1;
    const codes = TEXT_SCRATCH;
    for (let i = 0; i < chars; i++) {
      const value = this.uint(start + 6 * i, 6);
      if (value === 0) break;
      codes[i] = value;
      end = i + 1;
      if (value !== 32) lastKept = i;
    }
    if (end === 0 || lastKept < 0) return '';
    let out = '';
    for (let i = 0; i <= lastKept; i++) out += SIXBIT_CHARS[codes[i]!]!;
    return out;
  }

  /** Six-bit text without trimming (stops at `@` only), as gpsd's untrimmed reader. */
  textUntrimmed(start: number, chars: number): string {
    let out = '';
    for (let i = 0; i < chars; i++) {
      const value = this.uint(start + 6 * i, 6);
      if (value === 0) break;
      out += SIXBIT_CHARS[value]!;
    }
    return out;
  }

  /** Text from `start` to the end of the message (whole characters only), as gpsd's `endchars`. */
  textToEnd(start: number, maxChars: number): string {
    if (this.bitLength <= start) return '';
    return this.text(start, Math.min(maxChars, ((this.bitLength - start) / 6) | 0));
  }

  /**
   * Bits [start, start+count) as lower-case hex in whole bytes, gpsd's `data` field being `"<count>:<hex>"`.
   * gpsd copies whole bytes, so the last byte carries the bits that follow the data; bits from `zeroFrom` on
   * read as zero (gpsd masks them for type 8 and loses them when it shifts addressed type 25/26 data).
   */
  hex(start: number, count: number, zeroFrom: number): string {
    let out = '';
    for (let bit = 0; bit < count; bit += 8) {
      const at = start + bit;
      const width = Math.max(0, Math.min(8, zeroFrom - at));
      const byte = width === 0 ? 0 : this.uint(at, width) << (8 - width);
      out += HEX_BYTES[byte]!;
    }
    return out;
  }
}

const TEXT_SCRATCH = new Uint8Array(256);
const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
