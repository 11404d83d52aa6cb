import { nmeaChecksum } from './nmea.js';

/**
 * AIS encoding: builds the bit payload of a message and armours it into `!AIVDM` sentences.
 * Used by the simulators and by tests that need sentences of every type.
 */
export class BitWriter {
  readonly #bits: number[] = [];

  get length(): number {
    return this.#bits.length;
  }

  /** Writes `value` as an unsigned (two's complement when negative) field of `width` bits. */
  uint(width: number, value: number): this {
    let v = BigInt(Math.trunc(value));
    if (v < 0n) v += 1n << BigInt(width);
    for (let i = width - 1; i >= 0; i--) this.#bits.push(Number((v >> BigInt(i)) & 1n));
    return this;
  }

  int(width: number, value: number): this {
    return this.uint(width, value);
  }

  bool(value: boolean): this {
    return this.uint(1, value ? 1 : 0);
  }

  /** Six-bit ASCII text, padded with `@` to `chars` characters. */
  text(chars: number, value: string): this {
    const upper = value.toUpperCase().padEnd(chars, '@').slice(0, chars);
    for (const ch of upper) {
      let code = ch.charCodeAt(0);
      if (code >= 64 && code < 96) code -= 64;
      else if (code < 32 || code >= 64) code = 32; // unrepresentable -> space
      this.uint(6, code);
    }
    return this;
  }

  bits(): readonly number[] {
    return this.#bits;
  }
}

function armourChar(sixBits: number): string {
  return String.fromCharCode(sixBits < 40 ? sixBits + 48 : sixBits + 56);
}

/** Converts a bit array to the AIS payload characters and the number of fill bits. */
export function armour(bits: readonly number[]): { payload: string; fillBits: number } {
  const fillBits = (6 - (bits.length % 6)) % 6;
  let payload = '';
  for (let i = 0; i < bits.length; i += 6) {
    let value = 0;
    for (let j = 0; j < 6; j++) value = (value << 1) | (bits[i + j] ?? 0);
    payload += armourChar(value);
  }
  return { payload, fillBits };
}

export interface SentenceOptions {
  talker?: string; // 'AIVDM' by default
  channel?: 'A' | 'B' | '';
  /** Sequential message id 0-9 for multi-sentence messages. */
  sequenceId?: number;
  /** Longest payload per sentence; 60 characters keeps sentences within NMEA's 82 characters. */
  maxPayloadChars?: number;
}

/** Splits a message's bits into one or more checksummed sentences. */
export function toSentences(bits: readonly number[], options: SentenceOptions = {}): string[] {
  const { payload, fillBits } = armour(bits);
  const max = options.maxPayloadChars ?? 60;
  const talker = options.talker ?? 'AIVDM';
  const channel = options.channel ?? 'A';
  const parts: string[] = [];
  for (let i = 0; i < payload.length; i += max) parts.push(payload.slice(i, i + max));
  if (parts.length === 0) parts.push('');
  const total = parts.length;
  const seq = total > 1 ? String(options.sequenceId ?? 0) : '';
  return parts.map((part, index) => {
    const fill = index === total - 1 ? fillBits : 0;
    const body = `${talker},${total},${index + 1},${seq},${channel},${part},${fill}`;
    return `!${body}*${nmeaChecksum(body)}`;
  });
}

/** Scaled inputs, the values a person thinks in; `undefined` encodes AIS's "not available". */
export interface PositionReportInput {
  type: 1 | 2 | 3;
  mmsi: number;
  navStatus?: number; // 15 = not defined
  rot?: number; // raw AIS ROT (-128 = not available)
  sog?: number; // knots
  accuracy?: boolean;
  lon?: number; // degrees
  lat?: number; // degrees
  cog?: number; // degrees
  heading?: number; // degrees
  second?: number; // UTC second of the report, 60 = not available
  maneuver?: number;
  raim?: boolean;
  radio?: number;
  repeat?: number;
}

const coord = (value: number | undefined, notAvailable: number) =>
  value === undefined ? notAvailable * 600000 : Math.round(value * 600000);
const tenths = (value: number | undefined, notAvailable: number) =>
  value === undefined ? notAvailable : Math.round(value * 10);

export function encodePositionReport(m: PositionReportInput): number[] {
  const w = new BitWriter()
    .uint(6, m.type)
    .uint(2, m.repeat ?? 0)
    .uint(30, m.mmsi)
    .uint(4, m.navStatus ?? 15)
    .int(8, m.rot ?? -128)
    .uint(10, tenths(m.sog, 1023))
    .bool(m.accuracy ?? false)
    .int(28, coord(m.lon, 181))
    .int(27, coord(m.lat, 91))
    .uint(12, tenths(m.cog, 3600))
    .uint(9, m.heading ?? 511)
    .uint(6, m.second ?? 60)
    .uint(2, m.maneuver ?? 0)
    .uint(3, 0)
    .bool(m.raim ?? false)
    .uint(19, m.radio ?? 0);
  return [...w.bits()];
}

export interface ClassBPositionInput {
  mmsi: number;
  sog?: number;
  accuracy?: boolean;
  lon?: number;
  lat?: number;
  cog?: number;
  heading?: number;
  second?: number;
  /** Communication state (20 bits: selector flag + SOTDMA/ITDMA state). */
  radio?: number;
  repeat?: number;
}

export function encodeClassBPosition(m: ClassBPositionInput): number[] {
  const w = new BitWriter()
    .uint(6, 18)
    .uint(2, m.repeat ?? 0)
    .uint(30, m.mmsi)
    .uint(8, 0)
    .uint(10, tenths(m.sog, 1023))
    .bool(m.accuracy ?? false)
    .int(28, coord(m.lon, 181))
    .int(27, coord(m.lat, 91))
    .uint(12, tenths(m.cog, 3600))
    .uint(9, m.heading ?? 511)
    .uint(6, m.second ?? 60)
    .uint(2, 0)
    .bool(true) // CS unit
    .bool(false) // display
    .bool(false) // DSC
    .bool(true) // band
    .bool(false) // msg22
    .bool(false) // assigned
    .bool(false) // raim
    .uint(20, m.radio ?? 0);
  return [...w.bits()];
}

export interface StaticVoyageInput {
  mmsi: number;
  imo?: number;
  callsign?: string;
  shipname?: string;
  shiptype?: number;
  toBow?: number;
  toStern?: number;
  toPort?: number;
  toStarboard?: number;
  epfd?: number;
  month?: number;
  day?: number;
  hour?: number;
  minute?: number;
  draught?: number; // metres
  destination?: string;
  repeat?: number;
}

export function encodeStaticVoyage(m: StaticVoyageInput): number[] {
  const w = new BitWriter()
    .uint(6, 5)
    .uint(2, m.repeat ?? 0)
    .uint(30, m.mmsi)
    .uint(2, 0) // AIS version
    .uint(30, m.imo ?? 0)
    .text(7, m.callsign ?? '')
    .text(20, m.shipname ?? '')
    .uint(8, m.shiptype ?? 0)
    .uint(9, m.toBow ?? 0)
    .uint(9, m.toStern ?? 0)
    .uint(6, m.toPort ?? 0)
    .uint(6, m.toStarboard ?? 0)
    .uint(4, m.epfd ?? 1)
    .uint(4, m.month ?? 0)
    .uint(5, m.day ?? 0)
    .uint(5, m.hour ?? 24)
    .uint(6, m.minute ?? 60)
    .uint(8, Math.round((m.draught ?? 0) * 10))
    .text(20, m.destination ?? '')
    .bool(false) // DTE
    .uint(1, 0); // spare
  return [...w.bits()];
}

/** NMEA 4.0 tag block (`\s:source,c:time*hh\`) in front of each sentence; `time` in the unit the receiver uses. */
export function withTagBlock(
  sentences: readonly string[],
  tag: { source?: string; time?: number },
): string[] {
  const fields: string[] = [];
  if (tag.source !== undefined) fields.push(`s:${tag.source}`);
  if (tag.time !== undefined) fields.push(`c:${tag.time}`);
  const body = fields.join(',');
  const prefix = `\\${body}*${nmeaChecksum(body)}\\`;
  return sentences.map((sentence) => prefix + sentence);
}
