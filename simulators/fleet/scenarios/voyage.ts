import type { VesselPosition } from '../../../protocols/mqtt/payloads.js';
import { Random } from '../random.js';

export type Point = [lon: number, lat: number];

const METRES_PER_DEG_LAT = 111_195;
const KNOT_MS = 1852 / 3600;

/** Uniform numbers in [0, 1) from the fleet's seeded PRNG: the same seed gives the same scenario. */
export function seededRandom(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}

interface Leg {
  from: Point;
  to: Point;
  t0: number;
  t1: number;
  kn: number;
}

/**
 * A scripted voyage: straight legs at given speeds, in simulated time. Positions are sampled at a fixed
 * report interval, with a little seeded noise on speed and position (as real AIS has).
 */
export class Voyage {
  readonly #legs: Leg[] = [];
  #at: Point;
  #t: number;
  #silentFrom = Infinity;

  constructor(
    readonly mmsi: number,
    start: Point,
    startTs: number,
  ) {
    this.#at = start;
    this.#t = startTs;
  }

  get now(): number {
    return this.#t;
  }

  get position(): Point {
    return this.#at;
  }

  /** Sail to a point at `kn` knots. */
  to(point: Point, kn: number): this {
    const metres = distanceM(this.#at, point);
    const ms = kn > 0 ? (metres / (kn * KNOT_MS)) * 1000 : 0;
    this.#legs.push({ from: this.#at, to: point, t0: this.#t, t1: this.#t + ms, kn });
    this.#at = point;
    this.#t += ms;
    return this;
  }

  /** Move on a course (degrees from north) for `hours` at `kn` knots (a slow drift, a straight tow). */
  drift(courseDeg: number, kn: number, hours: number): this {
    const metres = kn * KNOT_MS * hours * 3600;
    const rad = (courseDeg * Math.PI) / 180;
    const dLat = (metres * Math.cos(rad)) / METRES_PER_DEG_LAT;
    const dLon = (metres * Math.sin(rad)) / (METRES_PER_DEG_LAT * Math.cos((this.#at[1] * Math.PI) / 180));
    return this.to([this.#at[0] + dLon, this.#at[1] + dLat], kn);
  }

  /** Go round the points at `kn` until simulated time `untilTs`. */
  patrol(points: Point[], kn: number, untilTs: number): this {
    for (let i = 0; this.#t < untilTs; i++) this.to(points[i % points.length]!, kn);
    return this;
  }

  /** The transponder goes quiet from this time on. */
  silentFrom(ts: number): this {
    this.#silentFrom = ts;
    return this;
  }

  positions(
    fromTs: number,
    toTs: number,
    everyMs: number,
    random: () => number,
    msgType = 1,
  ): VesselPosition[] {
    const out: VesselPosition[] = [];
    let leg = 0;
    // Each vessel reports at its own phase within the interval, as real transponders do.
    const phase = Math.floor(random() * Math.min(everyMs, 60_000));
    for (let ts = fromTs + phase; ts <= toTs && ts < this.#silentFrom; ts += everyMs) {
      while (leg < this.#legs.length - 1 && this.#legs[leg]!.t1 < ts) leg++;
      const l = this.#legs[leg];
      if (!l || ts < l.t0 || ts > l.t1) continue;
      const f = l.t1 === l.t0 ? 1 : (ts - l.t0) / (l.t1 - l.t0);
      const noise = () => (random() - 0.5) * 0.0002; // about ±10 m
      const lon = l.from[0] + (l.to[0] - l.from[0]) * f + noise();
      const lat = l.from[1] + (l.to[1] - l.from[1]) * f + noise();
      const sog = Math.max(0, l.kn + (random() - 0.5) * 0.6);
      out.push({
        mmsi: this.mmsi,
        ts: Math.round(ts),
        lon: round(lon, 6),
        lat: round(lat, 6),
        sog: round(sog, 1),
        cog: round(bearing(l.from, l.to), 1),
        msgType,
        aisClass: msgType === 18 ? 'B' : 'A',
      });
    }
    return out;
  }
}

function round(value: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(value * k) / k;
}

function distanceM(a: Point, b: Point): number {
  const x = (b[0] - a[0]) * Math.cos((((a[1] + b[1]) / 2) * Math.PI) / 180);
  const y = b[1] - a[1];
  return Math.sqrt(x * x + y * y) * METRES_PER_DEG_LAT;
}

function bearing(a: Point, b: Point): number {
  const x = (b[0] - a[0]) * Math.cos((a[1] * Math.PI) / 180);
  const y = b[1] - a[1];
  if (x === 0 && y === 0) return 0;
  const deg = (Math.atan2(x, y) * 180) / Math.PI;
  return deg < 0 ? deg + 360 : deg >= 360 ? 0 : deg;
}
