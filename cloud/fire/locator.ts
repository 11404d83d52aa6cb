import type { FireSighting, LocatedFire } from '../../protocols/api/fire.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { normaliseDeg } from '../../protocols/fire/camera-geometry.js';
import type { FireCloudConfig } from './config.js';
import {
  bearingRay,
  coneOf,
  conesCross,
  distanceM,
  locate,
  type CameraGeometry,
  type Cone,
} from './locate.js';
import type { Places } from './places.js';

/** One camera's current view of one alert: the latest event's cone. */
interface Sighting {
  edgeId: string;
  cameraId: string;
  alertId: string;
  name?: string;
  cone: Cone;
  ts: number;
  firstSeenTs: number;
  className: string;
  confidence: number;
  /** The located fire this sighting belongs to, once it has one. */
  fireId?: string;
}

const key = (edgeId: string, alertId: string) => `${edgeId}\u0000${alertId}`;
const cameraKey = (s: { edgeId: string; cameraId: string }) => `${s.edgeId}/${s.cameraId}`;

/** The camera's geometry from what its alert carries; undefined when position, heading or field of view is missing. */
export function cameraGeometryOf(alert: FireAlert, defaultRangeM: number): CameraGeometry | undefined {
  const { position, bearingDeg, fovDeg, rangeM, heightM } = alert.camera;
  if (!position || bearingDeg === undefined || fovDeg === undefined) return undefined;
  return { position, headingDeg: bearingDeg, fovDeg, rangeM: rangeM ?? defaultRangeM, heightM };
}

/**
 * Groups the alerts of cameras that see smoke at the same time (their latest events at most `windowS` apart)
 * and whose cones cross into located fires. State in memory, in event time (frame times, so a journal replay
 * after a restart decides the same): a restart forgets the sightings, and a fire is located again at the next
 * `update` of its cameras (every 30 s while it lasts).
 */
export class FireLocator {
  readonly #sightings = new Map<string, Sighting>();

  constructor(
    private readonly config: FireCloudConfig['locate'],
    private readonly places?: Places,
  ) {}

  /** Takes one alert event; returns the fire it is part of (located or on a bearing), or undefined. */
  observe(alert: FireAlert): LocatedFire | undefined {
    this.#forgetBefore(alert.ts - this.config.windowS * 1000);
    const id = key(alert.edgeId, alert.alertId);
    const known = this.#sightings.get(id);
    if (alert.event === 'end') {
      this.#sightings.delete(id);
      return undefined;
    }
    const camera = cameraGeometryOf(alert, this.config.defaultRangeM);
    if (!camera || alert.boxes.length === 0) return undefined;
    const sighting: Sighting = {
      edgeId: alert.edgeId,
      cameraId: alert.cameraId,
      alertId: alert.alertId,
      name: alert.camera.name,
      cone: narrowed(
        known?.cone,
        coneOf(camera, flameBoxes(alert), this.config.headingErrorDeg),
        2 * this.config.headingErrorDeg,
      ),
      ts: alert.ts,
      firstSeenTs: alert.firstSeenTs,
      className: alert.className,
      confidence: alert.confidence,
      fireId: known?.fireId,
    };
    this.#sightings.set(id, sighting);
    const group = this.#groupFor(sighting);
    const fireId =
      group.map((s) => s.fireId).find((f) => f !== undefined) ?? `${sighting.edgeId}.${sighting.alertId}`;
    for (const member of group) member.fireId = fireId;
    const fire = group.length > 1 ? this.#intersection(fireId, group) : undefined;
    return fire ?? this.#bearing(fireId, sighting);
  }

  #forgetBefore(ts: number): void {
    for (const [id, sighting] of this.#sightings) if (sighting.ts < ts) this.#sightings.delete(id);
  }

  /**
   * The sighting and, from each other camera, the sighting whose cone crosses all those taken so far (those
   * already in its fire first, then the earliest): one per camera.
   */
  #groupFor(sighting: Sighting): Sighting[] {
    const windowMs = this.config.windowS * 1000;
    const candidates = [...this.#sightings.values()]
      .filter((s) => cameraKey(s) !== cameraKey(sighting) && Math.abs(s.ts - sighting.ts) <= windowMs)
      .sort(
        (a, b) =>
          Number(b.fireId !== undefined && b.fireId === sighting.fireId) -
            Number(a.fireId !== undefined && a.fireId === sighting.fireId) || a.firstSeenTs - b.firstSeenTs,
      );
    const group = [sighting];
    for (const candidate of candidates) {
      if (group.some((s) => cameraKey(s) === cameraKey(candidate))) continue;
      if (conesCross([...group, candidate].map((s) => s.cone))) group.push(candidate);
    }
    // The earliest first: its fire id names the fire.
    return group.sort((a, b) => a.firstSeenTs - b.firstSeenTs);
  }

  #intersection(id: string, group: Sighting[]): LocatedFire | undefined {
    const location = locate(group.map((s) => s.cone));
    if (!location) return undefined;
    return {
      id,
      method: 'intersection',
      ts: Math.max(...group.map((s) => s.ts)),
      firstSeenTs: Math.min(...group.map((s) => s.firstSeenTs)),
      point: location.point,
      errorM: location.errorM,
      area: location.area,
      cameras: group.map((s) => toSighting(s, Math.round(distanceM(s.cone.apex, location.point)))),
      ...this.#place(location.point),
      ...strongest(group),
    };
  }

  #bearing(id: string, sighting: Sighting): LocatedFire {
    const { area, ...ray } = bearingRay(sighting.cone);
    return {
      id,
      method: 'bearing',
      ts: sighting.ts,
      firstSeenTs: sighting.firstSeenTs,
      area,
      ray,
      cameras: [toSighting(sighting)],
      className: sighting.className,
      confidence: sighting.confidence,
    };
  }

  #place(point: { lat: number; lon: number }): Pick<LocatedFire, 'place'> {
    if (!this.places || this.places.size === 0) return {};
    return { place: this.places.describe(point) };
  }
}

/** Signed difference `b - a` of two bearings, -180..180. */
const turn = (a: number, b: number) => ((((b - a) % 360) + 540) % 360) - 180;

/**
 * The part of an alert's new cone its earlier cone shares: a fire stays where it is while its smoke drifts and
 * its box widens and narrows, so every cone of one alert holds it and their overlap is the tighter bearing. When
 * they share less than `minWidthDeg` (the camera turned, the box jumped), the new cone alone.
 */
export function narrowed(earlier: Cone | undefined, next: Cone, minWidthDeg: number): Cone {
  if (!earlier || earlier.apex.lat !== next.apex.lat || earlier.apex.lon !== next.apex.lon) return next;
  const width = (c: Cone) => normaliseDeg(c.rightDeg - c.leftDeg);
  const left = Math.max(0, turn(next.leftDeg, earlier.leftDeg));
  const right = Math.min(width(next), turn(next.leftDeg, earlier.leftDeg) + width(earlier));
  if (right - left < minWidthDeg) return next;
  return {
    ...next,
    leftDeg: normaliseDeg(next.leftDeg + left),
    rightDeg: normaliseDeg(next.leftDeg + right),
    bearingDeg: normaliseDeg(next.leftDeg + (left + right) / 2),
  };
}

/**
 * The boxes that say where the fire is: its flames when the alert has any (smoke drifts with the wind, so a smoke
 * box is wider than the fire and leans away from it), else its smoke.
 */
export function flameBoxes(alert: FireAlert): FireAlert['boxes'] {
  const flames = alert.boxes.filter((b) => (b.className ?? alert.className) === 'fire');
  return flames.length > 0 ? flames : alert.boxes;
}

function toSighting(s: Sighting, distance?: number): FireSighting {
  return {
    edgeId: s.edgeId,
    cameraId: s.cameraId,
    alertId: s.alertId,
    ...(s.name ? { name: s.name } : {}),
    position: s.cone.apex,
    bearingDeg: Math.round(s.cone.bearingDeg * 10) / 10,
    ...(distance !== undefined ? { distanceM: distance } : {}),
    ts: s.ts,
  };
}

/** The class and confidence of the most confident sighting. */
function strongest(group: Sighting[]): { className: string; confidence: number } {
  const best = group.reduce((a, b) => (b.confidence > a.confidence ? b : a));
  return { className: best.className, confidence: best.confidence };
}
