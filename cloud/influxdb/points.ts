import { FieldType, type IPoint, type ISchemaOptions } from 'influx';
import type { VesselPosition, VesselStatic } from '../../protocols/mqtt/payloads.js';

export const MEASUREMENT_POSITION = 'vessel_position';
export const MEASUREMENT_STATIC = 'vessel_static';

/** A `vessel_position` row as InfluxQL `SELECT *` returns it (absent optional fields come back as null). */
export interface VesselPositionRow {
  time: Date;
  mmsi: string;
  lat: number;
  lon: number;
  sog: number | null;
  cog: number | null;
  heading: number | null;
  nav_status: number | null;
  msg_type: number | null;
  edge: string;
}

/**
 * Field types are declared so that every write uses the same InfluxDB type (an integer written once as a
 * float would make the next write of that field fail for the whole shard).
 */
export const influxSchemas: ISchemaOptions[] = [
  {
    measurement: MEASUREMENT_POSITION,
    tags: ['mmsi'],
    fields: {
      lat: FieldType.FLOAT,
      lon: FieldType.FLOAT,
      sog: FieldType.FLOAT,
      cog: FieldType.FLOAT,
      heading: FieldType.INTEGER,
      nav_status: FieldType.INTEGER,
      msg_type: FieldType.INTEGER,
      edge: FieldType.STRING,
    },
  },
  {
    measurement: MEASUREMENT_STATIC,
    tags: ['mmsi'],
    fields: {
      msg_type: FieldType.INTEGER,
      imo: FieldType.INTEGER,
      callsign: FieldType.STRING,
      shipname: FieldType.STRING,
      shiptype: FieldType.INTEGER,
      to_bow: FieldType.INTEGER,
      to_stern: FieldType.INTEGER,
      to_port: FieldType.INTEGER,
      to_starboard: FieldType.INTEGER,
      destination: FieldType.STRING,
      draught: FieldType.FLOAT,
      edge: FieldType.STRING,
    },
  },
];

type Fields = Record<string, number | string>;

function defined(fields: Record<string, number | string | undefined>): Fields {
  const result: Fields = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) result[key] = value;
  return result;
}

/**
 * One point per vessel and timestamp (tag `mmsi`, time = position time; written with precision `ms`): writing the same position
 * again overwrites it, so replays and edge retransmissions never create duplicates.
 */
export function positionPoint(edgeId: string, position: VesselPosition): IPoint {
  return {
    measurement: MEASUREMENT_POSITION,
    tags: { mmsi: String(position.mmsi) },
    fields: defined({
      lat: position.lat,
      lon: position.lon,
      sog: position.sog,
      cog: position.cog,
      heading: position.heading,
      nav_status: position.navStatus,
      msg_type: position.msgType,
      edge: edgeId,
    }),
    timestamp: position.ts,
  };
}

export function staticPoint(edgeId: string, data: VesselStatic): IPoint {
  return {
    measurement: MEASUREMENT_STATIC,
    tags: { mmsi: String(data.mmsi) },
    fields: defined({
      msg_type: data.msgType,
      imo: data.imo,
      callsign: data.callsign,
      shipname: data.shipname,
      shiptype: data.shiptype,
      to_bow: data.toBow,
      to_stern: data.toStern,
      to_port: data.toPort,
      to_starboard: data.toStarboard,
      destination: data.destination,
      draught: data.draught,
      edge: edgeId,
    }),
    timestamp: data.ts,
  };
}
