import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { ZoneFileConfig, ZoneKind } from './config.js';
import {
  GridIndex,
  bboxOfPoints,
  crossPolyline,
  distanceM,
  distanceToSegmentM,
  extendBBox,
  emptyBBox,
  intersectSegments,
  pointInPolygon,
  sideOfSegment,
  type BBox,
  type LonLat,
  type PolygonRings,
  type Ring,
} from './geometry.js';

const ZONE_KINDS: readonly ZoneKind[] = [
  'boundary',
  'allowed',
  'offshore',
  'inshore',
  'coastal',
  'closed',
  'port',
];
export const AREA_KINDS = ['allowed', 'offshore', 'inshore', 'coastal', 'closed'] as const;
export type AreaKind = (typeof AREA_KINDS)[number];

interface ZoneBase {
  /** Position in the zone set; stable for the life of the set. */
  index: number;
  id: string;
  name: string;
  source: string;
  /** The feature's GeoJSON geometry and properties, as read (for `GET zones`). */
  geometry: unknown;
  properties: Record<string, unknown>;
}
export interface LineZone extends ZoneBase {
  kind: 'boundary';
  parts: Ring[];
  bbox: BBox;
  /** +1 when the home side is left of the line's drawing direction, -1 right, 0 unknown (crossings have no ENT/EXI). */
  homeSide: number;
}
export interface AreaZone extends ZoneBase {
  kind: AreaKind;
  polygons: PolygonRings[];
  bbox: BBox;
}
export interface PortZone extends ZoneBase {
  kind: 'port';
  lon: number;
  lat: number;
  /** Port given as an area: inside it is in port, whatever the radius. */
  polygons: PolygonRings[];
}
export type Zone = LineZone | AreaZone | PortZone;

export class ZoneFileError extends Error {
  constructor(
    readonly file: string,
    readonly feature: string | undefined,
    readonly problem: string,
  ) {
    super(`zone file ${file}${feature ? ` feature ${feature}` : ''}: ${problem}`);
    this.name = 'ZoneFileError';
  }
}

type Position = [number, number];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readPosition(value: unknown, where: string, fail: (problem: string) => never): Position {
  if (
    !Array.isArray(value) ||
    value.length < 2 ||
    typeof value[0] !== 'number' ||
    typeof value[1] !== 'number'
  ) {
    fail(`${where}: expected a position [lon, lat]`);
  }
  const [lon, lat] = value as number[] as [number, number];
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    fail(`${where}: position [${lon}, ${lat}] is not a WGS84 lon, lat`);
  }
  return [lon, lat];
}

function readLine(
  value: unknown,
  where: string,
  minLength: number,
  fail: (problem: string) => never,
): Position[] {
  if (!Array.isArray(value)) fail(`${where}: expected an array of positions`);
  const line = (value as unknown[]).map((p, i) => readPosition(p, `${where}[${i}]`, fail));
  if (line.length < minLength) fail(`${where}: needs at least ${minLength} positions, has ${line.length}`);
  return line;
}

function readPolygon(value: unknown, where: string, fail: (problem: string) => never): Position[][] {
  if (!Array.isArray(value) || value.length === 0) fail(`${where}: expected an array of rings`);
  return (value as unknown[]).map((ring, r) => {
    const positions = readLine(ring, `${where}[${r}]`, 4, fail);
    const first = positions[0]!;
    const last = positions[positions.length - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1])
      fail(`${where}[${r}]: ring is not closed (first position differs from last)`);
    return positions;
  });
}

function readLines(geometry: Record<string, unknown>, fail: (problem: string) => never): Position[][] {
  const coordinates = geometry.coordinates;
  switch (geometry.type) {
    case 'LineString':
      return [readLine(coordinates, 'coordinates', 2, fail)];
    case 'MultiLineString':
      if (!Array.isArray(coordinates) || coordinates.length === 0)
        fail('coordinates: expected an array of lines');
      return (coordinates as unknown[]).map((line, i) => readLine(line, `coordinates[${i}]`, 2, fail));
    case 'Polygon':
    case 'MultiPolygon':
      // A polygon as a boundary: its rings are the lines.
      return readPolygons(geometry, fail).flat();
    default:
      return fail(
        `geometry type ${String(geometry.type)} cannot be a boundary line (LineString, MultiLineString, Polygon)`,
      );
  }
}

function readPolygons(geometry: Record<string, unknown>, fail: (problem: string) => never): Position[][][] {
  const coordinates = geometry.coordinates;
  switch (geometry.type) {
    case 'Polygon':
      return [readPolygon(coordinates, 'coordinates', fail)];
    case 'MultiPolygon':
      if (!Array.isArray(coordinates) || coordinates.length === 0)
        fail('coordinates: expected an array of polygons');
      return (coordinates as unknown[]).map((polygon, i) => readPolygon(polygon, `coordinates[${i}]`, fail));
    default:
      return fail(`geometry type ${String(geometry.type)} cannot be an area (Polygon, MultiPolygon)`);
  }
}

/**
 * Which side of a polyline a point is on, judged at the line's segment nearest to the point: +1 left of the
 * drawing direction, -1 right.
 */
function sideOfPolyline(parts: readonly Ring[], point: LonLat): number {
  let best = Infinity;
  let side = 0;
  for (const line of parts) {
    for (let s = 0; s + 1 < line.length; s++) {
      const a = line[s]!;
      const b = line[s + 1]!;
      const d = distanceToSegmentM(point[0], point[1], a[0], a[1], b[0], b[1]);
      if (d < best) {
        best = d;
        side = Math.sign(sideOfSegment(a[0], a[1], b[0], b[1], point[0], point[1]));
      }
    }
  }
  return side;
}

/**
 * Reads the zones of one GeoJSON FeatureCollection. Tolerates GeoServer WFS output (MultiLineString, a `crs`
 * member naming EPSG:4326 — still lon, lat —, extra top-level members, no final newline). Any problem throws a
 * ZoneFileError naming the file and the feature.
 */
export function parseZoneFile(text: string, source: ZoneFileConfig, firstIndex = 0): Zone[] {
  const file = source.file;
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new ZoneFileError(file, undefined, `not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(document) || document.type !== 'FeatureCollection' || !Array.isArray(document.features)) {
    throw new ZoneFileError(file, undefined, 'expected a GeoJSON FeatureCollection with a features array');
  }
  const crs =
    isRecord(document.crs) && isRecord(document.crs.properties) ? document.crs.properties.name : undefined;
  if (typeof crs === 'string' && !/(EPSG::?4326|CRS84)$/i.test(crs)) {
    throw new ZoneFileError(
      file,
      undefined,
      `unsupported crs ${crs}: coordinates must be WGS84 lon, lat (EPSG:4326)`,
    );
  }
  const include = source.include ? new Set(source.include) : undefined;
  const zones: Zone[] = [];
  const seen = new Set<string>();
  document.features.forEach((feature: unknown, position: number) => {
    const label =
      isRecord(feature) && (typeof feature.id === 'string' || typeof feature.id === 'number')
        ? `${feature.id} (#${position})`
        : `#${position}`;
    const fail = (problem: string): never => {
      throw new ZoneFileError(file, label, problem);
    };
    if (!isRecord(feature) || feature.type !== 'Feature') fail('expected a GeoJSON Feature');
    const f = feature as Record<string, unknown>;
    const properties = isRecord(f.properties) ? f.properties : {};
    const rawId = f.id ?? properties.id;
    if (typeof rawId !== 'string' && typeof rawId !== 'number')
      fail('has no id (feature id or properties.id)');
    const id = String(rawId);
    if (include && !include.has(id)) return;
    if (seen.has(id)) fail(`duplicate id ${id}`);
    seen.add(id);
    const kind = resolveKind(source, properties.kind, fail);
    if (!isRecord(f.geometry)) fail('has no geometry');
    const geometry = f.geometry as Record<string, unknown>;
    const name = String(properties.name ?? properties.line_name ?? id);
    const base = { index: firstIndex + zones.length, id, name, source: file, geometry, properties };
    if (kind === 'boundary') {
      const parts = readLines(geometry, fail);
      const zone: LineZone = { ...base, kind, parts, bbox: bboxOfPoints(parts.flat()), homeSide: 0 };
      if (source.homePoint) zone.homeSide = sideOfPolyline(parts, source.homePoint);
      zones.push(zone);
    } else if (kind === 'port') {
      if (geometry.type === 'Point') {
        const [lon, lat] = readPosition(geometry.coordinates, 'coordinates', fail);
        zones.push({ ...base, kind, lon, lat, polygons: [] });
      } else {
        const polygons = readPolygons(geometry, fail);
        const box = bboxOfPoints(polygons.flat(2));
        zones.push({
          ...base,
          kind,
          lon: (box.minLon + box.maxLon) / 2,
          lat: (box.minLat + box.maxLat) / 2,
          polygons,
        });
      }
    } else {
      const polygons = readPolygons(geometry, fail);
      zones.push({ ...base, kind, polygons, bbox: bboxOfPoints(polygons.flat(2)) });
    }
  });
  if (include) {
    const missing = [...include].filter((id) => !seen.has(id));
    if (missing.length > 0)
      throw new ZoneFileError(file, missing.join(', '), 'listed in include but not in the file');
  }
  return zones;
}

function resolveKind(
  source: ZoneFileConfig,
  featureKind: unknown,
  fail: (problem: string) => never,
): ZoneKind {
  if (source.kind) return source.kind;
  if (typeof featureKind !== 'string')
    return fail('has no properties.kind and the zone file entry gives no kind');
  const mapped = source.kinds?.[featureKind] ?? featureKind;
  if (!(ZONE_KINDS as readonly string[]).includes(mapped)) {
    return fail(
      `kind "${featureKind}" is not one of ${ZONE_KINDS.join(', ')} (map it with kinds: in the zone file entry)`,
    );
  }
  return mapped as ZoneKind;
}

/** Reads every zone file of the config; relative paths resolve against `baseDir`. */
export async function loadZones(files: readonly ZoneFileConfig[], baseDir: string): Promise<Zone[]> {
  const zones: Zone[] = [];
  const ids = new Map<string, string>();
  for (const source of files) {
    const path = isAbsolute(source.file) ? source.file : resolve(baseDir, source.file);
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new ZoneFileError(path, undefined, `cannot read: ${error.code ?? error.message}`);
    });
    for (const zone of parseZoneFile(text, { ...source, file: path }, zones.length)) {
      const other = ids.get(zone.id);
      if (other) throw new ZoneFileError(path, zone.id, `id already used by a zone in ${other}`);
      ids.set(zone.id, path);
      zones.push(zone);
    }
  }
  return zones;
}

export interface LineCrossing {
  zone: LineZone;
  /** Fraction along the vessel's segment. */
  t: number;
  lon: number;
  lat: number;
  /** ENT: towards the home side; EXI: away from it; undefined when the line has no home side. */
  direction: 'ENT' | 'EXI' | undefined;
}

interface LineSegmentEntry {
  serial: number;
  zone: LineZone;
  a: LonLat;
  b: LonLat;
}

/** A polygon zone's standing in one grid cell: the whole cell inside, or an edge runs through it. */
interface CellArea {
  zone: AreaZone;
  wholeCellInside: boolean;
}

const NO_ZONES: readonly number[] = [];

/**
 * The zones, indexed on a grid so that a position is placed in its zones, and a vessel's segment is checked
 * against the boundary lines, by looking at one or a few cells.
 */
export class ZoneSet {
  readonly lines: LineZone[];
  readonly areas: AreaZone[];
  readonly ports: PortZone[];
  readonly #areaGrid: GridIndex<CellArea>;
  readonly #lineGrid: GridIndex<LineSegmentEntry>;
  #seenStamp: Uint32Array;
  #stamp = 0;

  constructor(
    readonly zones: readonly Zone[],
    readonly cellDeg = 0.05,
  ) {
    this.lines = zones.filter((z): z is LineZone => z.kind === 'boundary');
    this.areas = zones.filter((z): z is AreaZone => (AREA_KINDS as readonly string[]).includes(z.kind));
    this.ports = zones.filter((z): z is PortZone => z.kind === 'port');
    this.#areaGrid = new GridIndex<CellArea>(cellDeg);
    for (const area of this.areas) this.#indexArea(area);
    this.#lineGrid = new GridIndex<LineSegmentEntry>(cellDeg);
    let serial = 0;
    for (const zone of this.lines) {
      for (const part of zone.parts) {
        for (let s = 0; s + 1 < part.length; s++) {
          const a = part[s]!;
          const b = part[s + 1]!;
          this.#lineGrid.insert(bboxOfPoints([a, b]), { serial: serial++, zone, a, b });
        }
      }
    }
    this.#seenStamp = new Uint32Array(serial);
  }

  #indexArea(zone: AreaZone): void {
    const grid = this.#areaGrid;
    const edgeCells = new Set<number>();
    for (const polygon of zone.polygons) {
      for (const ring of polygon) {
        for (let i = 0; i + 1 < ring.length; i++) {
          const box = bboxOfPoints([ring[i]!, ring[i + 1]!]);
          for (let row = grid.row(box.minLat); row <= grid.row(box.maxLat); row++) {
            for (let col = grid.col(box.minLon); col <= grid.col(box.maxLon); col++)
              edgeCells.add(row * 1_048_576 + col);
          }
        }
      }
    }
    const d = this.cellDeg;
    for (let row = grid.row(zone.bbox.minLat); row <= grid.row(zone.bbox.maxLat); row++) {
      for (let col = grid.col(zone.bbox.minLon); col <= grid.col(zone.bbox.maxLon); col++) {
        const lon = col * d - 180 + d / 2;
        const lat = row * d - 90 + d / 2;
        const box = extendBBox(extendBBox(emptyBBox(), lon, lat), lon, lat);
        if (edgeCells.has(row * 1_048_576 + col)) grid.insert(box, { zone, wholeCellInside: false });
        else if (zone.polygons.some((p) => pointInPolygon(lon, lat, p)))
          grid.insert(box, { zone, wholeCellInside: true });
      }
    }
  }

  /** Indexes (zone.index) of the area zones containing the point, ascending. */
  areasAt(lon: number, lat: number): readonly number[] {
    const cell = this.#areaGrid.at(lon, lat);
    if (cell.length === 0) return NO_ZONES;
    let found: number[] | undefined;
    for (const entry of cell) {
      if (entry.wholeCellInside || entry.zone.polygons.some((p) => pointInPolygon(lon, lat, p))) {
        (found ??= []).push(entry.zone.index);
      }
    }
    if (!found) return NO_ZONES;
    if (found.length > 1) found.sort((x, y) => x - y);
    return found;
  }

  zone(index: number): Zone {
    const zone = this.zones[index];
    if (!zone) throw new Error(`no zone #${index}`);
    return zone;
  }

  /** Boundary-line crossings of the segment a→b, ordered along it. */
  lineCrossings(a: LonLat, b: LonLat): LineCrossing[] {
    const box = bboxOfPoints([a, b]);
    let out: LineCrossing[] | undefined;
    const stamp = ++this.#stamp === 0xffffffff ? this.#resetStamps() : this.#stamp;
    this.#lineGrid.forEachIn(box, (entry) => {
      if (this.#seenStamp[entry.serial] === stamp) return;
      this.#seenStamp[entry.serial] = stamp;
      const hit = intersectSegments(a[0], a[1], b[0], b[1], entry.a[0], entry.a[1], entry.b[0], entry.b[1]);
      if (!hit) return;
      // hit.side > 0: the vessel went from the line's left to its right.
      const toSide = hit.side > 0 ? -1 : 1;
      const homeSide = entry.zone.homeSide;
      const direction = homeSide === 0 ? undefined : toSide === homeSide ? 'ENT' : 'EXI';
      (out ??= []).push({ zone: entry.zone, t: hit.t, lon: hit.lon, lat: hit.lat, direction });
    });
    return out ? out.sort((x, y) => x.t - y.t) : [];
  }

  #resetStamps(): number {
    this.#seenStamp.fill(0);
    this.#stamp = 1;
    return 1;
  }

  /** Where the segment a→b first crosses the area's outline (for ENT/EXI points), or undefined. */
  areaCrossing(zone: AreaZone, a: LonLat, b: LonLat): { t: number; lon: number; lat: number } | undefined {
    const hits = crossPolyline(a, b, zone.polygons.flat());
    const first = hits[0];
    return first ? { t: first.t, lon: first.lon, lat: first.lat } : undefined;
  }

  /** The nearest port and its distance in metres (inside a port area counts as 0 m). */
  nearestPort(lon: number, lat: number): { port: PortZone; distanceM: number } | undefined {
    let best: { port: PortZone; distanceM: number } | undefined;
    for (const port of this.ports) {
      const d = port.polygons.some((p) => pointInPolygon(lon, lat, p))
        ? 0
        : distanceM(lon, lat, port.lon, port.lat);
      if (!best || d < best.distanceM) best = { port, distanceM: d };
    }
    return best;
  }

  /** All zones as one GeoJSON FeatureCollection, with the kind each zone has for the rules. */
  toGeoJSON(): {
    type: 'FeatureCollection';
    features: Array<{ type: 'Feature'; id: string; geometry: unknown; properties: Record<string, unknown> }>;
  } {
    return {
      type: 'FeatureCollection',
      features: this.zones.map((zone) => ({
        type: 'Feature' as const,
        id: zone.id,
        geometry: zone.geometry,
        properties: {
          ...zone.properties,
          id: zone.id,
          name: zone.name,
          kind: zone.kind,
          sourceKind: zone.properties.kind,
        },
      })),
    };
  }
}
