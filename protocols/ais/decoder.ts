import { MAX_PAYLOAD_CHARS, PayloadBits, SIXBIT_VALUE } from './bits.js';
import { BodyFailure, decodeBody, Type24Store, type AisMessage } from './messages.js';

export type { AisMessage } from './messages.js';

/**
 * Streaming AIS decoder: one NMEA line in, at most one message out. Reassembles multi-sentence messages,
 * merges type 24 A+B, reads NMEA 4.0 tag blocks and US Coast Guard trailing fields, and never throws:
 * anything it cannot use is `ignored` (not AIS) or `rejected` (broken AIS) with a reason, and counted.
 */

/** Receiver metadata that came with a sentence: an NMEA 4.0 tag block, or USCG fields after the checksum. */
export interface TagBlock {
  /** Where the metadata came from. */
  format: 'nmea4' | 'uscg';
  /** Source/station id (`s:` in a tag block; the `r…`/`b…` station field in USCG style). */
  source?: string;
  /** Receive time in ms since the epoch (`c:` in a tag block; the trailing UNIX time in USCG style). */
  timestampMs?: number;
  /** `g:` sentence grouping: sentence number, total, group id. */
  group?: { sentence: number; total: number; id: number };
  /** `n:` line count. */
  lineCount?: number;
  /** `d:` destination. */
  destination?: string;
  /** `t:` free text. */
  text?: string;
  /** The metadata as received (between the backslashes, or after the checksum). */
  raw: string;
}

export type AisDecodeResult =
  | {
      status: 'message';
      message: AisMessage;
      tagBlock?: TagBlock;
      /** Best time of the message: the tag-block/USCG time when there is one, else `receivedAtMs`. */
      timestampMs: number;
      /**
       * The armoured payload of the whole message (fragments joined): the same transmission heard twice has the
       * same payload, whatever its tag blocks, channel or sequence id. A key for duplicate detection.
       */
      payload: string;
    }
  | { status: 'pending' }
  | { status: 'ignored'; reason: string }
  | { status: 'rejected'; reason: string; detail: string };

export interface AisDecoderOptions {
  /** A multi-sentence message still incomplete after this long is dropped (counted `multipart_expired`). */
  maxPartialAgeMs?: number;
  /** Most incomplete multi-sentence messages held at once; the oldest is dropped beyond it. */
  maxPartials?: number;
  /** Most type 24 part A names held while waiting for their part B. */
  maxType24Names?: number;
}

export interface AisDecoderStats {
  /** Lines given to `decode`. */
  sentences: number;
  /** Complete messages returned. */
  messages: number;
  /** Incomplete messages held right now (multi-sentence fragments, type 24 part A names not counted). */
  pending: number;
  /** Lines that are not AIS (other NMEA sentences, comments, blank lines, junk). */
  ignored: number;
  /** Rejected AIS input by reason (`checksum`, `illegal_character`, `too_short`, `multipart_expired`, …). */
  rejected: Record<string, number>;
  /** Tag blocks dropped for a bad checksum or syntax (the sentence itself was still decoded). */
  tagBlockErrors: number;
}

interface Partial {
  total: number;
  received: number;
  payloads: Array<string | undefined>;
  fillBits: number;
  firstAtMs: number;
  tagBlock: TagBlock | undefined;
}

const BANG = 33;
const DOLLAR = 36;
const HASH = 35;
const STAR = 42;
const COMMA = 44;
const BACKSLASH = 92;
const ZERO = 48;

const HEX_VALUE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) table[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[65 + i] = 10 + i;
    table[97 + i] = 10 + i;
  }
  return table;
})();

const PENDING: AisDecodeResult = Object.freeze({ status: 'pending' });
const ignoredResult = (reason: string): AisDecodeResult => Object.freeze({ status: 'ignored', reason });
const IGNORED_BLANK = ignoredResult('blank line');
const IGNORED_COMMENT = ignoredResult('comment');
const IGNORED_NOT_NMEA = ignoredResult('not an NMEA sentence');
const IGNORED_NOT_AIS = ignoredResult('NMEA sentence that is not AIS (VDM/VDO)');
const IGNORED_TAG_ONLY = ignoredResult('tag block without a sentence');
const IGNORED_24B = ignoredResult('type 24 part B without its part A (gpsd drops it too)');

function hexAt(line: string, index: number): number {
  const code = line.charCodeAt(index);
  return code < 128 ? HEX_VALUE[code]! : -1;
}

/** A single character field: returns the digit value, -1 when empty, -2 when not a single digit. */
function digitField(line: string, start: number, end: number): number {
  if (end === start) return -1;
  if (end !== start + 1) return -2;
  const digit = line.charCodeAt(start) - ZERO;
  return digit >= 0 && digit <= 9 ? digit : -2;
}

export class AisDecoder {
  readonly stats: AisDecoderStats = {
    sentences: 0,
    messages: 0,
    pending: 0,
    ignored: 0,
    rejected: {},
    tagBlockErrors: 0,
  };
  readonly #maxPartialAgeMs: number;
  readonly #maxPartials: number;
  readonly #bits = new PayloadBits();
  readonly #partials = new Map<string, Partial>();
  readonly #type24: Type24Store;
  readonly #commas = new Int32Array(8);
  #lastSweepMs = 0;

  constructor(options: AisDecoderOptions = {}) {
    this.#maxPartialAgeMs = options.maxPartialAgeMs ?? 10_000;
    this.#maxPartials = options.maxPartials ?? 1024;
    this.#type24 = new Type24Store(options.maxType24Names ?? 4096);
  }

  /**
   * Decodes one NMEA line (without its newline). `receivedAtMs` is when it arrived (expiry clock and default
   * time). `streamKey` separates multi-sentence reassembly of different inputs (e.g. two receivers) that
   * share one decoder.
   */
  decode(line: string, receivedAtMs: number = Date.now(), streamKey = ''): AisDecodeResult {
    const stats = this.stats;
    stats.sentences++;
    if (this.#partials.size > 0 && receivedAtMs - this.#lastSweepMs >= 250) this.expire(receivedAtMs);

    let end = line.length;
    while (end > 0 && line.charCodeAt(end - 1) <= 32) end--;
    let p = 0;
    while (p < end && line.charCodeAt(p) <= 32) p++;
    if (p >= end) return this.#ignore(IGNORED_BLANK);

    let tagBlock: TagBlock | undefined;
    let c = line.charCodeAt(p);
    if (c === BACKSLASH) {
      const close = line.indexOf('\\', p + 1);
      if (close < 0 || close >= end) return this.#reject('tag_block', 'tag block has no closing backslash');
      tagBlock = parseTagBlock(line, p + 1, close);
      if (tagBlock === undefined) stats.tagBlockErrors++;
      p = close + 1;
      if (p >= end) return this.#ignore(IGNORED_TAG_ONLY);
      c = line.charCodeAt(p);
    }
    if (c !== BANG && c !== DOLLAR) return this.#ignore(c === HASH ? IGNORED_COMMENT : IGNORED_NOT_NMEA);
    if (
      end - p < 7 ||
      line.charCodeAt(p + 3) !== 86 /* V */ ||
      line.charCodeAt(p + 4) !== 68 /* D */ ||
      (line.charCodeAt(p + 5) !== 77 /* M */ && line.charCodeAt(p + 5) !== 79) /* O */ ||
      line.charCodeAt(p + 6) !== COMMA
    ) {
      return this.#ignore(IGNORED_NOT_AIS);
    }

    // One pass: checksum and field boundaries.
    const commas = this.#commas;
    let sum = 0;
    let commaCount = 0;
    let star = p + 1;
    for (; star < end; star++) {
      const ch = line.charCodeAt(star);
      if (ch === STAR) break;
      sum ^= ch;
      if (ch === COMMA) {
        if (commaCount < 8) commas[commaCount] = star;
        commaCount++;
      }
    }
    if (star >= end) return this.#reject('no_checksum', 'sentence has no *hh checksum');
    const high = hexAt(line, star + 1);
    const low = star + 2 < end ? hexAt(line, star + 2) : -1;
    if (high < 0 || low < 0) return this.#reject('no_checksum', `checksum after '*' is not two hex digits`);
    if (star + 3 < end) {
      if (line.charCodeAt(star + 3) !== COMMA)
        return this.#reject('malformed', `unexpected characters after the checksum`);
      if (tagBlock === undefined) tagBlock = parseUscgFields(line, star + 4, end);
    }
    const expected = (high << 4) | low;
    if (expected !== sum) {
      return this.#reject('checksum', `checksum ${hex2(expected)} does not match computed ${hex2(sum)}`);
    }
    if (commaCount !== 6)
      return this.#reject('field_count', `expected 7 comma-separated fields, got ${commaCount + 1}`);

    const total = digitField(line, commas[0]! + 1, commas[1]!);
    const number = digitField(line, commas[1]! + 1, commas[2]!);
    const sequence = digitField(line, commas[2]! + 1, commas[3]!);
    const channelStart = commas[3]! + 1;
    const channelLength = commas[4]! - channelStart;
    const payloadStart = commas[4]! + 1;
    const payloadEnd = commas[5]!;
    let fillBits = digitField(line, commas[5]! + 1, star);
    if (total < 1)
      return this.#reject(
        'fragment_count',
        `fragment count '${line.slice(commas[0]! + 1, commas[1]!)}' is not 1-9`,
      );
    if (number < 1 || number > total) {
      return this.#reject(
        'fragment_number',
        `fragment number '${line.slice(commas[1]! + 1, commas[2]!)}' is not 1-${total}`,
      );
    }
    if (sequence === -2)
      return this.#reject(
        'malformed',
        `sequential message id '${line.slice(commas[2]! + 1, commas[3]!)}' is not a digit`,
      );
    if (channelLength > 1)
      return this.#reject(
        'malformed',
        `radio channel '${line.slice(channelStart, commas[4]!)}' is not one character`,
      );
    if (fillBits === -1) fillBits = 0;
    if (fillBits < 0 || fillBits > 5)
      return this.#reject('fill_bits', `fill bits '${line.slice(commas[5]! + 1, star)}' is not 0-5`);
    if (payloadEnd === payloadStart) return this.#reject('empty_payload', 'sentence has no payload');
    if (fillBits > 0 && number !== total)
      return this.#reject('fill_bits', `fragment ${number} of ${total} has fill bits`);

    if (total === 1) {
      const bits = this.#bits;
      bits.reset();
      if (payloadEnd - payloadStart > MAX_PAYLOAD_CHARS)
        return this.#reject('too_long', `payload of ${payloadEnd - payloadStart} characters`);
      const bad = bits.append(line, payloadStart, payloadEnd);
      if (bad >= 0) return this.#illegal(line, bad);
      bits.finish(fillBits);
      return this.#decodeBits(tagBlock, receivedAtMs, line.slice(payloadStart, payloadEnd));
    }

    for (let i = payloadStart; i < payloadEnd; i++) {
      const code = line.charCodeAt(i);
      if (code >= 128 || SIXBIT_VALUE[code]! < 0) return this.#illegal(line, i);
    }
    const key = `${streamKey}|${channelLength === 1 ? line[channelStart] : ''}|${sequence}`;
    return this.#addFragment(
      key,
      total,
      number,
      line.slice(payloadStart, payloadEnd),
      fillBits,
      tagBlock,
      receivedAtMs,
    );
  }

  /**
   * Counts a single-sentence message that the caller decoded from the same line without `decode` (the
   * stream's byte path for position reports): the counters and the expiry clock move as `decode` moves them.
   */
  countMessageDecodedElsewhere(receivedAtMs: number): void {
    this.stats.sentences++;
    this.stats.messages++;
    if (this.#partials.size > 0 && receivedAtMs - this.#lastSweepMs >= 250) this.expire(receivedAtMs);
  }

  /** Type 24 part A names held while waiting for their part B (bounded by `maxType24Names`). */
  get heldType24Names(): number {
    return this.#type24.size;
  }

  /** Drops incomplete multi-sentence messages older than `maxPartialAgeMs`; returns how many. */
  expire(nowMs: number): number {
    this.#lastSweepMs = nowMs;
    let dropped = 0;
    for (const [key, partial] of this.#partials) {
      if (nowMs - partial.firstAtMs < this.#maxPartialAgeMs) continue;
      this.#partials.delete(key);
      this.#count('multipart_expired');
      dropped++;
    }
    this.stats.pending = this.#partials.size;
    return dropped;
  }

  #addFragment(
    key: string,
    total: number,
    number: number,
    payload: string,
    fillBits: number,
    tagBlock: TagBlock | undefined,
    receivedAtMs: number,
  ): AisDecodeResult {
    let partial = this.#partials.get(key);
    if (partial !== undefined && (partial.total !== total || partial.payloads[number - 1] !== undefined)) {
      const duplicate = partial.total === total && partial.payloads[number - 1] === payload;
      if (duplicate)
        return this.#reject('duplicate_fragment', `fragment ${number} of ${total} (${key}) received twice`);
      // Same channel and sequence id but a new message: the old one will never complete.
      this.#partials.delete(key);
      this.#count('multipart_incomplete');
      partial = undefined;
    }
    if (partial === undefined) {
      if (this.#partials.size >= this.#maxPartials) {
        const oldest = this.#partials.keys().next().value;
        if (oldest !== undefined) this.#partials.delete(oldest);
        this.#count('multipart_evicted');
      }
      partial = {
        total,
        received: 0,
        payloads: new Array<string | undefined>(total),
        fillBits: 0,
        firstAtMs: receivedAtMs,
        tagBlock: undefined,
      };
      this.#partials.set(key, partial);
    }
    partial.payloads[number - 1] = payload;
    partial.received++;
    if (number === total) partial.fillBits = fillBits;
    if (tagBlock !== undefined) partial.tagBlock = mergeTagBlocks(partial.tagBlock, tagBlock, number === 1);
    if (partial.received < total) {
      this.stats.pending = this.#partials.size;
      return PENDING;
    }
    this.#partials.delete(key);
    this.stats.pending = this.#partials.size;
    const bits = this.#bits;
    bits.reset();
    let chars = 0;
    for (const part of partial.payloads) chars += part!.length;
    if (chars > MAX_PAYLOAD_CHARS)
      return this.#reject('too_long', `reassembled payload of ${chars} characters`);
    for (const part of partial.payloads) bits.append(part!, 0, part!.length);
    bits.finish(partial.fillBits);
    return this.#decodeBits(partial.tagBlock, receivedAtMs, partial.payloads.join(''));
  }

  #decodeBits(tagBlock: TagBlock | undefined, receivedAtMs: number, payload: string): AisDecodeResult {
    const body = decodeBody(this.#bits, this.#type24);
    if (body === 'stored') {
      if (this.#bits.uint(38, 2) === 0) return PENDING;
      return this.#ignore(IGNORED_24B);
    }
    if (body instanceof BodyFailure) return this.#reject(body.reason, body.detail);
    this.stats.messages++;
    const timestampMs = tagBlock?.timestampMs ?? receivedAtMs;
    return tagBlock === undefined
      ? { status: 'message', message: body, timestampMs, payload }
      : { status: 'message', message: body, tagBlock, timestampMs, payload };
  }

  #illegal(line: string, index: number): AisDecodeResult {
    return this.#reject(
      'illegal_character',
      `illegal payload character ${JSON.stringify(line[index])} at column ${index + 1}`,
    );
  }

  #ignore(result: AisDecodeResult): AisDecodeResult {
    this.stats.ignored++;
    return result;
  }

  #count(reason: string): void {
    const rejected = this.stats.rejected;
    rejected[reason] = (rejected[reason] ?? 0) + 1;
  }

  #reject(reason: string, detail: string): AisDecodeResult {
    this.#count(reason);
    return { status: 'rejected', reason, detail };
  }
}

const hex2 = (value: number) => value.toString(16).toUpperCase().padStart(2, '0');

/** Tag time `c:` is UNIX seconds; values from 10^12 on are taken as milliseconds (some receivers send ms). */
const tagTimeToMs = (value: number) => (value >= 1e12 ? value : value * 1000);

/** Parses the tag block between the backslashes; undefined when its checksum or syntax is wrong. */
export function parseTagBlock(line: string, start: number, end: number): TagBlock | undefined {
  const star = line.lastIndexOf('*', end);
  if (star < start) return undefined;
  let sum = 0;
  for (let i = start; i < star; i++) sum ^= line.charCodeAt(i);
  if (end - star !== 3) return undefined;
  const high = hexAt(line, star + 1);
  const low = hexAt(line, star + 2);
  if (high < 0 || low < 0 || ((high << 4) | low) !== sum) return undefined;
  const raw = line.slice(start, end);
  const tag: TagBlock = { format: 'nmea4', raw };
  for (const field of line.slice(start, star).split(',')) {
    if (field.length < 2 || field.charCodeAt(1) !== 58 /* : */) return undefined;
    const value = field.slice(2);
    switch (field[0]) {
      case 's':
        tag.source = value;
        break;
      case 'c': {
        const seconds = Number(value);
        if (!Number.isSafeInteger(seconds) || seconds < 0) return undefined;
        tag.timestampMs = tagTimeToMs(seconds);
        break;
      }
      case 'g': {
        const [sentence, total, id] = value.split('-').map(Number);
        if (!Number.isInteger(sentence) || !Number.isInteger(total) || !Number.isInteger(id))
          return undefined;
        tag.group = { sentence: sentence!, total: total!, id: id! };
        break;
      }
      case 'n': {
        const count = Number(value);
        if (!Number.isInteger(count)) return undefined;
        tag.lineCount = count;
        break;
      }
      case 'd':
        tag.destination = value;
        break;
      case 't':
        tag.text = value;
        break;
      default:
        break; // r: (relative time) and unknown keys are kept in `raw` only
    }
  }
  return tag;
}

/**
 * US Coast Guard style fields after the checksum, e.g. `,b003669794,1272412827` or
 * `,d-120,S1631,t041143.00,T43.51622187,r11SCIH1,1272427905`: the station (`r…` or `b…`) and the UNIX time.
 */
function parseUscgFields(line: string, start: number, end: number): TagBlock {
  const raw = line.slice(start, end);
  const tag: TagBlock = { format: 'uscg', raw };
  const fields = raw.split(',');
  for (const field of fields) {
    if ((field[0] === 'r' || field[0] === 'b') && field.length > 1) tag.source = field;
  }
  const last = fields[fields.length - 1]!;
  if (/^\d{9,11}$/.test(last)) tag.timestampMs = Number(last) * 1000;
  return tag;
}

/** The first fragment's tag block wins; later fragments fill in what it lacked. */
function mergeTagBlocks(held: TagBlock | undefined, incoming: TagBlock, incomingIsFirst: boolean): TagBlock {
  if (held === undefined) return incoming;
  const [primary, secondary] = incomingIsFirst ? [incoming, held] : [held, incoming];
  const merged: TagBlock = { ...primary };
  const source = primary.source ?? secondary.source;
  const timestampMs = primary.timestampMs ?? secondary.timestampMs;
  if (source !== undefined) merged.source = source;
  if (timestampMs !== undefined) merged.timestampMs = timestampMs;
  return merged;
}
