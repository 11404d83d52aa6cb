import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { Alarm } from '../../protocols/api/alarms.js';
import { compileSchema } from '../../protocols/validation.js';
import { pointInMultiPolygon, type PolygonRings } from '../fisheries/geometry.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const LonLat = Type.Tuple([
  Type.Number({ minimum: -180, maximum: 180 }),
  Type.Number({ minimum: -90, maximum: 90 }),
]);

/**
 * Where a webhook's alarms come from (any of the parts): a ranger station's cameras or edges, a polygon drawn
 * around its forest, or communes named in `cloud.notify.communesFile`. An alarm matches when its originator is a
 * listed camera or edge, or its point (a fire's located point, else its camera's position; a vessel's position) lies
 * in the polygon or one of the communes. A webhook without `area` gets every alarm (the provincial room).
 */
export const NotifyArea = Type.Object(
  {
    /** `edgeId/cameraId`. */
    cameras: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}/[A-Za-z0-9_.-]{1,64}$' })),
    ),
    /** Every camera of these edges, and the edges' own alarms. */
    edges: Type.Optional(Type.Array(Id)),
    /** `[lon, lat]` corners, as GeoJSON (at least 3; closing it is optional). */
    polygon: Type.Optional(Type.Array(LonLat, { minItems: 3 })),
    /** Names of features of `cloud.notify.communesFile`. */
    communes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type NotifyArea = Static<typeof NotifyArea>;

export interface LatLon {
  lat: number;
  lon: number;
}

/** Named areas (communes) read from a GeoJSON FeatureCollection of Polygons / MultiPolygons with a `name`. */
export type Communes = ReadonlyMap<string, PolygonRings[]>;

const Position = Type.Array(Type.Number(), { minItems: 2 });
const Ring = Type.Array(Position, { minItems: 4 });
const CommuneFile = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(
    Type.Object({
      type: Type.Literal('Feature'),
      properties: Type.Object({ name: Type.String({ minLength: 1 }) }),
      geometry: Type.Union([
        Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Ring, { minItems: 1 }) }),
        Type.Object({
          type: Type.Literal('MultiPolygon'),
          coordinates: Type.Array(Type.Array(Ring, { minItems: 1 }), { minItems: 1 }),
        }),
      ]),
    }),
  ),
});
const checkCommuneFile = compileSchema(CommuneFile);

const key = (name: string) => name.normalize('NFC').trim().toLowerCase();
const toRings = (rings: number[][][]): PolygonRings =>
  rings.map((ring) => ring.map(([lon, lat]) => [lon!, lat!] as const));

/** Reads the communes file (a relative path against `baseDir`); errors name the file and what is wrong. */
export async function loadCommunes(file: string, baseDir: string): Promise<Communes> {
  const path = isAbsolute(file) ? file : resolve(baseDir, file);
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new Error(`cloud.notify.communesFile: cannot read ${path}: ${error.message}`);
  });
  const parsed = checkCommuneFile.parseJson(text);
  if (!parsed.ok) throw new Error(`cloud.notify.communesFile ${path}: ${parsed.errors.join('; ')}`);
  const communes = new Map<string, PolygonRings[]>();
  for (const feature of parsed.value.features) {
    const { geometry } = feature;
    const polygons =
      geometry.type === 'Polygon' ? [toRings(geometry.coordinates)] : geometry.coordinates.map(toRings);
    communes.set(key(feature.properties.name), [
      ...(communes.get(key(feature.properties.name)) ?? []),
      ...polygons,
    ]);
  }
  return communes;
}

/** The names an area lists that the communes file does not have (a config error at start). */
export function unknownCommunes(area: NotifyArea, communes: Communes): string[] {
  return (area.communes ?? []).filter((name) => !communes.has(key(name)));
}

const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/**
 * Where an alarm is: the point in its details (a located fire, a vessel's position), else its camera's position
 * (in the details, or from the cameras the edges reported: `cameraPosition`).
 */
export function alarmPoint(
  alarm: Alarm,
  cameraPosition?: (edgeId: string, cameraId: string) => LatLon | undefined,
): LatLon | undefined {
  const { details } = alarm;
  const lat = number(details.lat);
  const lon = number(details.lon);
  if (lat !== undefined && lon !== undefined) return { lat, lon };
  const cameraLat = number(details.cameraLat);
  const cameraLon = number(details.cameraLon);
  if (cameraLat !== undefined && cameraLon !== undefined) return { lat: cameraLat, lon: cameraLon };
  const camera = /^camera:([^/]+)\/(.+)$/.exec(alarm.originator);
  return camera ? cameraPosition?.(camera[1]!, camera[2]!) : undefined;
}

/** Whether an alarm belongs to the area (see NotifyArea). */
export function inArea(
  area: NotifyArea,
  alarm: Alarm,
  point: LatLon | undefined,
  communes: Communes,
): boolean {
  const camera = /^camera:([^/]+)\/(.+)$/.exec(alarm.originator);
  const edge = camera?.[1] ?? /^edge:(.+)$/.exec(alarm.originator)?.[1];
  if (camera && area.cameras?.includes(`${camera[1]}/${camera[2]}`)) return true;
  if (edge !== undefined && area.edges?.includes(edge)) return true;
  // An edge that goes dark concerns whoever watches one of its cameras.
  if (!camera && edge !== undefined && area.cameras?.some((id) => id.startsWith(`${edge}/`))) return true;
  if (!point) return false;
  if (area.polygon && pointInMultiPolygon(point.lon, point.lat, [[area.polygon]])) return true;
  return (area.communes ?? []).some((name) =>
    pointInMultiPolygon(point.lon, point.lat, communes.get(key(name)) ?? []),
  );
}
