import { describe, expect, it } from 'vitest';
import { headingShowingAt } from '../../protocols/fire/camera-geometry.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { bearingDeg, destination, distanceM } from './locate.js';
import { FireLocator, narrowed } from './locator.js';
import { Places } from './places.js';

const FIRE = { lat: 9.26, lon: 104.95 };
const config = { windowS: 300, headingErrorDeg: 1, defaultRangeM: 15_000 };

/** An alert of camera `cameraId` on `edgeId`, `km` from FIRE seen from `fromDeg`, its box at the fire. */
function sighting(
  edgeId: string,
  cameraId: string,
  fromDeg: number,
  km: number,
  event: FireAlert['event'],
  ts: number,
  boxes: FireAlert['boxes'] = [{ x1: 0.49, y1: 0.4, x2: 0.51, y2: 0.5, score: 0.8 }],
): FireAlert {
  const position = destination(FIRE, fromDeg, km * 1000);
  return {
    edgeId,
    cameraId,
    alertId: `${cameraId}-1`,
    event,
    className: 'smoke',
    confidence: 0.8,
    boxes,
    firstSeenTs: ts - 10_000,
    ts,
    camera: { position, bearingDeg: headingShowingAt(bearingDeg(position, FIRE), 60, 0.5), fovDeg: 60 },
  };
}

describe('FireLocator', () => {
  it('locates the fire once a second camera sees it, keeping the first alert’s id', () => {
    const locator = new FireLocator(config);
    const first = locator.observe(sighting('e1', 'north', 0, 5, 'new', 1_000_000))!;
    expect(first).toMatchObject({ id: 'e1.north-1', method: 'bearing', ray: { toM: 15_000 } });
    const second = locator.observe(sighting('e2', 'east', 90, 7, 'new', 1_060_000))!;
    expect(second.method).toBe('intersection');
    expect(second.id).toBe('e1.north-1');
    expect(distanceM(second.point!, FIRE)).toBeLessThan(50);
    expect(second.cameras.map((c) => c.cameraId)).toEqual(['north', 'east']);
    // The first camera's next update is part of the same located fire.
    const again = locator.observe(sighting('e1', 'north', 0, 5, 'update', 1_090_000))!;
    expect(again).toMatchObject({ id: 'e1.north-1', method: 'intersection' });
  });

  it('does not join sightings further apart than the window, nor one that ended', () => {
    const locator = new FireLocator(config);
    locator.observe(sighting('e1', 'north', 0, 5, 'new', 1_000_000));
    expect(locator.observe(sighting('e2', 'east', 90, 7, 'new', 1_000_000 + 301_000))?.method).toBe(
      'bearing',
    );
    const other = new FireLocator(config);
    other.observe(sighting('e1', 'north', 0, 5, 'new', 1_000_000));
    expect(other.observe(sighting('e1', 'north', 0, 5, 'end', 1_010_000))).toBeUndefined();
    expect(other.observe(sighting('e2', 'east', 90, 7, 'new', 1_020_000))?.method).toBe('bearing');
  });

  it('never intersects two alerts of the same camera, and says nothing without the camera’s geometry', () => {
    const locator = new FireLocator(config);
    locator.observe(sighting('e1', 'north', 0, 5, 'new', 1_000_000));
    const twin = { ...sighting('e1', 'north', 0, 5, 'new', 1_001_000), alertId: 'north-2' };
    expect(locator.observe(twin)?.method).toBe('bearing');
    const blind = sighting('e3', 'west', 270, 4, 'new', 1_002_000);
    expect(locator.observe({ ...blind, camera: { position: blind.camera.position } })).toBeUndefined();
  });

  it('aims with the flames when the alert has them, not the smoke drifting away', () => {
    const locator = new FireLocator(config);
    const drifting = [
      { x1: 0.49, y1: 0.5, x2: 0.51, y2: 0.6, score: 0.9, className: 'fire' },
      { x1: 0.49, y1: 0.1, x2: 0.75, y2: 0.5, score: 0.8, className: 'smoke' },
    ];
    const fire = locator.observe(sighting('e1', 'north', 0, 5, 'new', 1_000_000, drifting))!;
    expect(fire.ray!.bearingDeg).toBeCloseTo(180, 0);
  });

  it('names the compartment and the nearest place of a located fire', () => {
    const places = Places.from({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { name: 'Tiểu khu 7' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [104.9, 9.2],
                [105, 9.2],
                [105, 9.3],
                [104.9, 9.3],
                [104.9, 9.2],
              ],
            ],
          },
        },
        {
          type: 'Feature',
          properties: { name: 'Trạm A' },
          geometry: { type: 'Point', coordinates: [104.95, 9.25] },
        },
        {
          type: 'Feature',
          properties: { name: 'Trạm B' },
          geometry: { type: 'Point', coordinates: [105.1, 9.4] },
        },
      ],
    });
    const locator = new FireLocator(config, places);
    locator.observe(sighting('e1', 'north', 0, 5, 'new', 1_000_000));
    const fire = locator.observe(sighting('e2', 'east', 90, 7, 'new', 1_010_000))!;
    expect(fire.place?.area).toBe('Tiểu khu 7');
    expect(fire.place?.nearest?.name).toBe('Trạm A');
    expect(fire.place?.nearest?.bearingDeg).toBeCloseTo(0, -1); // the fire is 1.1 km north of Trạm A
    expect(fire.place?.nearest?.distanceM).toBeGreaterThan(1000);
    expect(fire.place?.nearest?.distanceM).toBeLessThan(1200);
  });
});

describe('narrowed', () => {
  const apex = { lat: 9.2, lon: 104.9 };
  const cone = (leftDeg: number, rightDeg: number) => ({
    apex,
    leftDeg,
    rightDeg,
    bearingDeg: leftDeg,
    rangeM: 15_000,
  });

  it('keeps the bearings an alert’s cones share while its smoke drifts', () => {
    expect(narrowed(cone(40, 46), cone(41, 60), 2)).toMatchObject({
      leftDeg: 41,
      rightDeg: 46,
      bearingDeg: 43.5,
    });
    expect(narrowed(cone(355, 5), cone(358, 20), 2)).toMatchObject({
      leftDeg: 358,
      rightDeg: 5,
      bearingDeg: 1.5,
    });
  });

  it('takes the new cone when they share too little or the camera is another', () => {
    expect(narrowed(cone(40, 46), cone(45, 60), 2)).toMatchObject({ leftDeg: 45, rightDeg: 60 });
    expect(narrowed(cone(40, 46), { ...cone(41, 60), apex: { lat: 9.3, lon: 104.9 } }, 2).leftDeg).toBe(41);
    expect(narrowed(undefined, cone(41, 60), 2).leftDeg).toBe(41);
  });
});
