import {
  PORTS,
  bearingDeg,
  boundingBox,
  distanceM,
  insidePolygon,
  seaArea,
  travel,
  type LonLat,
  type Port,
  type SeaArea,
} from './geography.js';
import { childSeed, Random } from './random.js';

export type AisClass = 'A' | 'B';
export type Activity = 'transit' | 'fishing';

/** Who the vessel is: fixed for the whole run, sent in type 5 static reports. */
export interface VesselIdentity {
  mmsi: number;
  /** Registration-like name, e.g. `CM-90123-TS`. */
  name: string;
  callsign: string;
  lengthM: number;
  beamM: number;
  draughtM: number;
  aisClass: AisClass;
  homePort: Port;
}

const KNOTS_TO_MPS = 1852 / 3600;
const MAX_STEP_S = 10;
/** Gentle turns: degrees per second. */
const TURN_RATE = 1.5;
const ARRIVAL_M = 800;

/**
 * One simulated fishing vessel: a position moved by speed and course, steering gently towards waypoints
 * inside one convex sea area, alternating transit (6-9 kn) and fishing (2-4 kn, AIS status 7).
 * Deterministic: everything it does comes from its own seeded random stream.
 */
export class Vessel {
  position: LonLat;
  /** Speed over ground, knots. */
  sog: number;
  /** Course over ground, degrees. */
  cog: number;
  activity: Activity = 'transit';
  area: SeaArea;
  waypoint: LonLat;
  /** Simulated time the state refers to (ms since the epoch). */
  timeMs: number;
  readonly #random: Random;

  constructor(
    readonly identity: VesselIdentity,
    random: Random,
    startMs: number,
  ) {
    this.#random = random;
    this.area = seaArea(random.pick(identity.homePort.grounds));
    this.position = randomPointIn(this.area, random);
    this.waypoint = randomPointIn(this.area, random);
    this.cog = bearingDeg(this.position, this.waypoint);
    this.sog = random.between(6, 9);
    this.timeMs = startMs;
  }

  get mmsi(): number {
    return this.identity.mmsi;
  }

  /** True heading: course plus a little yaw, integer degrees. */
  get heading(): number {
    return Math.round((this.cog + 360) % 360) % 360;
  }

  /** AIS navigational status: 0 under way using engine, 7 engaged in fishing. */
  get navStatus(): number {
    return this.activity === 'fishing' ? 7 : 0;
  }

  /** Moves the vessel forward to `timeMs` (no-op when that is not later than its current time). */
  advanceTo(timeMs: number): void {
    while (this.timeMs < timeMs) {
      const stepS = Math.min(MAX_STEP_S, (timeMs - this.timeMs) / 1000);
      this.#step(stepS);
      this.timeMs = Math.min(timeMs, this.timeMs + stepS * 1000);
    }
  }

  /** Scenario hook: head for a point (anywhere, even outside the area: scripted violations need that). */
  steerTo(waypoint: LonLat, area?: SeaArea): void {
    this.waypoint = waypoint;
    if (area) this.area = area;
  }

  #step(stepS: number): void {
    const target = bearingDeg(this.position, this.waypoint);
    const difference = ((target - this.cog + 540) % 360) - 180;
    const maxTurn = TURN_RATE * stepS;
    this.cog = (this.cog + Math.max(-maxTurn, Math.min(maxTurn, difference)) + 360) % 360;
    this.sog = clamp(this.sog + this.#random.between(-0.1, 0.1) * stepS, ...this.#speedRange());
    let next = travel(this.position, this.cog, this.sog * KNOTS_TO_MPS * stepS);
    if (insidePolygon(this.position, this.area.ring) && !insidePolygon(next, this.area.ring)) {
      // A gentle turn would leave the area: head straight for the waypoint (inside a convex area).
      this.cog = target;
      next = travel(this.position, this.cog, this.sog * KNOTS_TO_MPS * stepS);
    }
    this.position = next;
    if (distanceM(this.position, this.waypoint) < ARRIVAL_M) this.#newLeg();
  }

  #newLeg(): void {
    this.waypoint = randomPointIn(this.area, this.#random);
    this.activity = this.#random.chance(0.6) ? 'fishing' : 'transit';
    this.sog = this.#random.between(...this.#speedRange());
  }

  #speedRange(): [number, number] {
    return this.activity === 'fishing' ? [2, 4] : [6, 9];
  }
}

export interface FleetOptions {
  vessels: number;
  seed: number;
  /** Simulated start time (ms since the epoch). */
  startMs: number;
  /** Share of vessels that are small class B units (type 18, no type 5). Default 0.3. */
  classBShare?: number;
}

/** The motion model of a whole fleet, independent of how its reports travel. */
export class FleetModel {
  readonly vessels: Vessel[] = [];
  readonly #byMmsi = new Map<number, Vessel>();

  constructor(options: FleetOptions) {
    const classBShare = options.classBShare ?? 0.3;
    const usedMmsi = new Set<number>();
    const usedNumbers = new Set<number>();
    for (let index = 0; index < options.vessels; index++) {
      const random = new Random(childSeed(options.seed, index));
      const identity = makeIdentity(random, classBShare, usedMmsi, usedNumbers);
      const vessel = new Vessel(identity, random, options.startMs);
      this.vessels.push(vessel);
      this.#byMmsi.set(identity.mmsi, vessel);
    }
  }

  vessel(mmsi: number): Vessel | undefined {
    return this.#byMmsi.get(mmsi);
  }

  advanceTo(timeMs: number): void {
    for (const vessel of this.vessels) vessel.advanceTo(timeMs);
  }
}

function makeIdentity(
  random: Random,
  classBShare: number,
  usedMmsi: Set<number>,
  usedNumbers: Set<number>,
): VesselIdentity {
  let mmsi: number;
  do mmsi = 574_000_000 + random.int(0, 999_999);
  while (usedMmsi.has(mmsi));
  usedMmsi.add(mmsi);
  let number: number;
  do
    number = random.int(90_000, 99_999); // offshore fishing boats are registered in the 9xxxx range
  while (usedNumbers.has(number));
  usedNumbers.add(number);
  const homePort = random.pick(PORTS);
  const aisClass: AisClass = random.chance(classBShare) ? 'B' : 'A';
  const lengthM = aisClass === 'B' ? random.int(12, 15) : random.int(16, 32);
  return {
    mmsi,
    name: `${homePort.registryPrefix}-${number}-TS`,
    callsign: `XV${random.int(10_000, 99_999)}`,
    lengthM,
    beamM: Math.max(3, Math.round(lengthM / 4)),
    draughtM: Math.round(lengthM * 0.1 * 10) / 10,
    aisClass,
    homePort,
  };
}

function randomPointIn(area: SeaArea, random: Random): LonLat {
  const box = boundingBox(area.ring);
  for (;;) {
    const point: LonLat = [random.between(box.minLon, box.maxLon), random.between(box.minLat, box.maxLat)];
    if (insidePolygon(point, area.ring)) return point;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
