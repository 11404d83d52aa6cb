import { MAX_PAYLOAD_CHARS, PayloadBits } from './bits.js';
import { POSITION_LINE_PARTS } from './json.js';
import { LENGTH_LIMITS } from './messages.js';

/**
 * gpsd JSON lines for position reports (types 1-3 and 18, most of a coast's traffic) written from the input
 * bytes straight into the output bytes: no line string, no message object, no line string out. It takes
 * only a plain single-sentence report (no tag block, nothing after the checksum) that `AisDecoder.decode`
 * would return as a message, and writes what `toGpsdJson` would print for it, byte for byte
 * (position-lines.test.ts). Anything else is left to the generic path.
 */

const BANG = 33;
const DOLLAR = 36;
const STAR = 42;
const COMMA = 44;
const ZERO = 48;
const NEWLINE = 10;
/** Longest line written here (a scaled type 1 with the longest legends is ~330 bytes). */
export const MAX_POSITION_LINE_BYTES = 512;

const HEX_VALUE: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < 10; i++) table[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[65 + i] = 10 + i;
    table[97 + i] = 10 + i;
  }
  return table;
})();

/**
 * A constant run of the line as little-endian 32-bit words: written with DataView.setUint32 (about four
 * times faster than byte stores), the last word may spill up to 3 bytes past the run, which the next write
 * overwrites (the caller leaves MAX_POSITION_LINE_BYTES of room).
 */
interface Piece {
  readonly words: Uint32Array;
  readonly length: number;
}

function piece(text: string): Piece {
  const bytes = new Uint8Array(Math.ceil(text.length / 4) * 4);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const view = new DataView(bytes.buffer);
  const words = new Uint32Array(bytes.length / 4);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(i * 4, true);
  return { words, length: text.length };
}

const P = POSITION_LINE_PARTS;
const MESSAGE_HEAD = P.messageHead.map(piece);
const STATUS_PART = P.statusPart.map(piece);
const MANEUVER_PART = P.maneuverPart.map(piece);
const RESERVED_PART = P.reservedPart.map(piece);
const CLASS_B_FLAGS_PART = P.classBFlagsPart.map(piece);
const ACCURACY_TRUE = piece(P.accuracyTrue);
const ACCURACY_FALSE = piece(P.accuracyFalse);
const SPEED = piece(',"speed":');
const LAT = piece(',"lat":');
const COURSE = piece(',"course":');
const HEADING = piece(',"heading":');
const SECOND = piece(',"second":');

/** Tables used by scaled lines only, built on first use (they hold ~9,000 pieces). */
let scaledPieces:
  { tenthsText: Piece[]; speedPart: Piece[]; coursePart: Piece[]; turnText: Piece[] } | undefined;
const scaledTables = () =>
  (scaledPieces ??= {
    tenthsText: P.tenthsText.map(piece),
    speedPart: P.speedPart.map(piece),
    coursePart: P.coursePart.map(piece),
    turnText: P.turnText.map(piece),
  });

function put(view: DataView, at: number, run: Piece): number {
  const words = run.words;
  for (let i = 0; i < words.length; i++) view.setUint32(at + i * 4, words[i]!, true);
  return at + run.length;
}

function putText(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** Decimal digits of an integer (|value| < 2^31), as String(value). */
function putInt(out: Uint8Array, at: number, value: number): number {
  if (value < 0) {
    out[at++] = 45; // -
    value = -value;
  }
  let digits = 1;
  for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
  for (let i = at + digits - 1; i >= at; i--) {
    const next = (value / 10) | 0;
    out[i] = ZERO + value - next * 10;
    value = next;
  }
  return at + digits;
}

export class PositionLineWriter {
  readonly #scaled: boolean;
  readonly #bits = new PayloadBits();
  #out: Uint8Array = new Uint8Array(0);
  #view = new DataView(this.#out.buffer);

  constructor(options: { scaled: boolean }) {
    this.#scaled = options.scaled;
    if (options.scaled) scaledTables();
  }

  /**
   * Writes the JSON line (with its newline) for the sentence in bytes[start, end) at out[at], which must
   * have MAX_POSITION_LINE_BYTES free; returns where the line ends, or -1 when the sentence is not a plain
   * single-sentence position report that decodes cleanly (bytes past `at` may then have been overwritten).
   */
  write(bytes: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
    while (end > start && bytes[end - 1]! <= 32) end--;
    while (start < end && bytes[start]! <= 32) start++;
    const payloadStart = plainSingleSentencePayload(bytes, start, end);
    if (payloadStart < 0) return -1;
    const star = end - 3;
    const fillComma = star - 2;
    const fillBits = bytes[fillComma + 1]! - ZERO;
    if (bytes[fillComma] !== COMMA || fillBits < 0 || fillBits > 5) return -1;
    const chars = fillComma - payloadStart;
    if (chars === 0 || chars > MAX_PAYLOAD_CHARS) return -1;

    const bits = this.#bits;
    bits.reset();
    if (bits.appendBytes(bytes, payloadStart, fillComma) >= 0) return -1;
    bits.finish(fillBits);
    const length = bits.bitLength;
    const type = bits.data[0]!;
    if (type === 0 || (type > 3 && type !== 18)) return -1;
    const [shortest, longest] = LENGTH_LIMITS[type]!;
    if (length < shortest || length > longest) return -1;
    if (out !== this.#out) {
      this.#out = out;
      this.#view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    }
    return type === 18 ? this.#classB(out, at) : this.#classA(type, out, at);
  }

  #classA(type: number, out: Uint8Array, at: number): number {
    const bits = this.#bits;
    const view = this.#view;
    at = put(view, at, MESSAGE_HEAD[type * 4 + bits.uint(6, 2)]!);
    at = putInt(out, at, bits.uint(8, 30));
    at = put(view, at, STATUS_PART[(this.#scaled ? 16 : 0) + bits.uint(38, 4)]!);
    const turn = bits.int(42, 8);
    const speed = bits.uint(50, 10);
    const accuracy = bits.bool(60) ? ACCURACY_TRUE : ACCURACY_FALSE;
    if (this.#scaled) {
      const tables = scaledTables();
      at = put(view, at, tables.turnText[turn + 128]!);
      at = put(view, at, tables.speedPart[speed]!);
    } else {
      at = putInt(out, at, turn);
      at = put(view, at, SPEED);
      at = putInt(out, at, speed);
    }
    at = put(view, at, accuracy);
    at = this.#positionAndCourse(61, out, at);
    at = putInt(out, at, bits.uint(128, 9));
    at = put(view, at, SECOND);
    at = putInt(out, at, bits.uint(137, 6));
    at = put(view, at, MANEUVER_PART[bits.uint(143, 2) * 2 + bits.uint(148, 1)]!);
    const length = bits.bitLength;
    at = putInt(out, at, length >= 168 ? bits.uint(149, 19) : bits.uint(149, length - 149));
    return endLine(out, at);
  }

  #classB(out: Uint8Array, at: number): number {
    const bits = this.#bits;
    const view = this.#view;
    at = put(view, at, MESSAGE_HEAD[18 * 4 + bits.uint(6, 2)]!);
    at = putInt(out, at, bits.uint(8, 30));
    at = put(view, at, RESERVED_PART[(this.#scaled ? 256 : 0) + bits.uint(38, 8)]!);
    const speed = bits.uint(46, 10);
    if (this.#scaled) at = put(view, at, scaledTables().tenthsText[speed]!);
    else at = putInt(out, at, speed);
    at = put(view, at, bits.bool(56) ? ACCURACY_TRUE : ACCURACY_FALSE);
    at = this.#positionAndCourse(57, out, at);
    at = putInt(out, at, bits.uint(124, 9));
    at = put(view, at, SECOND);
    at = putInt(out, at, bits.uint(133, 6));
    // regional (2 bits), cs, display, dsc, band, msg22, then (after the assigned flag) raim: gpsd's order.
    const flags = bits.uint(139, 7) * 2 + bits.uint(147, 1);
    at = put(view, at, CLASS_B_FLAGS_PART[flags]!);
    at = putInt(out, at, bits.uint(148, 20));
    return endLine(out, at);
  }

  /** lon (28 bits), lat (27) and course (12) from bit `lonStart` on, after `"lon":`, up to `"heading":`. */
  #positionAndCourse(lonStart: number, out: Uint8Array, at: number): number {
    const bits = this.#bits;
    const view = this.#view;
    const lon = bits.int(lonStart, 28);
    const lat = bits.int(lonStart + 28, 27);
    const course = bits.uint(lonStart + 55, 12);
    if (this.#scaled) {
      at = putText(out, at, P.degreesText(lon));
      at = put(view, at, LAT);
      at = putText(out, at, P.degreesText(lat));
      return put(view, at, scaledTables().coursePart[course]!);
    }
    at = putInt(out, at, lon);
    at = put(view, at, LAT);
    at = putInt(out, at, lat);
    at = put(view, at, COURSE);
    at = putInt(out, at, course);
    return put(view, at, HEADING);
  }
}

function endLine(out: Uint8Array, at: number): number {
  out[at++] = 125; // }
  out[at++] = NEWLINE;
  return at;
}

/**
 * Where the payload starts when bytes[start, end) is `!xxVDM,1,1,[d],[c],payload,f*hh` (or `$`, VDO) with a
 * matching checksum and nothing before or after; -1 otherwise.
 */
function plainSingleSentencePayload(bytes: Uint8Array, start: number, end: number): number {
  const first = bytes[start];
  if (
    (first !== BANG && first !== DOLLAR) ||
    end - start < 20 ||
    bytes[start + 1] === COMMA ||
    bytes[start + 2] === COMMA
  )
    return -1;
  if (
    bytes[start + 3] !== 86 /* V */ ||
    bytes[start + 4] !== 68 /* D */ ||
    (bytes[start + 5] !== 77 /* M */ && bytes[start + 5] !== 79) /* O */
  )
    return -1;
  // ,1,1, then an empty or one-digit sequential id, then an empty or one-character channel.
  if (
    bytes[start + 6] !== COMMA ||
    bytes[start + 7] !== 49 ||
    bytes[start + 8] !== COMMA ||
    bytes[start + 9] !== 49 ||
    bytes[start + 10] !== COMMA
  )
    return -1;
  let p = start + 11;
  if (bytes[p] !== COMMA) {
    const digit = bytes[p]! - ZERO;
    if (digit < 0 || digit > 9) return -1;
    p++;
  }
  if (bytes[p++] !== COMMA) return -1;
  if (bytes[p] !== COMMA) p++;
  if (bytes[p++] !== COMMA) return -1;
  const star = end - 3;
  if (bytes[star] !== STAR) return -1;
  const high = HEX_VALUE[bytes[star + 1]!]!;
  const low = HEX_VALUE[bytes[star + 2]!]!;
  if (high < 0 || low < 0) return -1;
  let sum = 0;
  for (let i = start + 1; i < star; i++) {
    const byte = bytes[i]!;
    if (byte === STAR) return -1;
    sum ^= byte;
  }
  return sum === ((high << 4) | low) ? p : -1;
}
