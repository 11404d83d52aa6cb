/**
 * Plane geometry on WGS84 longitude/latitude, sized for a province's waters (a few hundred km).
 *
 * Segments are straight in longitude/latitude (plate carrée): intersections and point-in-polygon work directly
 * on degrees, which is exact for the lines as they are digitised (Marine Regions lines and hand-made zones are
 * straight between vertices in lon/lat). Over a vessel's segment of a few km the gap to the great circle is
 * below a metre. Distances use an equirectangular projection around the mean latitude (error < 0.1 % below
 * 100 km at these latitudes); `haversineM` is there for long distances.
 */

export type LonLat = readonly [lon: number, lat: number];
export type Ring = readonly LonLat[];
/** Exterior ring first, then holes. */
export type PolygonRings = readonly Ring[];

export interface BBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export const EARTH_RADIUS_M = 6_371_008.8;
const DEG = Math.PI / 180;
export const METRES_PER_DEG_LAT = EARTH_RADIUS_M * DEG;

/** Distance in metres, equirectangular around the mean latitude: fast, accurate at the scale of a province. */
export function distanceM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const x = (lon2 - lon1) * Math.cos(((lat1 + lat2) / 2) * DEG);
  const y = lat2 - lat1;
  return Math.sqrt(x * x + y * y) * METRES_PER_DEG_LAT;
}

/** Great-circle distance in metres. */
export function haversineM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * DEG;
  const dLon = (lon2 - lon1) * DEG;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * DEG) * Math.cos(lat2 * DEG) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

export function emptyBBox(): BBox {
  return { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
}

export function extendBBox(box: BBox, lon: number, lat: number): BBox {
  if (lon < box.minLon) box.minLon = lon;
  if (lon > box.maxLon) box.maxLon = lon;
  if (lat < box.minLat) box.minLat = lat;
  if (lat > box.maxLat) box.maxLat = lat;
  return box;
}

export function bboxOfPoints(points: Iterable<LonLat>): BBox {
  const box = emptyBBox();
  for (const [lon, lat] of points) extendBBox(box, lon, lat);
  return box;
}

export function bboxContains(box: BBox, lon: number, lat: number): boolean {
  return lon >= box.minLon && lon <= box.maxLon && lat >= box.minLat && lat <= box.maxLat;
}

export function bboxIntersects(a: BBox, b: BBox): boolean {
  return a.minLon <= b.maxLon && a.maxLon >= b.minLon && a.minLat <= b.maxLat && a.maxLat >= b.minLat;
}

export interface SegmentIntersection {
  /** Fraction along the first segment (0 at its start, 1 at its end). */
  t: number;
  /** Fraction along the second segment. */
  u: number;
  lon: number;
  lat: number;
  /**
   * Sign of the cross product (second segment's direction × first segment's direction): > 0 when the first
   * segment passes from the left of the second (seen along its drawing direction) to its right.
   */
  side: number;
}

/**
 * Where segment a1→a2 crosses segment b1→b2, or undefined. Both ranges are half-open, [0, 1): a path through a
 * vertex shared by two consecutive segments (of either polyline) is seen once, not twice. Collinear overlaps are
 * not crossings.
 */
export function intersectSegments(
  a1x: number,
  a1y: number,
  a2x: number,
  a2y: number,
  b1x: number,
  b1y: number,
  b2x: number,
  b2y: number,
): SegmentIntersection | undefined {
  const rx = a2x - a1x;
  const ry = a2y - a1y;
  const sx = b2x - b1x;
  const sy = b2y - b1y;
  const denominator = rx * sy - ry * sx;
  if (denominator === 0) return undefined;
  const qpx = b1x - a1x;
  const qpy = b1y - a1y;
  const t = (qpx * sy - qpy * sx) / denominator;
  const u = (qpx * ry - qpy * rx) / denominator;
  if (t < 0 || t >= 1 || u < 0 || u >= 1) return undefined;
  return { t, u, lon: a1x + t * rx, lat: a1y + t * ry, side: sy * rx - sx * ry };
}

/** Which side of the directed segment b1→b2 the point is on: > 0 left, < 0 right, 0 on the line. */
export function sideOfSegment(
  b1x: number,
  b1y: number,
  b2x: number,
  b2y: number,
  px: number,
  py: number,
): number {
  return (b2x - b1x) * (py - b1y) - (b2y - b1y) * (px - b1x);
}

/** Even-odd ray casting on one ring (closed or not). Points exactly on an edge may go either way. */
export function pointInRing(lon: number, lat: number, ring: Ring): boolean {
  let inside = false;
  const n = ring.length;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const pi = ring[i]!;
    const pj = ring[j]!;
    const yi = pi[1];
    const yj = pj[1];
    if (yi > lat !== yj > lat) {
      const xCross = ((pj[0] - pi[0]) * (lat - yi)) / (yj - yi) + pi[0];
      if (lon < xCross) inside = !inside;
    }
  }
  return inside;
}

/** Inside the exterior ring and outside every hole. */
export function pointInPolygon(lon: number, lat: number, polygon: PolygonRings): boolean {
  const exterior = polygon[0];
  if (!exterior || !pointInRing(lon, lat, exterior)) return false;
  for (let h = 1; h < polygon.length; h++) if (pointInRing(lon, lat, polygon[h]!)) return false;
  return true;
}

export function pointInMultiPolygon(lon: number, lat: number, polygons: readonly PolygonRings[]): boolean {
  for (const polygon of polygons) if (pointInPolygon(lon, lat, polygon)) return true;
  return false;
}

export interface PolylineCrossing {
  /** Index of the line's segment that was crossed (within its part). */
  part: number;
  segment: number;
  t: number;
  lon: number;
  lat: number;
  /** > 0: the path crossed from the left of the line (seen along its drawing direction) to its right. */
  side: number;
}

/** Every crossing of segment a→b with a polyline (one or more parts), ordered along a→b. */
export function crossPolyline(a: LonLat, b: LonLat, parts: readonly Ring[]): PolylineCrossing[] {
  const out: PolylineCrossing[] = [];
  for (let p = 0; p < parts.length; p++) {
    const line = parts[p]!;
    for (let s = 0; s + 1 < line.length; s++) {
      const c = line[s]!;
      const d = line[s + 1]!;
      const hit = intersectSegments(a[0], a[1], b[0], b[1], c[0], c[1], d[0], d[1]);
      if (hit) out.push({ part: p, segment: s, t: hit.t, lon: hit.lon, lat: hit.lat, side: hit.side });
    }
  }
  return out.sort((x, y) => x.t - y.t);
}

/** Distance in metres from a point to a segment (equirectangular at the point's latitude). */
export function distanceToSegmentM(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const k = Math.cos(py * DEG);
  const dx = (bx - ax) * k;
  const dy = by - ay;
  const wx = (px - ax) * k;
  const wy = py - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, (wx * dx + wy * dy) / len2));
  const ex = wx - t * dx;
  const ey = wy - t * dy;
  return Math.sqrt(ex * ex + ey * ey) * METRES_PER_DEG_LAT;
}

/**
 * A uniform grid over lon/lat: cells hold the items whose bounding box touches them. Used for zones (built once)
 * and for vessels (moved as they report), so a query looks at a handful of cells instead of every item.
 */
export class GridIndex<T> {
  readonly #cells = new Map<number, T[]>();

  constructor(readonly cellDeg: number) {
    if (!(cellDeg > 0)) throw new Error(`grid cell size must be > 0, got ${cellDeg}`);
  }

  /** Integer key of the cell holding the point; rows are 2^20 cells wide, enough for any cell size >= 0.0004°. */
  key(lon: number, lat: number): number {
    return this.#keyOf(this.col(lon), this.row(lat));
  }

  col(lon: number): number {
    return Math.floor((lon + 180) / this.cellDeg);
  }

  row(lat: number): number {
    return Math.floor((lat + 90) / this.cellDeg);
  }

  #keyOf(col: number, row: number): number {
    return row * 1_048_576 + col;
  }

  insert(box: BBox, item: T): void {
    for (let row = this.row(box.minLat); row <= this.row(box.maxLat); row++) {
      for (let col = this.col(box.minLon); col <= this.col(box.maxLon); col++) {
        const key = this.#keyOf(col, row);
        const cell = this.#cells.get(key);
        if (cell) cell.push(item);
        else this.#cells.set(key, [item]);
      }
    }
  }

  /** Items of the one cell under the point (may include items that do not actually contain it). */
  at(lon: number, lat: number): readonly T[] {
    return this.#cells.get(this.key(lon, lat)) ?? EMPTY;
  }

  /** Calls `visit` for every item in the cells touched by the box; an item spanning several cells comes once per cell. */
  forEachIn(box: BBox, visit: (item: T) => void): void {
    for (let row = this.row(box.minLat); row <= this.row(box.maxLat); row++) {
      for (let col = this.col(box.minLon); col <= this.col(box.maxLon); col++) {
        const cell = this.#cells.get(this.#keyOf(col, row));
        if (cell) for (const item of cell) visit(item);
      }
    }
  }

  get cellCount(): number {
    return this.#cells.size;
  }
}

const EMPTY: readonly never[] = [];

/**
 * Points that move (vessels' latest positions): one cell per item, O(1) moves, neighbours within a radius.
 */
export class MovingPointIndex<K> {
  readonly #cells = new Map<number, Set<K>>();
  readonly #where = new Map<K, { key: number; lon: number; lat: number }>();
  readonly #grid: GridIndex<never>;

  constructor(cellDeg: number) {
    this.#grid = new GridIndex<never>(cellDeg);
  }

  set(id: K, lon: number, lat: number): void {
    const key = this.#grid.key(lon, lat);
    const current = this.#where.get(id);
    if (current) {
      current.lon = lon;
      current.lat = lat;
      if (current.key === key) return;
      this.#cells.get(current.key)?.delete(id);
      current.key = key;
    } else {
      this.#where.set(id, { key, lon, lat });
    }
    let cell = this.#cells.get(key);
    if (!cell) this.#cells.set(key, (cell = new Set()));
    cell.add(id);
  }

  delete(id: K): void {
    const current = this.#where.get(id);
    if (!current) return;
    this.#cells.get(current.key)?.delete(id);
    this.#where.delete(id);
  }

  /** Ids whose point lies within `radiusM` of (lon, lat). */
  near(lon: number, lat: number, radiusM: number): K[] {
    const dLat = radiusM / METRES_PER_DEG_LAT;
    const dLon = dLat / Math.max(0.01, Math.cos(lat * DEG));
    const found: K[] = [];
    const grid = this.#grid;
    for (let row = grid.row(lat - dLat); row <= grid.row(lat + dLat); row++) {
      for (let col = grid.col(lon - dLon); col <= grid.col(lon + dLon); col++) {
        const cell = this.#cells.get(row * 1_048_576 + col);
        if (!cell) continue;
        for (const id of cell) {
          const p = this.#where.get(id)!;
          if (distanceM(lon, lat, p.lon, p.lat) <= radiusM) found.push(id);
        }
      }
    }
    return found;
  }

  get size(): number {
    return this.#where.size;
  }
}

export interface TimedPoint<K> {
  id: K;
  ts: number;
  lon: number;
  lat: number;
}

/**
 * Points in space and time (cells × time buckets): "who was within r metres of here within ±dt of then",
 * for late and out-of-order data too. Buckets older than a horizon are dropped whole.
 */
export class SpaceTimeIndex<K> {
  readonly #buckets = new Map<number, Map<number, TimedPoint<K>[]>>();
  readonly #grid: GridIndex<never>;

  constructor(
    cellDeg: number,
    readonly bucketMs: number,
  ) {
    this.#grid = new GridIndex<never>(cellDeg);
  }

  add(point: TimedPoint<K>): void {
    const bucketKey = Math.floor(point.ts / this.bucketMs);
    let bucket = this.#buckets.get(bucketKey);
    if (!bucket) this.#buckets.set(bucketKey, (bucket = new Map()));
    const cellKey = this.#grid.key(point.lon, point.lat);
    const cell = bucket.get(cellKey);
    if (cell) cell.push(point);
    else bucket.set(cellKey, [point]);
  }

  /** Points within `radiusM` and `maxDtMs` of (lon, lat, ts). */
  near(lon: number, lat: number, ts: number, radiusM: number, maxDtMs: number): TimedPoint<K>[] {
    const dLat = radiusM / METRES_PER_DEG_LAT;
    const dLon = dLat / Math.max(0.01, Math.cos(lat * DEG));
    const grid = this.#grid;
    const found: TimedPoint<K>[] = [];
    for (
      let b = Math.floor((ts - maxDtMs) / this.bucketMs);
      b <= Math.floor((ts + maxDtMs) / this.bucketMs);
      b++
    ) {
      const bucket = this.#buckets.get(b);
      if (!bucket) continue;
      for (let row = grid.row(lat - dLat); row <= grid.row(lat + dLat); row++) {
        for (let col = grid.col(lon - dLon); col <= grid.col(lon + dLon); col++) {
          const cell = bucket.get(row * 1_048_576 + col);
          if (!cell) continue;
          for (const p of cell) {
            if (Math.abs(p.ts - ts) <= maxDtMs && distanceM(lon, lat, p.lon, p.lat) <= radiusM) found.push(p);
          }
        }
      }
    }
    return found;
  }

  /** Drops every bucket that ends before `ts`. */
  dropBefore(ts: number): void {
    const limit = Math.floor(ts / this.bucketMs);
    for (const key of this.#buckets.keys()) if (key < limit) this.#buckets.delete(key);
  }

  get bucketCount(): number {
    return this.#buckets.size;
  }
}
