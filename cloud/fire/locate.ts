/**
 * Where a fire is, from the cameras that see it: pure geometry, no I/O.
 *
 * Each camera's detection is a cone: from the camera, between the bearings of the left and right edges of its
 * boxes (widened by the camera's heading uncertainty), out to the range the camera watches. The cones of two or
 * more cameras are intersected into a located fire: a point and the polygon it lies in (the error area). With
 * one camera the fire lies on its bearing, somewhere within the camera's range.
 *
 * Geodesy: positions are projected on a local tangent plane (equirectangular, centred on the cameras: east and
 * north in metres). Over the 10-30 km between towers and fires its distance error is below 0.1 % (a few metres at
 * 10 km), far below what a camera's heading (±1°: 175 m at 10 km) allows; it is not meant for 100 km and more.
 */
import { bearingAtFrameX, normaliseDeg } from '../../protocols/fire/camera-geometry.js';

export interface LatLon {
  lat: number;
  lon: number;
}

/** What the cloud knows of a camera: where it stands, where it looks, how wide and how far it sees. */
export interface CameraGeometry {
  position: LatLon;
  headingDeg: number;
  fovDeg: number;
  /** Range the camera watches, metres. */
  rangeM: number;
  /** Height above ground, metres: caps the range at the distance a smoke column shows above the horizon. */
  heightM?: number;
}

/** A detection's cone: from `apex`, clockwise from `leftDeg` to `rightDeg`, out to `rangeM`. */
export interface Cone {
  apex: LatLon;
  leftDeg: number;
  rightDeg: number;
  /** The bearing of the boxes' centre. */
  bearingDeg: number;
  rangeM: number;
}

/** Left and right edges of a detection in frame units (0..1 of the picture's width). */
export interface FrameSpan {
  x1: number;
  x2: number;
}

export interface Location {
  point: LatLon;
  /** The error area: the intersection of the cones, a closed ring of positions (first = last). */
  area: LatLon[];
  /** Farthest distance from the point to the edge of the area, metres. */
  errorM: number;
  /** The area's surface, square metres. */
  areaM2: number;
}

/** A single camera: the stretch of its bearing inside the range it watches. */
export interface BearingRay {
  bearingDeg: number;
  from: LatLon;
  to: LatLon;
  fromM: number;
  toM: number;
  /** The whole cone, a closed ring (the area the fire is in). */
  area: LatLon[];
}

const EARTH_RADIUS_M = 6_371_008.8;
const DEG = Math.PI / 180;
/** Smoke a fresh fire puts up is seen above the horizon up to this height, metres (for the range cap). */
const SMOKE_COLUMN_M = 30;
/** Arc points of a cone's far edge: at most this many degrees apart. */
const ARC_STEP_DEG = 1;

interface Xy {
  x: number;
  y: number;
}

/** A local tangent plane around `origin`: east (x) and north (y) in metres. */
export class TangentPlane {
  readonly #cosLat: number;
  constructor(readonly origin: LatLon) {
    this.#cosLat = Math.cos(origin.lat * DEG);
  }

  /** The plane around the mean of some positions. */
  static around(points: LatLon[]): TangentPlane {
    const n = points.length;
    return new TangentPlane({
      lat: points.reduce((s, p) => s + p.lat, 0) / n,
      lon: points.reduce((s, p) => s + p.lon, 0) / n,
    });
  }

  toXy(p: LatLon): Xy {
    return {
      x: (p.lon - this.origin.lon) * DEG * EARTH_RADIUS_M * this.#cosLat,
      y: (p.lat - this.origin.lat) * DEG * EARTH_RADIUS_M,
    };
  }

  toLatLon(p: Xy): LatLon {
    return {
      lat: this.origin.lat + p.y / EARTH_RADIUS_M / DEG,
      lon: this.origin.lon + p.x / (EARTH_RADIUS_M * this.#cosLat) / DEG,
    };
  }
}

/** Distance a smoke column shows above the horizon from a camera `heightM` up (standard refraction), metres. */
export function horizonM(heightM: number): number {
  return 4120 * (Math.sqrt(heightM) + Math.sqrt(SMOKE_COLUMN_M));
}

/** Metres between two positions (on the tangent plane between them). */
export function distanceM(a: LatLon, b: LatLon): number {
  const plane = new TangentPlane(a);
  const p = plane.toXy(b);
  return Math.hypot(p.x, p.y);
}

/** Bearing from `a` to `b`, degrees clockwise from true north. */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const p = new TangentPlane(a).toXy(b);
  return normaliseDeg(Math.atan2(p.x, p.y) / DEG);
}

/** The position `metres` from `from` along `bearing`. */
export function destination(from: LatLon, bearing: number, metres: number): LatLon {
  return new TangentPlane(from).toLatLon({
    x: Math.sin(bearing * DEG) * metres,
    y: Math.cos(bearing * DEG) * metres,
  });
}

/**
 * The cone of a detection: the union of its boxes' horizontal extents through the camera's field of view, widened
 * on each side by `headingErrorDeg` (how well the camera's heading is known).
 */
export function coneOf(camera: CameraGeometry, spans: FrameSpan[], headingErrorDeg = 1): Cone {
  const x1 = Math.min(...spans.map((s) => s.x1));
  const x2 = Math.max(...spans.map((s) => s.x2));
  const centre = spans.reduce((sum, s) => sum + (s.x1 + s.x2) / 2, 0) / spans.length;
  const left = bearingAtFrameX(camera.headingDeg, camera.fovDeg, x1) - headingErrorDeg;
  const right = bearingAtFrameX(camera.headingDeg, camera.fovDeg, x2) + headingErrorDeg;
  const rangeM =
    camera.heightM !== undefined ? Math.min(camera.rangeM, horizonM(camera.heightM)) : camera.rangeM;
  return {
    apex: camera.position,
    leftDeg: normaliseDeg(left),
    rightDeg: normaliseDeg(right),
    bearingDeg: bearingAtFrameX(camera.headingDeg, camera.fovDeg, centre),
    rangeM,
  };
}

/** Clockwise width of a cone, degrees (0..360). */
function widthDeg(cone: Cone): number {
  return normaliseDeg(cone.rightDeg - cone.leftDeg);
}

/** The cone as a convex polygon on the plane (counter-clockwise); wider than 180° is cut to 180° about its centre. */
function conePolygon(cone: Cone, plane: TangentPlane): Xy[] {
  let width = widthDeg(cone);
  let left = cone.leftDeg;
  if (width > 180) {
    left = normaliseDeg(left + (width - 180) / 2);
    width = 180;
  }
  const apex = plane.toXy(cone.apex);
  const steps = Math.max(1, Math.ceil(width / ARC_STEP_DEG));
  const arc: Xy[] = [];
  for (let i = 0; i <= steps; i++) {
    const b = (left + (width * i) / steps) * DEG;
    arc.push({ x: apex.x + Math.sin(b) * cone.rangeM, y: apex.y + Math.cos(b) * cone.rangeM });
  }
  // Bearings turn clockwise; the polygon is built counter-clockwise: apex, then the arc from right to left.
  return [apex, ...arc.reverse()];
}

const cross = (o: Xy, a: Xy, b: Xy) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

/** Sutherland-Hodgman: `subject` clipped by the convex counter-clockwise polygon `clip`. */
function clipConvex(subject: Xy[], clip: Xy[]): Xy[] {
  let output = subject;
  for (let i = 0; i < clip.length && output.length > 0; i++) {
    const a = clip[i]!;
    const b = clip[(i + 1) % clip.length]!;
    const input = output;
    output = [];
    for (let j = 0; j < input.length; j++) {
      const p = input[j]!;
      const q = input[(j + 1) % input.length]!;
      const pIn = cross(a, b, p) >= 0;
      const qIn = cross(a, b, q) >= 0;
      if (pIn) output.push(p);
      if (pIn !== qIn) {
        const t = cross(a, b, p) / (cross(a, b, p) - cross(a, b, q));
        output.push({ x: p.x + (q.x - p.x) * t, y: p.y + (q.y - p.y) * t });
      }
    }
  }
  return output;
}

function polygonArea(polygon: Xy[]): number {
  let twice = 0;
  for (let i = 0; i < polygon.length; i++) {
    const p = polygon[i]!;
    const q = polygon[(i + 1) % polygon.length]!;
    twice += p.x * q.y - q.x * p.y;
  }
  return twice / 2;
}

function centroid(polygon: Xy[]): Xy {
  const area = polygonArea(polygon);
  if (Math.abs(area) < 1e-6) {
    return {
      x: polygon.reduce((s, p) => s + p.x, 0) / polygon.length,
      y: polygon.reduce((s, p) => s + p.y, 0) / polygon.length,
    };
  }
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < polygon.length; i++) {
    const p = polygon[i]!;
    const q = polygon[(i + 1) % polygon.length]!;
    const f = p.x * q.y - q.x * p.y;
    cx += (p.x + q.x) * f;
    cy += (p.y + q.y) * f;
  }
  return { x: cx / (6 * area), y: cy / (6 * area) };
}

function inside(polygon: Xy[], p: Xy): boolean {
  return polygon.every((a, i) => cross(a, polygon[(i + 1) % polygon.length]!, p) >= -1e-6);
}

/**
 * The point nearest all central bearings (least squares of the distances across each ray, each weighted by
 * the inverse square of its cone's width: a narrow cone says more); undefined when the rays are parallel.
 */
function nearestToRays(cones: Cone[], plane: TangentPlane): Xy | undefined {
  let a11 = 0;
  let a12 = 0;
  let a22 = 0;
  let b1 = 0;
  let b2 = 0;
  for (const cone of cones) {
    const apex = plane.toXy(cone.apex);
    const nx = Math.cos(cone.bearingDeg * DEG); // normal to the ray (east, north) = (sin b, cos b)
    const ny = -Math.sin(cone.bearingDeg * DEG);
    const w = 1 / Math.max(widthDeg(cone), 0.1) ** 2;
    const c = nx * apex.x + ny * apex.y;
    a11 += w * nx * nx;
    a12 += w * nx * ny;
    a22 += w * ny * ny;
    b1 += w * nx * c;
    b2 += w * ny * c;
  }
  const det = a11 * a22 - a12 * a12;
  if (Math.abs(det) < 1e-12 * (a11 + a22) ** 2) return undefined;
  return { x: (b1 * a22 - b2 * a12) / det, y: (a11 * b2 - a12 * b1) / det };
}

function ring(polygon: Xy[], plane: TangentPlane): LatLon[] {
  const round = (p: LatLon) => ({
    lat: Math.round(p.lat * 1e6) / 1e6,
    lon: Math.round(p.lon * 1e6) / 1e6,
  });
  const points = polygon.map((p) => round(plane.toLatLon(p)));
  return [...points, points[0]!];
}

/** The polygon of a few cones' intersection, empty when they do not all cross. */
function intersection(cones: Cone[], plane: TangentPlane): Xy[] {
  let area = conePolygon(cones[0]!, plane);
  for (const cone of cones.slice(1)) area = clipConvex(area, conePolygon(cone, plane));
  return Math.abs(polygonArea(area)) > 1 ? area : [];
}

/** True when all the cones cross somewhere within their ranges. */
export function conesCross(cones: Cone[]): boolean {
  return intersection(cones, TangentPlane.around(cones.map((c) => c.apex))).length > 0;
}

/**
 * The located fire of two or more cones (from different cameras): the point nearest their central bearings
 * (the centroid of the area when that point lies outside it) and the area they all share; undefined when they
 * do not all cross within their ranges.
 */
export function locate(cones: Cone[]): Location | undefined {
  if (cones.length < 2) return undefined;
  const plane = TangentPlane.around(cones.map((c) => c.apex));
  const area = intersection(cones, plane);
  if (area.length === 0) return undefined;
  const best = nearestToRays(cones, plane);
  const point = best && inside(area, best) ? best : centroid(area);
  const errorM = Math.max(...area.map((p) => Math.hypot(p.x - point.x, p.y - point.y)));
  const rounded = plane.toLatLon(point);
  return {
    point: { lat: Math.round(rounded.lat * 1e6) / 1e6, lon: Math.round(rounded.lon * 1e6) / 1e6 },
    area: ring(area, plane),
    errorM: Math.round(errorM),
    areaM2: Math.round(Math.abs(polygonArea(area))),
  };
}

/** One camera only: the fire is on its bearing, from the camera out to the range it watches. */
export function bearingRay(cone: Cone): BearingRay {
  const plane = new TangentPlane(cone.apex);
  return {
    bearingDeg: Math.round(cone.bearingDeg * 10) / 10,
    from: cone.apex,
    to: destination(cone.apex, cone.bearingDeg, cone.rangeM),
    fromM: 0,
    toM: Math.round(cone.rangeM),
    area: ring(conePolygon(cone, plane), plane),
  };
}
