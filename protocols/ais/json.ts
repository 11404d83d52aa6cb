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
  const head = options.device === undefined ? HEAD : `{"class":"AIS","device":${JSON.stringify(options.device)},`;
  const scaled = options.scaled ? '"scaled":true' : '"scaled":false';
  if (afterMmsi < 0) return `${head}${body.slice(1, -1)},${scaled}}`;
  return `${head}${body.slice(1, afterMmsi)},${scaled}${body.slice(afterMmsi)}`;
}

type Fields = Record<string, unknown>;

/**
 * Hand-written lines for the position reports that make up most of the traffic (types 1-3 and 18): the
 * generic path (JSON.stringify + splicing) is several times slower. Text is identical to gpsd's, digits
 * included (printf-style fixed decimals).
 */
function fastJson(m: AisMessage, scaled: boolean): string | undefined {
  if (m.type === 1 || m.type === 2 || m.type === 3) {
    const head = `${HEAD}"type":${m.type},"repeat":${m.repeat},"mmsi":${m.mmsi},"scaled":${scaled},"status":${m.status},"status_text":"${m.status_text}","turn":`;
    const tail = `,"heading":${m.heading},"second":${m.second},"maneuver":${m.maneuver},"raim":${m.raim},"radio":${m.radio}}`;
    if (!scaled) {
      return `${head}${m.turn},"speed":${m.speed},"accuracy":${m.accuracy},"lon":${m.lon},"lat":${m.lat},"course":${m.course}${tail}`;
    }
    const turn = turnLegend(m.turn);
    const speed = m.speed === 1023 ? '"nan"' : m.speed === 1022 ? '"fast"' : fixedText(m.speed / 10, 1);
    return `${head}${typeof turn === 'string' ? `"${turn}"` : turn},"speed":${speed},"accuracy":${m.accuracy},"lon":${fixedText(m.lon / 600_000, 6)},"lat":${fixedText(m.lat / 600_000, 6)},"course":${fixedText(m.course / 10, 1)}${tail}`;
  }
  if (m.type === 18) {
    const head = `${HEAD}"type":18,"repeat":${m.repeat},"mmsi":${m.mmsi},"scaled":${scaled},"reserved":${m.reserved},"speed":`;
    const tail = `,"heading":${m.heading},"second":${m.second},"regional":${m.regional},"cs":${m.cs},"display":${m.display},"dsc":${m.dsc},"band":${m.band},"msg22":${m.msg22},"raim":${m.raim},"radio":${m.radio}}`;
    if (!scaled) return `${head}${m.speed},"accuracy":${m.accuracy},"lon":${m.lon},"lat":${m.lat},"course":${m.course}${tail}`;
    return `${head}${fixedText(m.speed / 10, 1)},"accuracy":${m.accuracy},"lon":${fixedText(m.lon / 600_000, 6)},"lat":${fixedText(m.lat / 600_000, 6)},"course":${fixedText(m.course / 10, 1)}${tail}`;
  }
  return undefined;
}

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

/** The message in gpsd's scaled form (`gpsdecode -j`), fields in gpsd's order. */
export function scaledFields(message: AisMessage): Fields {
  const m = message as unknown as Fields;
  switch (message.type) {
    case 1:
    case 2:
    case 3:
      return { ...message, turn: turnLegend(message.turn), speed: speedLegend(message.speed), lon: degrees(message.lon), lat: degrees(message.lat), course: tenths(message.course) };
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
      return { ...message, speed: tenths(message.speed), lon: degrees(message.lon), lat: degrees(message.lat), course: tenths(message.course) };
    case 21: {
      const { accuracy, lon, lat, ...rest } = message;
      const { type, repeat, mmsi, aid_type, aid_type_text, name, ...tail } = rest;
      return { type, repeat, mmsi, aid_type, aid_type_text, name, lon: degrees(lon), lat: degrees(lat), accuracy, ...tail };
    }
    case 22:
      if (message.addressed) return { ...message };
      return { ...message, ne_lon: areaCorner(message.ne_lon), ne_lat: areaCorner(message.ne_lat), sw_lon: areaCorner(message.sw_lon), sw_lat: areaCorner(message.sw_lat) };
    case 23:
      return { ...message, ne_lon: areaCorner(message.ne_lon), ne_lat: areaCorner(message.ne_lat), sw_lon: areaCorner(message.sw_lon), sw_lat: areaCorner(message.sw_lat) };
    case 27:
      return { ...message, status: NAV_STATUS_TEXT[message.status], lon: degreesCoarse(message.lon, 1), lat: degreesCoarse(message.lat, 1) };
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
    for (const key of ['ana_int', 'ana_ext1', 'ana_ext2']) if (num(m[key]) !== 0) out[key] = fixed(num(m[key]) * 0.05, 2);
  } else if (m.dac === 1) {
    if (m.fid === 18) Object.assign(out, { lon: degrees3(num(m.lon)), lat: degrees3(num(m.lat)) });
    if (m.fid === 20) Object.assign(out, { berth_lon: degrees3(num(m.berth_lon)), berth_lat: degrees3(num(m.berth_lat)), berth_depth: fixed(num(m.berth_depth) * 0.1, 1) });
    if (m.fid === 28) out.waypoints = scaledWaypoints(m.waypoints);
    if (m.fid === 14 || m.fid === 32) {
      out.tidals = (m.tidals as Fields[]).map((t) => ({ ...t, lon: degrees3(num(t.lon)), lat: degrees3(num(t.lat)), cspeed: tenths(num(t.cspeed)) }));
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
      return { ...out, targets: (m.targets as Fields[]).map((t) => ({ ...t, lat: degrees3(num(t.lat)), lon: degrees3(num(t.lon)) })) };
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
