import { describe, expect, it } from 'vitest';
import { EdgeStatus, FireAlert, VesselPositionBatch } from '../../protocols/mqtt/payloads.js';
import { compileSchema } from '../../protocols/validation.js';
import { atSea } from '../fleet/geography.js';
import { FleetModel } from '../fleet/vessels.js';
import {
  encodeChecked,
  InvalidPayloadError,
  positionBatchPayload,
  SNAPSHOT_JPEG_BASE64,
  statusPayload,
  vesselPosition,
} from './payloads.js';

describe('simulated edge payloads', () => {
  it('refuses to serialise a payload that fails its schema, naming the path', () => {
    const bad = { state: 'online', ts: -1 } as unknown as EdgeStatus;
    expect(() => encodeChecked(EdgeStatus, bad)).toThrow(InvalidPayloadError);
    expect(() => encodeChecked(EdgeStatus, bad)).toThrow(/\/ts/);
    expect(() => positionBatchPayload('e1', 0, [])).toThrow(/\/positions/);
  });

  it('builds statuses and position batches the cloud schemas accept, from vessels at sea off Ca Mau', () => {
    const status = compileSchema(EdgeStatus).parseJson(
      statusPayload('offline', 1_767_225_600_000, 'sim', 'lost'),
    );
    expect(status).toEqual({
      ok: true,
      value: { state: 'offline', ts: 1_767_225_600_000, version: 'sim', reason: 'lost' },
    });
    const fleet = new FleetModel({ vessels: 50, seed: 4, startMs: 1_767_225_600_000 });
    const positions = fleet.vessels.map((vessel, i) => {
      vessel.advanceTo(1_767_225_600_000 + 60_000 + i);
      return vesselPosition(vessel, 1_767_225_600_000 + 60_000 + i);
    });
    const batch = compileSchema(VesselPositionBatch).parseJson(positionBatchPayload('e1', 3, positions));
    expect(batch.ok).toBe(true);
    for (const p of positions) {
      expect(atSea([p.lon, p.lat]), `${p.mmsi} at sea`).toBe(true);
      expect(p.lat * 1e6).toBeCloseTo(Math.round(p.lat * 1e6), 6); // 6 decimals, as a decoded AIS position
      expect(
        p.msgType === 1
          ? p.aisClass === 'A' && p.navStatus !== undefined
          : p.aisClass === 'B' && p.navStatus === undefined,
      ).toBe(true);
    }
  });

  it('carries a real JPEG snapshot that fits the FireAlert schema', () => {
    const jpeg = Buffer.from(SNAPSHOT_JPEG_BASE64, 'base64');
    expect([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    const alert: FireAlert = {
      edgeId: 'e1',
      cameraId: 'cam-1',
      alertId: 'e1-fire-1',
      event: 'new',
      className: 'smoke',
      confidence: 0.7,
      boxes: [{ x1: 0.2, y1: 0.3, x2: 0.3, y2: 0.45, score: 0.8 }],
      firstSeenTs: 1,
      ts: 2,
      camera: { position: { lat: 9.1, lon: 105 }, bearingDeg: 0, fovDeg: 60 },
      snapshot: { contentType: 'image/jpeg', width: 32, height: 24, data: SNAPSHOT_JPEG_BASE64 },
    };
    expect(compileSchema(FireAlert).check(JSON.parse(encodeChecked(FireAlert, alert).toString()))).toBe(true);
  });
});
