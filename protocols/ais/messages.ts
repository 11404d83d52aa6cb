import type { PayloadBits } from './bits.js';
import { decodeType6Payload, decodeType8Payload } from './binary.js';
import { AID_TYPE_TEXT, EPFD_TEXT, NAV_STATUS_TEXT, SHIP_TYPE_TEXT, STATION_TYPE_TEXT } from './lookups.js';

/**
 * AIS messages with gpsd's JSON field names and UNSCALED raw values (what `gpsdecode -u -j` prints, minus
 * its `class`, `device` and `scaled` members): lat/lon in 1/10000 minute (181°/91° = not available), speed
 * in 0.1 knot, course in 0.1°, draught in 0.1 m. Lossless: every field of the message is kept.
 */
interface Header<T extends number> {
  type: T;
  repeat: number;
  mmsi: number;
}

export interface PositionReportA extends Header<1 | 2 | 3> {
  status: number;
  status_text: string;
  turn: number;
  speed: number;
  accuracy: boolean;
  lon: number;
  lat: number;
  course: number;
  heading: number;
  second: number;
  maneuver: number;
  raim: boolean;
  radio: number;
}

/** 4: base station report, 11: UTC/date response. */
export interface BaseStationReport extends Header<4 | 11> {
  /** `YYYY-MM-DDTHH:MM:SSZ` from the raw fields, unvalidated (zeros when not available), as gpsd prints it. */
  timestamp: string;
  accuracy: boolean;
  lon: number;
  lat: number;
  epfd: number;
  epfd_text: string;
  raim: boolean;
  radio: number;
}

export interface StaticVoyageData extends Header<5> {
  imo: number;
  ais_version: number;
  callsign: string;
  shipname: string;
  shiptype: number;
  shiptype_text: string;
  to_bow: number;
  to_stern: number;
  to_port: number;
  to_starboard: number;
  epfd: number;
  epfd_text: string;
  /** `MM-DDTHH:MMZ` from the raw month/day/hour/minute, as gpsd prints it. */
  eta: string;
  draught: number;
  destination: string;
  dte: number;
}

/** Fields of a decoded DAC/FID application payload, named as gpsd names them (nested arrays for lists). */
export type ApplicationFields = Record<string, unknown>;

export interface AddressedBinary extends Header<6> {
  seqno: number;
  dest_mmsi: number;
  retransmit: boolean;
  dac: number;
  fid: number;
  /** `"<bits>:<hex>"` when the DAC/FID payload is not one gpsd decodes. */
  data?: string;
  [field: string]: unknown;
}

/** 7: binary acknowledge, 13: safety related acknowledge. */
export interface Acknowledge extends Header<7 | 13> {
  mmsi1: number;
  mmsi2: number;
  mmsi3: number;
  mmsi4: number;
}

export interface BinaryBroadcast extends Header<8> {
  dac: number;
  fid: number;
  data?: string;
  [field: string]: unknown;
}

export interface SarAircraftReport extends Header<9> {
  alt: number;
  speed: number;
  accuracy: boolean;
  lon: number;
  lat: number;
  course: number;
  second: number;
  regional: number;
  dte: number;
  raim: boolean;
  radio: number;
}

export interface UtcInquiry extends Header<10> {
  dest_mmsi: number;
}

export interface SafetyAddressed extends Header<12> {
  seqno: number;
  dest_mmsi: number;
  retransmit: boolean;
  text: string;
}

export interface SafetyBroadcast extends Header<14> {
  text: string;
}

export interface Interrogation extends Header<15> {
  mmsi1: number;
  type1_1: number;
  offset1_1: number;
  type1_2: number;
  offset1_2: number;
  mmsi2: number;
  type2_1: number;
  offset2_1: number;
}

export interface AssignedModeCommand extends Header<16> {
  mmsi1: number;
  offset1: number;
  increment1: number;
  mmsi2: number;
  offset2: number;
  increment2: number;
}

export interface GnssBroadcast extends Header<17> {
  lon: number;
  lat: number;
  data: string;
}

export interface PositionReportB extends Header<18> {
  reserved: number;
  speed: number;
  accuracy: boolean;
  lon: number;
  lat: number;
  course: number;
  heading: number;
  second: number;
  regional: number;
  cs: boolean;
  display: boolean;
  dsc: boolean;
  band: boolean;
  msg22: boolean;
  raim: boolean;
  radio: number;
}

export interface ExtendedPositionReportB extends Header<19> {
  reserved: number;
  speed: number;
  accuracy: boolean;
  lon: number;
  lat: number;
  course: number;
  heading: number;
  second: number;
  regional: number;
  shipname: string;
  shiptype: number;
  shiptype_text: string;
  to_bow: number;
  to_stern: number;
  to_port: number;
  to_starboard: number;
  epfd: number;
  epfd_text: string;
  raim: boolean;
  dte: number;
  assigned: boolean;
}

export interface DataLinkManagement extends Header<20> {
  offset1: number;
  number1: number;
  timeout1: number;
  increment1: number;
  offset2: number;
  number2: number;
  timeout2: number;
  increment2: number;
  offset3: number;
  number3: number;
  timeout3: number;
  increment3: number;
  offset4: number;
  number4: number;
  timeout4: number;
  increment4: number;
}

export interface AidToNavigation extends Header<21> {
  aid_type: number;
  aid_type_text: string;
  name: string;
  accuracy: boolean;
  lon: number;
  lat: number;
  to_bow: number;
  to_stern: number;
  to_port: number;
  to_starboard: number;
  epfd: number;
  epfd_text: string;
  second: number;
  regional: number;
  off_position: boolean;
  raim: boolean;
  virtual_aid: boolean;
}

export interface ChannelManagement extends Header<22> {
  channel_a: number;
  channel_b: number;
  txrx: number;
  power: boolean;
  /** Broadcast form: the area corners in 1/10 minute. */
  ne_lon?: number;
  ne_lat?: number;
  sw_lon?: number;
  sw_lat?: number;
  /** Addressed form. */
  dest1?: number;
  dest2?: number;
  addressed: boolean;
  band_a: boolean;
  band_b: boolean;
  zonesize: number;
}

export interface GroupAssignment extends Header<23> {
  ne_lon: number;
  ne_lat: number;
  sw_lon: number;
  sw_lat: number;
  stationtype: number;
  stationtype_text: string;
  shiptype: number;
  shiptype_text: string;
  interval: number;
  quiet: number;
}

/** Class B static data: part A (name) and part B merged per MMSI, as gpsd does. */
export interface StaticDataReport extends Header<24> {
  shipname: string;
  shiptype: number;
  shiptype_text: string;
  vendorid: string;
  model: number;
  serial: number;
  callsign: string;
  to_bow?: number;
  to_stern?: number;
  to_port?: number;
  to_starboard?: number;
  /** Auxiliary craft (MMSI 98xxxxxxx) give their mother ship instead of dimensions. */
  mothership_mmsi?: number;
}

export interface SingleSlotBinary extends Header<25> {
  addressed: boolean;
  structured: boolean;
  dest_mmsi: number;
  app_id: number;
  data: string;
}

export interface MultiSlotBinary extends Header<26> {
  addressed: boolean;
  structured: boolean;
  dest_mmsi: number;
  app_id: number;
  data: string;
  radio: number;
}

export interface LongRangeReport extends Header<27> {
  status: number;
  accuracy: boolean;
  /** 1/10 minute. */
  lon: number;
  lat: number;
  /** Knots. */
  speed: number;
  /** Degrees. */
  course: number;
  raim: boolean;
  gnss: boolean;
}

export type AisMessage =
  | PositionReportA
  | BaseStationReport
  | StaticVoyageData
  | AddressedBinary
  | Acknowledge
  | BinaryBroadcast
  | SarAircraftReport
  | UtcInquiry
  | SafetyAddressed
  | SafetyBroadcast
  | Interrogation
  | AssignedModeCommand
  | GnssBroadcast
  | PositionReportB
  | ExtendedPositionReportB
  | DataLinkManagement
  | AidToNavigation
  | ChannelManagement
  | GroupAssignment
  | StaticDataReport
  | SingleSlotBinary
  | MultiSlotBinary
  | LongRangeReport;

export type AisMessageType = AisMessage['type'];

/** Why a message body could not be decoded; `reason` is a stable counter label. */
export class BodyFailure {
  constructor(
    readonly reason: 'unknown_type' | 'too_short' | 'too_long' | 'bad_subtype',
    readonly detail: string,
  ) {}
}

/**
 * Type 24 part A (name) waiting for its part B, per MMSI. Bounded: the oldest entry goes first (gpsd keeps 8,
 * we keep more because a busy coast has more than 8 class B vessels between an A and its B).
 */
export class Type24Store {
  readonly #names = new Map<number, string>();
  constructor(readonly capacity = 4096) {}

  get size(): number {
    return this.#names.size;
  }

  put(mmsi: number, shipname: string): void {
    this.#names.delete(mmsi);
    this.#names.set(mmsi, shipname);
    if (this.#names.size > this.capacity) {
      const oldest = this.#names.keys().next().value;
      if (oldest !== undefined) this.#names.delete(oldest);
    }
  }

  take(mmsi: number): string | undefined {
    const name = this.#names.get(mmsi);
    if (name !== undefined) this.#names.delete(mmsi);
    return name;
  }
}

/** Body decode outcome: a message, a stored type 24 part A (`'stored'`), or a failure. */
export type BodyResult = AisMessage | 'stored' | BodyFailure;

/** Bit-length limits per type: [min, max]. Below min is truncated; above max is longer than the type allows. */
export const LENGTH_LIMITS: ReadonlyArray<readonly [number, number] | undefined> = (() => {
  const limits: Array<readonly [number, number] | undefined> = [];
  // Fixed-size types: gpsd's minimum, and at most one character more than the nominal length.
  const upTo = (nominal: number) => Math.ceil(nominal / 6) * 6 + 6;
  limits[1] = limits[2] = limits[3] = [163, 204];
  limits[4] = limits[11] = [168, upTo(168)];
  limits[5] = [420, upTo(424)];
  limits[6] = [88, 1008];
  limits[7] = limits[13] = [72, 168];
  limits[8] = [56, 1008];
  limits[9] = [168, upTo(168)];
  limits[10] = [72, upTo(72)];
  limits[12] = [72, 1008];
  limits[14] = [40, 1008];
  limits[15] = [88, 168];
  limits[16] = [96, 168];
  limits[17] = [80, 816];
  limits[18] = [168, upTo(168)];
  limits[19] = [312, upTo(312)];
  limits[20] = [72, 186];
  limits[21] = [272, 368];
  limits[22] = [168, upTo(168)];
  limits[23] = [160, upTo(160)];
  limits[24] = [160, upTo(168)];
  limits[25] = [40, 168];
  limits[26] = [60, 1004];
  limits[27] = [96, 168];
  return limits;
})();

const twoDigits = (value: number) => (value < 10 ? `0${value}` : `${value}`);

/** True for MMSIs of auxiliary craft (98MIDxxxx), whose type 24B carries a mother ship MMSI. */
const isAuxiliaryMmsi = (mmsi: number) => Math.floor(mmsi / 10_000_000) === 98;

export function decodeBody(bits: PayloadBits, type24: Type24Store): BodyResult {
  const length = bits.bitLength;
  if (length < 38)
    return new BodyFailure('too_short', `message of ${length} bits has no complete header (38 bits)`);
  const type = bits.uint(0, 6);
  const limits = LENGTH_LIMITS[type];
  if (limits === undefined)
    return new BodyFailure('unknown_type', `message type ${type} is not defined in ITU-R M.1371`);
  if (length < limits[0])
    return new BodyFailure('too_short', `type ${type} needs at least ${limits[0]} bits, got ${length}`);
  if (length > limits[1])
    return new BodyFailure('too_long', `type ${type} allows at most ${limits[1]} bits, got ${length}`);
  const repeat = bits.uint(6, 2);
  const mmsi = bits.uint(8, 30);
  switch (type) {
    case 1:
    case 2:
    case 3: {
      const status = bits.uint(38, 4);
      return {
        type,
        repeat,
        mmsi,
        status,
        status_text: NAV_STATUS_TEXT[status]!,
        turn: bits.int(42, 8),
        speed: bits.uint(50, 10),
        accuracy: bits.bool(60),
        lon: bits.int(61, 28),
        lat: bits.int(89, 27),
        course: bits.uint(116, 12),
        heading: bits.uint(128, 9),
        second: bits.uint(137, 6),
        maneuver: bits.uint(143, 2),
        raim: bits.bool(148),
        radio: length >= 168 ? bits.uint(149, 19) : bits.uint(149, length - 149),
      };
    }
    case 4:
    case 11: {
      const epfd = bits.uint(134, 4);
      return {
        type,
        repeat,
        mmsi,
        timestamp: `${String(bits.uint(38, 14)).padStart(4, '0')}-${twoDigits(bits.uint(52, 4))}-${twoDigits(bits.uint(56, 5))}T${twoDigits(bits.uint(61, 5))}:${twoDigits(bits.uint(66, 6))}:${twoDigits(bits.uint(72, 6))}Z`,
        accuracy: bits.bool(78),
        lon: bits.int(79, 28),
        lat: bits.int(107, 27),
        epfd,
        epfd_text: EPFD_TEXT[epfd]!,
        raim: bits.bool(148),
        radio: bits.uint(149, 19),
      };
    }
    case 5: {
      const shiptype = bits.uint(232, 8);
      const epfd = bits.uint(270, 4);
      return {
        type,
        repeat,
        mmsi,
        imo: bits.uint(40, 30),
        ais_version: bits.uint(38, 2),
        callsign: bits.text(70, 7),
        shipname: bits.text(112, 20),
        shiptype,
        shiptype_text: SHIP_TYPE_TEXT[shiptype]!,
        to_bow: bits.uint(240, 9),
        to_stern: bits.uint(249, 9),
        to_port: bits.uint(258, 6),
        to_starboard: bits.uint(264, 6),
        epfd,
        epfd_text: EPFD_TEXT[epfd]!,
        eta: `${twoDigits(bits.uint(274, 4))}-${twoDigits(bits.uint(278, 5))}T${twoDigits(bits.uint(283, 5))}:${twoDigits(bits.uint(288, 6))}Z`,
        draught: bits.uint(294, 8),
        destination: bits.text(302, 20),
        dte: length >= 423 ? bits.uint(422, 1) : 0,
      };
    }
    case 6: {
      const message: AddressedBinary = {
        type,
        repeat,
        mmsi,
        seqno: bits.uint(38, 2),
        dest_mmsi: bits.uint(40, 30),
        retransmit: bits.bool(70),
        dac: bits.uint(72, 10),
        fid: bits.uint(82, 6),
      };
      if (!decodeType6Payload(bits, message))
        message.data = `${length - 88}:${bits.hex(88, length - 88, Infinity)}`;
      return message;
    }
    case 7:
    case 13: {
      const ackMmsi = (index: number) => (40 + 32 * index < length ? bits.uint(40 + 32 * index, 30) : 0);
      return {
        type,
        repeat,
        mmsi,
        mmsi1: ackMmsi(0),
        mmsi2: ackMmsi(1),
        mmsi3: ackMmsi(2),
        mmsi4: ackMmsi(3),
      };
    }
    case 8: {
      const message: BinaryBroadcast = { type, repeat, mmsi, dac: bits.uint(40, 10), fid: bits.uint(50, 6) };
      if (!decodeType8Payload(bits, message))
        message.data = `${length - 56}:${bits.hex(56, length - 56, length)}`;
      return message;
    }
    case 9:
      return {
        type,
        repeat,
        mmsi,
        alt: bits.uint(38, 12),
        speed: bits.uint(50, 10),
        accuracy: bits.bool(60),
        lon: bits.int(61, 28),
        lat: bits.int(89, 27),
        course: bits.uint(116, 12),
        second: bits.uint(128, 6),
        regional: bits.uint(134, 8),
        dte: bits.uint(142, 1),
        raim: bits.bool(147),
        radio: bits.uint(148, 20),
      };
    case 10:
      return { type, repeat, mmsi, dest_mmsi: bits.uint(40, 30) };
    case 12:
      return {
        type,
        repeat,
        mmsi,
        seqno: bits.uint(38, 2),
        dest_mmsi: bits.uint(40, 30),
        retransmit: bits.bool(70),
        text: bits.textToEnd(72, 156),
      };
    case 14:
      return { type, repeat, mmsi, text: bits.textToEnd(40, 160) };
    case 15: {
      const has2 = length > 90;
      const has3 = has2 && length > 110;
      return {
        type,
        repeat,
        mmsi,
        mmsi1: bits.uint(40, 30),
        type1_1: bits.uint(70, 6),
        offset1_1: bits.uint(76, 12),
        type1_2: has2 ? bits.uint(90, 6) : 0,
        offset1_2: has2 ? bits.uint(96, 12) : 0,
        mmsi2: has3 ? bits.uint(110, 30) : 0,
        type2_1: has3 ? bits.uint(140, 6) : 0,
        offset2_1: has3 ? bits.uint(146, 12) : 0,
      };
    }
    case 16: {
      const has2 = length >= 144;
      return {
        type,
        repeat,
        mmsi,
        mmsi1: bits.uint(40, 30),
        offset1: bits.uint(70, 12),
        increment1: bits.uint(82, 10),
        mmsi2: has2 ? bits.uint(92, 30) : 0,
        offset2: has2 ? bits.uint(122, 12) : 0,
        increment2: has2 ? bits.uint(134, 10) : 0,
      };
    }
    case 17:
      return {
        type,
        repeat,
        mmsi,
        lon: bits.int(40, 18),
        lat: bits.int(58, 17),
        data: `${length - 80}:${bits.hex(80, length - 80, Infinity)}`,
      };
    case 18:
      return {
        type,
        repeat,
        mmsi,
        reserved: bits.uint(38, 8),
        speed: bits.uint(46, 10),
        accuracy: bits.bool(56),
        lon: bits.int(57, 28),
        lat: bits.int(85, 27),
        course: bits.uint(112, 12),
        heading: bits.uint(124, 9),
        second: bits.uint(133, 6),
        regional: bits.uint(139, 2),
        cs: bits.bool(141),
        display: bits.bool(142),
        dsc: bits.bool(143),
        band: bits.bool(144),
        msg22: bits.bool(145),
        raim: bits.bool(147),
        radio: bits.uint(148, 20),
      };
    case 19: {
      const shiptype = bits.uint(263, 8);
      const epfd = bits.uint(301, 4);
      return {
        type,
        repeat,
        mmsi,
        reserved: bits.uint(38, 8),
        speed: bits.uint(46, 10),
        accuracy: bits.bool(56),
        lon: bits.int(57, 28),
        lat: bits.int(85, 27),
        course: bits.uint(112, 12),
        heading: bits.uint(124, 9),
        second: bits.uint(133, 6),
        regional: bits.uint(139, 4),
        shipname: bits.text(143, 20),
        shiptype,
        shiptype_text: SHIP_TYPE_TEXT[shiptype]!,
        to_bow: bits.uint(271, 9),
        to_stern: bits.uint(280, 9),
        to_port: bits.uint(289, 6),
        to_starboard: bits.uint(295, 6),
        epfd,
        epfd_text: EPFD_TEXT[epfd]!,
        raim: bits.bool(305),
        dte: bits.uint(306, 1),
        assigned: bits.bool(307),
      };
    }
    case 20:
      return {
        type,
        repeat,
        mmsi,
        offset1: bits.uint(40, 12),
        number1: bits.uint(52, 4),
        timeout1: bits.uint(56, 3),
        increment1: bits.uint(59, 11),
        offset2: bits.uint(70, 12),
        number2: bits.uint(82, 4),
        timeout2: bits.uint(86, 3),
        increment2: bits.uint(89, 11),
        offset3: bits.uint(100, 12),
        number3: bits.uint(112, 4),
        timeout3: bits.uint(116, 3),
        increment3: bits.uint(119, 11),
        offset4: bits.uint(130, 12),
        number4: bits.uint(142, 4),
        timeout4: bits.uint(146, 3),
        increment4: bits.uint(149, 11),
      };
    case 21: {
      const aidType = bits.uint(38, 5);
      const epfd = bits.uint(249, 4);
      let name = bits.textUntrimmed(43, 20);
      if (name.length === 20 && length > 272) name += bits.textToEnd(272, 14);
      return {
        type,
        repeat,
        mmsi,
        aid_type: aidType,
        aid_type_text: AID_TYPE_TEXT[aidType]!,
        name: name.replace(TRAILING_SPACES, ''),
        accuracy: bits.bool(163),
        lon: bits.int(164, 28),
        lat: bits.int(192, 27),
        to_bow: bits.uint(219, 9),
        to_stern: bits.uint(228, 9),
        to_port: bits.uint(237, 6),
        to_starboard: bits.uint(243, 6),
        epfd,
        epfd_text: EPFD_TEXT[epfd]!,
        second: bits.uint(253, 6),
        regional: bits.uint(260, 8),
        off_position: bits.bool(259),
        raim: bits.bool(268),
        virtual_aid: bits.bool(269),
      };
    }
    case 22: {
      const addressed = bits.bool(139);
      const base = {
        type,
        repeat,
        mmsi,
        channel_a: bits.uint(40, 12),
        channel_b: bits.uint(52, 12),
        txrx: bits.uint(64, 4),
        power: bits.bool(68),
      };
      const tail = { addressed, band_a: bits.bool(140), band_b: bits.bool(141), zonesize: bits.uint(142, 3) };
      return addressed
        ? { ...base, dest1: bits.uint(69, 30), dest2: bits.uint(104, 30), ...tail }
        : {
            ...base,
            ne_lon: bits.int(69, 18),
            ne_lat: bits.int(87, 17),
            sw_lon: bits.int(104, 18),
            sw_lat: bits.int(122, 17),
            ...tail,
          };
    }
    case 23: {
      const stationtype = bits.uint(110, 4);
      const shiptype = bits.uint(114, 8);
      return {
        type,
        repeat,
        mmsi,
        ne_lon: bits.int(40, 18),
        ne_lat: bits.int(58, 17),
        sw_lon: bits.int(75, 18),
        sw_lat: bits.int(93, 17),
        stationtype,
        stationtype_text: STATION_TYPE_TEXT[stationtype]!,
        shiptype,
        shiptype_text: SHIP_TYPE_TEXT[shiptype]!,
        interval: bits.uint(146, 4),
        quiet: bits.uint(150, 4),
      };
    }
    case 24:
      return decodeType24(bits, repeat, mmsi, type24);
    case 25:
    case 26:
      return decodeSlotBinary(bits, type, repeat, mmsi);
    case 27:
      if (length !== 96 && length !== 168)
        return new BodyFailure('too_long', `type 27 is 96 bits (or 168 in the wild), got ${length}`);
      return {
        type,
        repeat,
        mmsi,
        status: bits.uint(40, 4),
        accuracy: bits.bool(38),
        lon: bits.int(44, 18),
        lat: bits.int(62, 17),
        speed: bits.uint(79, 6),
        course: bits.uint(85, 9),
        raim: bits.bool(39),
        gnss: bits.bool(94),
      };
    default:
      return new BodyFailure('unknown_type', `message type ${type} is not defined in ITU-R M.1371`);
  }
}

const TRAILING_SPACES = /[ @]+$/;

function decodeType24(bits: PayloadBits, repeat: number, mmsi: number, store: Type24Store): BodyResult {
  const part = bits.uint(38, 2);
  const length = bits.bitLength;
  if (part === 0) {
    if (length > 168)
      return new BodyFailure('too_long', `type 24 part A allows at most 168 bits, got ${length}`);
    store.put(mmsi, bits.text(40, 20));
    return 'stored';
  }
  if (part !== 1)
    return new BodyFailure('bad_subtype', `type 24 part number ${part} is neither A (0) nor B (1)`);
  if (length < 168)
    return new BodyFailure('too_short', `type 24 part B needs at least 168 bits, got ${length}`);
  const shipname = store.take(mmsi);
  if (shipname === undefined) return 'stored';
  const shiptype = bits.uint(40, 8);
  const head = {
    type: 24 as const,
    repeat,
    mmsi,
    shipname,
    shiptype,
    shiptype_text: SHIP_TYPE_TEXT[shiptype]!,
    vendorid: bits.text(48, 7),
    model: bits.uint(66, 4),
    serial: bits.uint(70, 20),
    callsign: bits.text(90, 7),
  };
  if (isAuxiliaryMmsi(mmsi)) return { ...head, mothership_mmsi: bits.uint(132, 30) };
  return {
    ...head,
    to_bow: bits.uint(132, 9),
    to_stern: bits.uint(141, 9),
    to_port: bits.uint(150, 6),
    to_starboard: bits.uint(156, 6),
  };
}

function decodeSlotBinary(bits: PayloadBits, type: 25 | 26, repeat: number, mmsi: number): BodyResult {
  const length = bits.bitLength;
  const addressed = bits.bool(38);
  const structured = bits.bool(39);
  const radioBits = type === 26 ? 20 : 0;
  const header = 40 + (addressed ? 30 : 0) + (structured ? 16 : 0);
  if (length < header + radioBits)
    return new BodyFailure('too_short', `type ${type} is too short for its addressing mode (${length} bits)`);
  const dataStart = header;
  const dataBits = length - header - radioBits;
  // gpsd copies the bytes after the app id, then shifts out the 30 address bits: its last byte ends early.
  const copied = 40 + (structured ? 16 : 0);
  const zeroFrom = addressed ? copied + Math.ceil((dataBits + 30) / 8) * 8 : Infinity;
  const common = {
    repeat,
    mmsi,
    addressed,
    structured,
    dest_mmsi: addressed ? bits.uint(40, 30) : 0,
    app_id: structured ? bits.uint(addressed ? 70 : 40, 16) : 0,
    data: `${dataBits}:${bits.hex(dataStart, dataBits, zeroFrom)}`,
  };
  if (type === 25) return { type, ...common };
  return { type, ...common, radio: bits.uint(length - 20, 20) };
}
