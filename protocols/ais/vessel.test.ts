import { describe, expect, it } from 'vitest';
import { VesselPosition, VesselStatic } from '../mqtt/payloads.js';
import { compileSchema } from '../validation.js';
import { AisDecoder } from './decoder.js';
import { encodeClassBPosition, encodePositionReport, encodeStaticVoyage, toSentences } from './encode.js';
import type { AisMessage } from './messages.js';
import { toVesselPosition, toVesselStatic } from './vessel.js';

const positionSchema = compileSchema(VesselPosition);
const staticSchema = compileSchema(VesselStatic);

function decodeOne(bits: number[]): AisMessage {
  const decoder = new AisDecoder();
  let message: AisMessage | undefined;
  for (const line of toSentences(bits)) {
    const result = decoder.decode(line, 0);
    if (result.status === 'message') message = result.message;
  }
  if (message === undefined) throw new Error(`no message: ${JSON.stringify(decoder.stats)}`);
  return message;
}

describe('toVesselPosition', () => {
  it('scales a class A report to degrees and knots and validates against the schema', () => {
    const message = decodeOne(
      encodePositionReport({
        type: 1,
        mmsi: 574_123_456,
        navStatus: 7,
        sog: 8.4,
        lat: 8.605,
        lon: 104.725,
        cog: 271.3,
        heading: 270,
      }),
    );
    const position = toVesselPosition(message, 1_700_000_000_000);
    expect(position).toEqual({
      mmsi: 574_123_456,
      ts: 1_700_000_000_000,
      lat: 8.605,
      lon: 104.725,
      sog: 8.4,
      cog: 271.3,
      heading: 270,
      navStatus: 7,
      msgType: 1,
      aisClass: 'A',
    });
    expect(positionSchema.parseValue(position).ok).toBe(true);
  });

  it('drops "not available" speed, course, heading and status, and keeps the position', () => {
    const message = decodeOne(encodePositionReport({ type: 3, mmsi: 574_000_001, lat: -0.5, lon: -179.25 }));
    expect(toVesselPosition(message, 5)).toEqual({
      mmsi: 574_000_001,
      ts: 5,
      lat: -0.5,
      lon: -179.25,
      msgType: 3,
      aisClass: 'A',
    });
  });

  it('returns undefined when the position is not available (91°/181°)', () => {
    expect(
      toVesselPosition(decodeOne(encodePositionReport({ type: 1, mmsi: 574_000_001 })), 0),
    ).toBeUndefined();
    expect(
      toVesselPosition(decodeOne(encodeClassBPosition({ mmsi: 574_000_001, lat: 10 })), 0),
    ).toBeUndefined();
  });

  it('maps class B type 18', () => {
    const position = toVesselPosition(
      decodeOne(encodeClassBPosition({ mmsi: 574_000_009, lat: 9.1, lon: 105.2, sog: 3.2 })),
      9,
    );
    expect(position).toEqual({
      mmsi: 574_000_009,
      ts: 9,
      lat: 9.1,
      lon: 105.2,
      sog: 3.2,
      msgType: 18,
      aisClass: 'B',
    });
    expect(positionSchema.parseValue(position).ok).toBe(true);
  });

  it('ignores types without a position', () => {
    expect(toVesselPosition(decodeOne(encodeStaticVoyage({ mmsi: 1 })), 0)).toBeUndefined();
  });
});

describe('toVesselStatic', () => {
  it('maps type 5 with metres, trimmed texts and absent "not available" values', () => {
    const message = decodeOne(
      encodeStaticVoyage({
        mmsi: 574_000_002,
        imo: 9_134_270,
        callsign: 'XVAB',
        shipname: 'CA MAU 07',
        shiptype: 30,
        toBow: 12,
        toStern: 8,
        draught: 2.4,
        destination: 'NAM CAN',
      }),
    );
    const record = toVesselStatic(message, 11);
    expect(record).toEqual({
      mmsi: 574_000_002,
      ts: 11,
      msgType: 5,
      imo: 9_134_270,
      callsign: 'XVAB',
      shipname: 'CA MAU 07',
      shiptype: 30,
      toBow: 12,
      toStern: 8,
      destination: 'NAM CAN',
      draught: 2.4,
    });
    expect(staticSchema.parseValue(record).ok).toBe(true);
  });
});
