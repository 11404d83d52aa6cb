import { describe, expect, it } from 'vitest';
import type { LocatedFire } from '../../protocols/api/fire.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { locationDetails } from './location-details.js';

const alert: FireAlert = {
  edgeId: 'edge-s',
  cameraId: 'cam-s',
  alertId: 'a1',
  event: 'update',
  className: 'smoke',
  confidence: 0.8,
  boxes: [{ x1: 0.3, y1: 0.2, x2: 0.4, y2: 0.5, score: 0.8 }],
  firstSeenTs: 1_000,
  ts: 2_000,
  camera: { position: { lat: 9.2, lon: 104.9 }, bearingDeg: 45, fovDeg: 60, name: 'Tháp Nam' },
};

const sighting = (edgeId: string, alertId: string) => ({
  edgeId,
  cameraId: 'cam',
  alertId,
  position: { lat: 9.2, lon: 104.9 },
  bearingDeg: 45,
  ts: 2_000,
});

const bearingOnly: LocatedFire = {
  id: 'edge-s.a1',
  method: 'bearing',
  ts: 2_000,
  firstSeenTs: 1_000,
  area: [],
  ray: { bearingDeg: 45, from: { lat: 9.2, lon: 104.9 }, to: { lat: 9.3, lon: 105 }, fromM: 0, toM: 15_000 },
  cameras: [sighting('edge-s', 'a1')],
  className: 'smoke',
  confidence: 0.8,
};

describe('what a fire alarm says of where the fire is', () => {
  it('a located fire gives its point, error and the number of cameras together', () => {
    const located: LocatedFire = {
      ...bearingOnly,
      method: 'intersection',
      point: { lat: 9.26, lon: 104.95 },
      errorM: 340,
      ray: undefined,
      cameras: [sighting('edge-s', 'a1'), sighting('edge-e', 'b1')],
    };
    expect(locationDetails(alert, located)).toMatchObject({
      cameraName: 'Tháp Nam',
      lat: 9.26,
      lon: 104.95,
      errorM: 340,
      locatedBy: 2,
    });
  });

  it('a bearing-only fire says no camera count, so the point an alarm kept keeps its own count', () => {
    const details = locationDetails(alert, bearingOnly);
    expect(details).toMatchObject({ rangeM: 15_000, locatedFireId: 'edge-s.a1' });
    expect(details).not.toHaveProperty('locatedBy');
    expect(details).not.toHaveProperty('lat');
  });
});
