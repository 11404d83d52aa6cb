import { ICE_TEXT, PRECIP_TYPE_TEXT } from './binary.js';
import { NAV_STATUS_TEXT } from './lookups.js';
import type { AisMessage } from './messages.js';

/**
 * gpsd's AIS JSON (what `gpsdecode -j` / `-u -j` print): `class`, `device`, the header, `scaled`, then the
 * message fields. Unscaled is the message itself; scaled applies gpsd's units and "nan"/"fast" legends.
 */
export interface GpsdJsonOptions {
  /** false: raw integers as `gpsdecode -u -j`; true: degrees/knots/… as `gpsdecode -j`. */
  scaled: boolean;
  /** The `device` member; gpsdecode prints `stdin`. */
  device?: string;
}

const HEAD = '{"class":"AIS","device":"stdin",';

export function toGpsdJson(message: AisMessage, options: GpsdJsonOptions): string {
  if (options.device === undefined) {
    const fast = fastJson(message, options.scaled);
    if (fast !== undefined) return fast;
  }
  const body = JSON.stringify(options.scaled ? scaledFields(message) : message);
  // body starts with {"type":T,"repeat":R,"mmsi":M, ... : gpsd puts "scaled" right after mmsi.
  const afterMmsi = body.indexOf(',', body.indexOf('"mmsi":') + 7);
  const head =
    options.device === undefined ? HEAD : `{"class":"AIS","device":${JSON.stringify(options.device)},`;
  const scaled = options.scaled ? '"scaled":true' : '"scaled":false';
  if (afterMmsi < 0) return `${head}${body.slice(1, -1)},${scaled}}`;
  return `${head}${body.slice(1, afterMmsi)},${scaled}${body.slice(afterMmsi)}`;
}

type Fields = Record<string, unknown>;

/**
 * Hand-written lines for the traffic seen on a coast: position reports (types 1-3, 18), static data (5, 24)
 * and aids to navigation (21). The generic path (object copy, JSON.stringify, splicing) is several times
 * slower. Types 5, 21 and 24 print byte for byte the generic path's text; scaled 1-3 and 18 print gpsd's
 * fixed decimals ("1.0", "104.500000"), the same values (json.test.ts checks both). Fixed-point fields come
 * from tables built with the generic formatting, degrees from exact integer arithmetic.
 */
function fastJson(m: AisMessage, scaled: boolean): string | undefined {
  switch (m.type) {
    case 1:
    case 2:
    case 3: {
      const status =
        m.status_text === NAV_STATUS_TEXT[m.status] ? STATUS_PART[(scaled ? 16 : 0) + m.status] : undefined;
      const head = `${MESSAGE_HEAD[m.type * 4 + m.repeat]}${intText(m.mmsi)}${status ?? `,"scaled":${scaled},"status":${m.status},"status_text":${quoted(m.status_text)},"turn":`}`;
      const tail = `${m.heading},"second":${m.second}${MANEUVER_PART[m.maneuver * 2 + (m.raim ? 1 : 0)]}${intText(m.radio)}}`;
      if (!scaled) {
        return `${head}${m.turn},"speed":${m.speed},"accuracy":${m.accuracy},"lon":${m.lon},"lat":${m.lat},"course":${m.course},"heading":${tail}`;
      }
      return `${head}${TURN_TEXT[m.turn + 128]}${SPEED_PART[m.speed]}${m.accuracy ? ACCURACY_TRUE : ACCURACY_FALSE}${degreesText(m.lon)},"lat":${degreesText(m.lat)}${COURSE_PART[m.course]}${tail}`;
    }
    case 18: {
      const head = `${MESSAGE_HEAD[18 * 4 + m.repeat]}${intText(m.mmsi)}${RESERVED_PART[(scaled ? 256 : 0) + m.reserved]}`;
      const flags =
        m.regional * 64 +
        (m.cs ? 32 : 0) +
        (m.display ? 16 : 0) +
        (m.dsc ? 8 : 0) +
        (m.band ? 4 : 0) +
        (m.msg22 ? 2 : 0) +
        (m.raim ? 1 : 0);
      const tail = `${m.heading},"second":${m.second}${CLASS_B_FLAGS_PART[flags]}${intText(m.radio)}}`;
      if (!scaled)
        return `${head}${m.speed},"accuracy":${m.accuracy},"lon":${m.lon},"lat":${m.lat},"course":${m.course},"heading":${tail}`;
      return `${head}${TENTHS_TEXT[m.speed]}${m.accuracy ? ACCURACY_TRUE : ACCURACY_FALSE}${degreesText(m.lon)},"lat":${degreesText(m.lat)}${COURSE_PART[m.course]}${tail}`;
    }
    case 5:
      return (
        `${HEAD}"type":5,"repeat":${m.repeat},"mmsi":${m.mmsi},"scaled":${scaled},"imo":${m.imo},"ais_version":${m.ais_version},` +
        `"callsign":${quoted(m.callsign)},"shipname":${quoted(m.shipname)},"shiptype":${m.shiptype},"shiptype_text":${quoted(m.shiptype_text)},` +
        `"to_bow":${m.to_bow},"to_stern":${m.to_stern},"to_port":${m.to_port},"to_starboard":${m.to_starboard},"epfd":${m.epfd},"epfd_text":${quoted(m.epfd_text)},` +
        `"eta":${quoted(m.eta)},"draught":${scaled ? DRAUGHT_NUMBER_TEXT[m.draught] : m.draught},"destination":${quoted(m.destination)},"dte":${m.dte}}`
      );
    case 24: {
      const head =
        `${HEAD}"type":24,"repeat":${m.repeat},"mmsi":${m.mmsi},"scaled":${scaled},"shipname":${quoted(m.shipname)},"shiptype":${m.shiptype},` +
        `"shiptype_text":${quoted(m.shiptype_text)},"vendorid":${quoted(m.vendorid)},"model":${m.model},"serial":${m.serial},"callsign":${quoted(m.callsign)}`;
      if (m.mothership_mmsi !== undefined) return `${head},"mothership_mmsi":${m.mothership_mmsi}}`;
      if (m.to_bow === undefined) return undefined;
      return `${head},"to_bow":${m.to_bow},"to_stern":${m.to_stern},"to_port":${m.to_port},"to_starboard":${m.to_starboard}}`;
    }
    case 21: {
      const head = `${HEAD}"type":21,"repeat":${m.repeat},"mmsi":${m.mmsi},"scaled":${scaled},"aid_type":${m.aid_type},"aid_type_text":${quoted(m.aid_type_text)},"name":${quoted(m.name)},`;
      const tail =
        `"to_bow":${m.to_bow},"to_stern":${m.to_stern},"to_port":${m.to_port},"to_starboard":${m.to_starboard},"epfd":${m.epfd},"epfd_text":${quoted(m.epfd_text)},` +
        `"second":${m.second},"regional":${m.regional},"off_position":${m.off_position},"raim":${m.raim},"virtual_aid":${m.virtual_aid}}`;
      if (!scaled) return `${head}"accuracy":${m.accuracy},"lon":${m.lon},"lat":${m.lat},${tail}`;
      return `${head}"lon":${degreesNumberText(m.lon)},"lat":${degreesNumberText(m.lat)},"accuracy":${m.accuracy},${tail}`;
    }
    default:
      return undefined;
  }
}

/** A JSON string literal; six-bit AIS text holds no control characters, only quotes and backslashes need escapes. */
function quoted(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}
const NEEDS_ESCAPE = /["\\\p{Cc}\p{Cs}]/u;

/**
 * printf("%.6f") of value/600000 (1/10000 minute -> degrees) from integers: in millionths of a degree the
 * exact value is value*5/3, whose fraction (0, 1/3 or 2/3) is never a rounding tie, so rounding it is what
 * toFixed(6) does with the double.
 */
function degreesText(value: number): string {
  const millionths = Math.round((Math.abs(value) * 5) / 3);
  const whole = Math.floor(millionths / 1_000_000);
  const fraction = millionths - whole * 1_000_000;
  const thousands = Math.floor(fraction / 1000);
  const text = `${whole}${DOT_THREE_DIGITS[thousands]}${THREE_DIGITS[fraction - thousands * 1000]}`;
  return value < 0 ? `-${text}` : text;
}
/** The same degrees as a JSON number (what JSON.stringify prints for `degrees(value)`): no trailing zeros. */
function degreesNumberText(value: number): string {
  const text = degreesText(value);
  return text.endsWith('0') ? text.replace(TRAILING_ZEROS, '') : text;
}
const TRAILING_ZEROS = /\.?0+$/;

/** Decimal text of a non-negative integer of up to 30 bits (MMSI, radio status) from THREE_DIGITS groups. */
function intText(value: number): string {
  if (value < 1000) return String(value);
  const high = Math.floor(value / 1000);
  return `${intText(high)}${THREE_DIGITS[value - high * 1000]}`;
}
/**
 * Zero-padded groups of three digits: formatting the six decimals from two table entries avoids
 * number-to-string conversions of random 7-digit values, which miss V8's number string cache and are slow.
 */
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
const DOT_THREE_DIGITS = THREE_DIGITS.map((digits) => `.${digits}`);

/** printf("%.Nf") text; the exact-tie check runs only when the value sits on a rounding midpoint. */
function fixedText(value: number, decimals: number): string {
  const shifted = Math.abs(value) * POWERS_OF_TEN[decimals]!;
  const fraction = shifted - Math.floor(shifted);
  if (Math.abs(fraction - 0.5) > 1e-7) return value.toFixed(decimals);
  return String(fixed(value, decimals).toFixed(decimals));
}
const POWERS_OF_TEN = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/**
 * printf("%.Nf") as a JSON number. toFixed rounds exact ties away from zero, glibc to even: 0.25 -> "0.2".
 */
function fixed(value: number, decimals: number): number {
  const shifted = Math.abs(value) * POWERS_OF_TEN[decimals]!;
  const fraction = shifted - Math.floor(shifted);
  if (Math.abs(fraction - 0.5) > 1e-7) return Number(value.toFixed(decimals));
  const rounded = value.toFixed(decimals);
  const exact = value.toFixed(decimals + 25);
  const tail = exact.slice(exact.length - 25);
  if (!TIE.test(tail)) return Number(rounded);
  const truncated = exact.slice(0, exact.length - (decimals === 0 ? 26 : 25));
  const lastDigit = truncated.charCodeAt(truncated.length - 1) - 48;
  return lastDigit % 2 === 0 ? Number(truncated) : Number(rounded);
}
const TIE = /^50*$/;
/** 1/10000 minute -> degrees, as gpsd prints them (%.6f). */
const degrees = (value: number) => fixed(value / 600_000, 6);
/** 1/1000 minute -> degrees (%.4f), application payloads. */
const degrees3 = (value: number) => fixed(value / 60_000, 4);

/** 1/10 minute -> degrees. */
const degreesCoarse = (value: number, decimals: number) => fixed(value / 600, decimals);
const tenths = (value: number) => fixed(value / 10, 1);
const TRENDS = ['steady', 'increasing', 'decreasing', 'N/A'];

function turnLegend(turn: number): number | string {
  if (turn === -128) return 'nan';
  if (turn === -127) return 'fastleft';
  if (turn === 127) return 'fastright';
  const rate = turn / 4.733;
  return fixed(rate * rate, 0);
}

function speedLegend(speed: number): number | string {
  if (speed === 1023) return 'nan';
  if (speed === 1022) return 'fast';
  return tenths(speed);
}

/**
 * Constant runs of the position report lines, indexed by the small fields they hold: one concatenation per
 * run instead of one per field (the line is built from ~16 pieces instead of ~34).
 */
const MESSAGE_HEAD = Array.from(
  { length: 28 * 4 },
  (_, index) => `${HEAD}"type":${index >> 2},"repeat":${index & 3},"mmsi":`,
);
const STATUS_PART = Array.from({ length: 32 }, (_, index) => {
  const status = index & 15;
  return `,"scaled":${index >= 16},"status":${status},"status_text":${JSON.stringify(NAV_STATUS_TEXT[status])},"turn":`;
});
const MANEUVER_PART = Array.from(
  { length: 8 },
  (_, index) => `,"maneuver":${index >> 1},"raim":${(index & 1) === 1},"radio":`,
);
const RESERVED_PART = Array.from(
  { length: 512 },
  (_, index) => `,"scaled":${index >= 256},"reserved":${index & 255},"speed":`,
);
const CLASS_B_FLAGS_PART = Array.from({ length: 256 }, (_, flags) => {
  const bit = (mask: number) => (flags & mask) !== 0;
  return `,"regional":${flags >> 6},"cs":${bit(32)},"display":${bit(16)},"dsc":${bit(8)},"band":${bit(4)},"msg22":${bit(2)},"raim":${bit(1)},"radio":`;
});
const ACCURACY_TRUE = ',"accuracy":true,"lon":';
const ACCURACY_FALSE = ',"accuracy":false,"lon":';

/** Scaled text of the small fixed-point fields, indexed by the raw value (turn by turn + 128). */
const TENTHS_TEXT = Array.from({ length: 4096 }, (_, raw) => fixedText(raw / 10, 1));
const SPEED_TEXT = Array.from({ length: 1024 }, (_, raw) =>
  raw === 1023 ? '"nan"' : raw === 1022 ? '"fast"' : fixedText(raw / 10, 1),
);
const SPEED_PART = SPEED_TEXT.map((text) => `,"speed":${text}`);
const COURSE_PART = TENTHS_TEXT.map((text) => `,"course":${text},"heading":`);
const TURN_TEXT = Array.from({ length: 256 }, (_, index) => JSON.stringify(turnLegend(index - 128)));
const DRAUGHT_NUMBER_TEXT = Array.from({ length: 256 }, (_, raw) => JSON.stringify(tenths(raw)));

/** The pieces of the position report lines, for position-lines.ts, which writes the same lines as bytes. */
export const POSITION_LINE_PARTS = {
  messageHead: MESSAGE_HEAD,
  statusPart: STATUS_PART,
  maneuverPart: MANEUVER_PART,
  reservedPart: RESERVED_PART,
  classBFlagsPart: CLASS_B_FLAGS_PART,
  accuracyTrue: ACCURACY_TRUE,
  accuracyFalse: ACCURACY_FALSE,
  tenthsText: TENTHS_TEXT,
  speedPart: SPEED_PART,
  coursePart: COURSE_PART,
  turnText: TURN_TEXT,
  degreesText,
} as const;

/** The message in gpsd's scaled form (`gpsdecode -j`), fields in gpsd's order. */
export function scaledFields(message: AisMessage): Fields {
  const m = message as unknown as Fields;
  switch (message.type) {
    case 1:
    case 2:
    case 3:
      return {
        ...message,
        turn: turnLegend(message.turn),
        speed: speedLegend(message.speed),
        lon: degrees(message.lon),
        lat: degrees(message.lat),
        course: tenths(message.course),
      };
    case 4:
    case 11:
      return { ...message, lon: degrees(message.lon), lat: degrees(message.lat) };
    case 5:
      return { ...message, draught: tenths(message.draught) };
    case 9:
      return {
        ...message,
        alt: message.alt === 4095 ? 'nan' : message.alt === 4094 ? 'high' : message.alt,
        speed: message.speed === 1023 ? 'nan' : message.speed === 1022 ? 'fast' : message.speed,
        lon: degrees(message.lon),
        lat: degrees(message.lat),
        course: tenths(message.course),
      };
    case 17:
      return { ...message, lon: degreesCoarse(message.lon, 1), lat: degreesCoarse(message.lat, 1) };
    case 18:
    case 19:
      return {
        ...message,
        speed: tenths(message.speed),
        lon: degrees(message.lon),
        lat: degrees(message.lat),
        course: tenths(message.course),
      };
    case 21: {
      const { accuracy, lon, lat, ...rest } = message;
      const { type, repeat, mmsi, aid_type, aid_type_text, name, ...tail } = rest;
      return {
        type,
        repeat,
        mmsi,
        aid_type,
        aid_type_text,
        name,
        lon: degrees(lon),
        lat: degrees(lat),
        accuracy,
        ...tail,
      };
    }
    case 22:
      if (message.addressed) return { ...message };
      return {
        ...message,
        ne_lon: areaCorner(message.ne_lon),
        ne_lat: areaCorner(message.ne_lat),
        sw_lon: areaCorner(message.sw_lon),
        sw_lat: areaCorner(message.sw_lat),
      };
    case 23:
      return {
        ...message,
        ne_lon: areaCorner(message.ne_lon),
        ne_lat: areaCorner(message.ne_lat),
        sw_lon: areaCorner(message.sw_lon),
        sw_lat: areaCorner(message.sw_lat),
      };
    case 27:
      return {
        ...message,
        status: NAV_STATUS_TEXT[message.status],
        lon: degreesCoarse(message.lon, 1),
        lat: degreesCoarse(message.lat, 1),
      };
    case 6:
      return scaledType6(m);
    case 8:
      return scaledType8(m);
    default:
      return { ...message };
  }
}

/** Types 22/23 print their corners (1/10 minute) as quoted `%f` strings. */
const areaCorner = (value: number | undefined) => ((value ?? 0) / 600).toFixed(6);

const num = (value: unknown) => value as number;

function scaledType6(m: Fields): Fields {
  const out: Fields = { ...m };
  if (m.data !== undefined) return out;
  if ((m.dac === 235 || m.dac === 250) && m.fid === 10) {
    for (const key of ['ana_int', 'ana_ext1', 'ana_ext2'])
      if (num(m[key]) !== 0) out[key] = fixed(num(m[key]) * 0.05, 2);
  } else if (m.dac === 1) {
    if (m.fid === 18) Object.assign(out, { lon: degrees3(num(m.lon)), lat: degrees3(num(m.lat)) });
    if (m.fid === 20)
      Object.assign(out, {
        berth_lon: degrees3(num(m.berth_lon)),
        berth_lat: degrees3(num(m.berth_lat)),
        berth_depth: fixed(num(m.berth_depth) * 0.1, 1),
      });
    if (m.fid === 28) out.waypoints = scaledWaypoints(m.waypoints);
    if (m.fid === 14 || m.fid === 32) {
      out.tidals = (m.tidals as Fields[]).map((t) => ({
        ...t,
        lon: degrees3(num(t.lon)),
        lat: degrees3(num(t.lat)),
        cspeed: tenths(num(t.cspeed)),
      }));
    }
  }
  return out;
}

const scaledWaypoints = (waypoints: unknown) =>
  (waypoints as Fields[]).map((w) => ({ lon: degrees(num(w.lon)), lat: degrees(num(w.lat)) }));

function scaledType8(m: Fields): Fields {
  const out: Fields = { ...m };
  if (m.data !== undefined) return out;
  if (m.dac === 200 && m.fid === 40) return { ...out, lon: degrees(num(m.lon)), lat: degrees(num(m.lat)) };
  if (m.dac !== 1) return out;
  switch (m.fid) {
    case 11:
      return {
        ...out,
        lat: degrees3(num(m.lat)),
        lon: degrees3(num(m.lon)),
        airtemp: fixed((num(m.airtemp) - 600) / 10, 1),
        dewpoint: fixed((num(m.dewpoint) - 200) / 10, 1),
        pressure: num(m.pressure) + 800,
        pressuretend: TRENDS[num(m.pressuretend)],
        visibility: tenths(num(m.visibility)),
        waterlevel: fixed((num(m.waterlevel) - 100) / 10, 1),
        leveltrend: TRENDS[num(m.leveltrend)],
        cspeed: tenths(num(m.cspeed)),
        cspeed2: tenths(num(m.cspeed2)),
        cspeed3: tenths(num(m.cspeed3)),
        waveheight: tenths(num(m.waveheight)),
        swellheight: tenths(num(m.swellheight)),
        watertemp: fixed((num(m.watertemp) - 100) / 10, 1),
        salinity: tenths(num(m.salinity)),
      };
    case 17:
      return {
        ...out,
        targets: (m.targets as Fields[]).map((t) => ({
          ...t,
          lat: degrees3(num(t.lat)),
          lon: degrees3(num(t.lon)),
        })),
      };
    case 19:
      return { ...out, lon: degrees3(num(m.lon)), lat: degrees3(num(m.lat)) };
    case 27:
      return { ...out, waypoints: scaledWaypoints(m.waypoints) };
    case 31:
      return {
        ...out,
        lat: degrees3(num(m.lat)),
        lon: degrees3(num(m.lon)),
        airtemp: tenths(num(m.airtemp)),
        dewpoint: tenths(num(m.dewpoint)),
        pressure: num(m.pressure) + 799,
        pressuretend: TRENDS[num(m.pressuretend)],
        visibility: tenths(num(m.visibility)),
        waterlevel: fixed((num(m.waterlevel) - 1000) / 100, 1),
        leveltrend: TRENDS[num(m.leveltrend)],
        cspeed: tenths(num(m.cspeed)),
        cspeed2: tenths(num(m.cspeed2)),
        cspeed3: tenths(num(m.cspeed3)),
        waveheight: tenths(num(m.waveheight)),
        swellheight: tenths(num(m.swellheight)),
        watertemp: tenths(num(m.watertemp)),
        preciptype: PRECIP_TYPE_TEXT[num(m.preciptype)],
        salinity: tenths(num(m.salinity)),
        ice: ICE_TEXT[num(m.ice)],
      };
    default:
      return out;
  }
}
