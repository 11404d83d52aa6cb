import { describe, expect, it } from 'vitest';
import { bearingAtFrameX } from '../../protocols/fire/camera-geometry.js';
import {
  bearingDeg,
  bearingRay,
  coneOf,
  conesCross,
  destination,
  distanceM,
  horizonM,
  locate,
  type CameraGeometry,
  type LatLon,
} from './locate.js';

/** Great-circle distance (haversine), the reference the tangent plane is checked against. */
function haversineM(a: LatLon, b: LatLon): number {
  const r = 6_371_008.8;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(h));
}

/** Where a fire at `fire` shows in the camera's picture (frame x of its bearing), inverting the projection. */
function frameX(camera: CameraGeometry, fire: LatLon): number {
  const offset =
    ((((bearingDeg(camera.position, fire) - camera.headingDeg + 540) % 360) - 180) * Math.PI) / 180;
  const half = (camera.fovDeg * Math.PI) / 360;
  return 0.5 + Math.tan(offset) / (2 * Math.tan(half));
}

/** A box 1.5 % of the picture wide around where the fire shows. */
function boxFor(camera: CameraGeometry, fire: LatLon) {
  const x = frameX(camera, fire);
  return { x1: x - 0.0075, x2: x + 0.0075 };
}

// U Minh Hạ: a fire in the forest and three towers 8-14 km from it.
const FIRE = { lat: 9.265, lon: 104.96 };
const towers: CameraGeometry[] = [
  { position: { lat: 9.2, lon: 104.92 }, headingDeg: 30, fovDeg: 60, rangeM: 20_000 },
  { position: { lat: 9.31, lon: 105.03 }, headingDeg: 230, fovDeg: 60, rangeM: 20_000 },
  { position: { lat: 9.33, lon: 104.9 }, headingDeg: 140, fovDeg: 90, rangeM: 20_000 },
];

describe('camera geometry', () => {
  it('reads frame positions through a rectilinear projection', () => {
    expect(bearingAtFrameX(90, 60, 0.5)).toBeCloseTo(90, 9);
    expect(bearingAtFrameX(90, 60, 0)).toBeCloseTo(60, 9);
    expect(bearingAtFrameX(90, 60, 1)).toBeCloseTo(120, 9);
    // A quarter of the picture is not a quarter of the field of view.
    expect(bearingAtFrameX(0, 60, 0.75)).toBeCloseTo(
      (Math.atan(0.5 * Math.tan(Math.PI / 6)) * 180) / Math.PI,
      9,
    );
    expect(bearingAtFrameX(350, 60, 0.9)).toBeGreaterThan(10);
  });

  it('measures distances on the tangent plane within 0.1 % of the great circle at 10-30 km', () => {
    for (const metres of [10_000, 20_000, 30_000]) {
      for (const bearing of [0, 45, 90, 135, 200, 300]) {
        const to = destination(towers[0]!.position, bearing, metres);
        const reference = haversineM(towers[0]!.position, to);
        expect(Math.abs(reference - metres) / metres).toBeLessThan(0.001);
        expect(distanceM(towers[0]!.position, to)).toBeCloseTo(metres, 3);
        expect(bearingDeg(towers[0]!.position, to)).toBeCloseTo(bearing, 6);
      }
    }
  });

  it('caps the range at the horizon of a smoke column for the tower height', () => {
    expect(horizonM(30)).toBeGreaterThan(40_000);
    const low = coneOf({ ...towers[0]!, rangeM: 60_000, heightM: 10 }, [{ x1: 0.5, x2: 0.51 }]);
    expect(low.rangeM).toBeCloseTo(horizonM(10), 6);
  });
});

describe('locate', () => {
  it('puts a fire seen by two towers within 100 m of where it is', () => {
    const cones = towers.slice(0, 2).map((camera) => coneOf(camera, [boxFor(camera, FIRE)]));
    const location = locate(cones)!;
    expect(location).toBeDefined();
    expect(haversineM(location.point, FIRE)).toBeLessThan(100);
    // The error area holds the true place and is a few hundred metres across, not kilometres.
    expect(location.errorM).toBeGreaterThan(100);
    expect(location.errorM).toBeLessThan(1500);
    expect(location.area[0]).toEqual(location.area.at(-1));
  });

  it('with three towers and headings off by up to 1°, stays within 250 m and shrinks the area', () => {
    const skewed = towers.map((camera, i) => ({
      ...camera,
      headingDeg: camera.headingDeg + [0.8, -1, 0.5][i]!,
    }));
    // The boxes are where the fire shows in the real camera; the cloud believes the skewed headings.
    const cones = skewed.map((believed, i) => coneOf(believed, [boxFor(towers[i]!, FIRE)]));
    const three = locate(cones)!;
    const two = locate(cones.slice(0, 2))!;
    expect(haversineM(three.point, FIRE)).toBeLessThan(250);
    expect(three.areaM2).toBeLessThan(two.areaM2);
  });

  it('finds nothing where the cones do not cross within range', () => {
    const away = { ...towers[1]!, headingDeg: 50 };
    const cones = [coneOf(towers[0]!, [boxFor(towers[0]!, FIRE)]), coneOf(away, [{ x1: 0.5, x2: 0.52 }])];
    expect(locate(cones)).toBeUndefined();
    expect(conesCross(cones)).toBe(false);
    const short = towers
      .slice(0, 2)
      .map((camera) => coneOf({ ...camera, rangeM: 3000 }, [boxFor(camera, FIRE)]));
    expect(locate(short)).toBeUndefined();
  });

  it('uses the union of several boxes as the cone', () => {
    const camera = towers[0]!;
    const cone = coneOf(
      camera,
      [
        { x1: 0.2, x2: 0.25 },
        { x1: 0.3, x2: 0.4 },
      ],
      0,
    );
    expect(cone.leftDeg).toBeCloseTo(bearingAtFrameX(30, 60, 0.2), 9);
    expect(cone.rightDeg).toBeCloseTo(bearingAtFrameX(30, 60, 0.4), 9);
    expect(cone.bearingDeg).toBeCloseTo(bearingAtFrameX(30, 60, 0.2875), 9);
  });

  it('handles cones across north', () => {
    const south = { position: destination(FIRE, 180, 9000), headingDeg: 0, fovDeg: 60, rangeM: 20_000 };
    const west = { position: destination(FIRE, 270, 12_000), headingDeg: 90, fovDeg: 60, rangeM: 20_000 };
    const location = locate([coneOf(south, [boxFor(south, FIRE)]), coneOf(west, [boxFor(west, FIRE)])])!;
    expect(haversineM(location.point, FIRE)).toBeLessThan(100);
  });
});

describe('bearingRay', () => {
  it('gives a single camera its bearing and the stretch inside its range', () => {
    const camera = towers[0]!;
    const ray = bearingRay(coneOf(camera, [boxFor(camera, FIRE)]));
    expect(ray.bearingDeg).toBeCloseTo(bearingDeg(camera.position, FIRE), 0);
    expect(ray.toM).toBe(20_000);
    expect(distanceM(ray.from, ray.to)).toBeCloseTo(20_000, 0);
    expect(ray.area.length).toBeGreaterThan(3);
  });
});
