import type { VesselPosition, VesselStatic } from '../mqtt/payloads.js';
import type { AisMessage } from './messages.js';

/**
 * Maps decoded AIS messages to the MQTT payload records: scaled units (degrees, knots, metres) and AIS's
 * "not available" codes turned into absent fields.
 */

const MAX_MMSI = 999_999_999;
/** 1/10000 minute per degree (types 1-3, 18, 19). */
const FINE_PER_DEGREE = 600_000;
/** 1/10 minute per degree (type 27). */
const COARSE_PER_DEGREE = 600;

function toDegrees(lat: number, lon: number, perDegree: number): { lat: number; lon: number } | undefined {
  if (lat === 91 * perDegree || lon === 181 * perDegree) return undefined;
  const latDeg = lat / perDegree;
  const lonDeg = lon / perDegree;
  if (latDeg < -90 || latDeg > 90 || lonDeg < -180 || lonDeg > 180) return undefined;
  return { lat: round(latDeg, 6), lon: round(lonDeg, 6) };
}

const round = (value: number, decimals: number) => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};

/** Tenths of a knot (1023 = not available) -> knots. */
const tenthsOfKnot = (speed: number) => (speed >= 1023 ? undefined : speed / 10);
/** Tenths of a degree (3600 = not available) -> degrees. */
const tenthsOfDegree = (course: number) => (course >= 3600 ? undefined : course / 10);
/** Whole degrees (511 = not available). */
const headingDegrees = (heading: number) => (heading > 359 ? undefined : heading);
/** Navigation status 15 = not defined. */
const navStatus = (status: number) => (status === 15 ? undefined : status);

function withoutUndefined<T extends object>(record: T): T {
  for (const key of Object.keys(record) as Array<keyof T>) if (record[key] === undefined) delete record[key];
  return record;
}

/** Position report (types 1, 2, 3, 18, 19, 27) -> VesselPosition; undefined for other types or no position. */
export function toVesselPosition(message: AisMessage, tsMs: number): VesselPosition | undefined {
  if (message.mmsi > MAX_MMSI) return undefined;
  switch (message.type) {
    case 1:
    case 2:
    case 3: {
      const position = toDegrees(message.lat, message.lon, FINE_PER_DEGREE);
      if (position === undefined) return undefined;
      return withoutUndefined({
        mmsi: message.mmsi,
        ts: tsMs,
        ...position,
        sog: tenthsOfKnot(message.speed),
        cog: tenthsOfDegree(message.course),
        heading: headingDegrees(message.heading),
        navStatus: navStatus(message.status),
        msgType: message.type,
        aisClass: 'A' as const,
      });
    }
    case 18:
    case 19: {
      const position = toDegrees(message.lat, message.lon, FINE_PER_DEGREE);
      if (position === undefined) return undefined;
      return withoutUndefined({
        mmsi: message.mmsi,
        ts: tsMs,
        ...position,
        sog: tenthsOfKnot(message.speed),
        cog: tenthsOfDegree(message.course),
        heading: headingDegrees(message.heading),
        msgType: message.type,
        aisClass: 'B' as const,
      });
    }
    case 27: {
      const position = toDegrees(message.lat, message.lon, COARSE_PER_DEGREE);
      if (position === undefined) return undefined;
      return withoutUndefined({
        mmsi: message.mmsi,
        ts: tsMs,
        ...position,
        sog: message.speed >= 63 ? undefined : message.speed,
        cog: message.course >= 360 ? undefined : message.course,
        navStatus: navStatus(message.status),
        msgType: 27,
      });
    }
    default:
      return undefined;
  }
}

const nonEmpty = (text: string) => (text === '' ? undefined : text);
const positive = (value: number | undefined) => (value === undefined || value === 0 ? undefined : value);

/** Static data (types 5, 19 and merged 24) -> VesselStatic; undefined for other types. */
export function toVesselStatic(message: AisMessage, tsMs: number): VesselStatic | undefined {
  if (message.mmsi > MAX_MMSI) return undefined;
  switch (message.type) {
    case 5:
      return withoutUndefined({
        mmsi: message.mmsi,
        ts: tsMs,
        msgType: 5,
        imo: positive(message.imo),
        callsign: nonEmpty(message.callsign),
        shipname: nonEmpty(message.shipname),
        shiptype: positive(message.shiptype),
        toBow: positive(message.to_bow),
        toStern: positive(message.to_stern),
        toPort: positive(message.to_port),
        toStarboard: positive(message.to_starboard),
        destination: nonEmpty(message.destination),
        draught: message.draught === 0 ? undefined : message.draught / 10,
      });
    case 19:
    case 24:
      return withoutUndefined({
        mmsi: message.mmsi,
        ts: tsMs,
        msgType: message.type,
        callsign: message.type === 24 ? nonEmpty(message.callsign) : undefined,
        shipname: nonEmpty(message.shipname),
        shiptype: positive(message.shiptype),
        toBow: positive(message.to_bow),
        toStern: positive(message.to_stern),
        toPort: positive(message.to_port),
        toStarboard: positive(message.to_starboard),
      });
    default:
      return undefined;
  }
}
