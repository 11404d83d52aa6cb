import type { TSchema, Static } from '@sinclair/typebox';
import {
  EdgeHealth,
  EdgeStatus,
  FireAlert,
  VesselPositionBatch,
  type VesselPosition,
} from '../../protocols/mqtt/payloads.js';
import { compileSchema } from '../../protocols/validation.js';
import type { Vessel } from '../fleet/vessels.js';

/** A 32×24 JPEG (ffmpeg, one colour): a valid, small snapshot for simulated fire alerts. */
export const SNAPSHOT_JPEG_BASE64 =
  '/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgUFBcUFxsbGxsbGyAeICEhISAgICAhISEkJCQqKiokJCQhISQkKCgqKi4vLisrKisvLzIyMjw8OTlGRkhWVmf/xABNAAEBAAAAAAAAAAAAAAAAAAAABgEBAQEAAAAAAAAAAAAAAAAAAAUGEAEAAAAAAAAAAAAAAAAAAAAAEQEAAAAAAAAAAAAAAAAAAAAA/8AAEQgAGAAgAwEiAAIRAAMRAP/aAAwDAQACEQMRAD8AjgERogAAAAAH/9k=';

/** A payload that failed its own schema: never sent, counted (`invalid` in the report). */
export class InvalidPayloadError extends Error {
  constructor(
    readonly schemaId: string,
    readonly errors: string[],
  ) {
    super(`simulated ${schemaId} does not match its schema: ${errors.join('; ')}`);
    this.name = 'InvalidPayloadError';
  }
}

/** Checks a payload against its protocol schema and serialises it; throws InvalidPayloadError instead of sending garbage. */
export function encodeChecked<S extends TSchema>(schema: S, value: Static<S>): Buffer {
  const compiled = compileSchema(schema);
  if (!compiled.check(value)) {
    const result = compiled.parseValue(value);
    throw new InvalidPayloadError(String(schema.$id ?? 'payload'), result.ok ? [] : result.errors);
  }
  return Buffer.from(JSON.stringify(value));
}

export function statusPayload(
  state: EdgeStatus['state'],
  ts: number,
  version: string,
  reason?: string,
): Buffer {
  const status: EdgeStatus = { state, ts, version };
  if (reason) status.reason = reason;
  return encodeChecked(EdgeStatus, status);
}

export function positionBatchPayload(edgeId: string, seq: number, positions: VesselPosition[]): Buffer {
  return encodeChecked(VesselPositionBatch, { edgeId, seq, positions });
}

export function healthPayload(health: EdgeHealth): Buffer {
  return encodeChecked(EdgeHealth, health);
}

export function fireAlertPayload(alert: FireAlert): Buffer {
  return encodeChecked(FireAlert, alert);
}

/** 1/10000 minute (AIS resolution), then 6 decimals as `VesselPosition` carries degrees: what a real edge decodes. */
const asDecoded = (degrees: number) => Math.round((Math.round(degrees * 600_000) / 600_000) * 1e6) / 1e6;
const tenths = (value: number) => Math.round(value * 10) / 10;

/** A vessel's report at `ts`, with the values and resolution a real edge gets from its AIS decoder. */
export function vesselPosition(vessel: Vessel, ts: number): VesselPosition {
  const [lon, lat] = vessel.position;
  const classA = vessel.identity.aisClass === 'A';
  const position: VesselPosition = {
    mmsi: vessel.mmsi,
    ts,
    lat: asDecoded(lat),
    lon: asDecoded(lon),
    sog: Math.min(102.2, tenths(vessel.sog)),
    cog: tenths(vessel.cog) % 360,
    heading: vessel.heading,
    msgType: classA ? 1 : 18,
    aisClass: classA ? 'A' : 'B',
  };
  if (classA) position.navStatus = vessel.navStatus;
  return position;
}
