import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { compileSchema } from '../../protocols/validation.js';
import { pointInMultiPolygon, type PolygonRings } from '../fisheries/geometry.js';
import { bearingDeg, distanceM, type LatLon } from './locate.js';

const Position = Type.Array(Type.Number(), { minItems: 2 });
const PlaceFeature = Type.Object({
  type: Type.Literal('Feature'),
  properties: Type.Object({ name: Type.String({ minLength: 1 }) }),
  geometry: Type.Union([
    Type.Object({ type: Type.Literal('Point'), coordinates: Position }),
    Type.Object({ type: Type.Literal('Polygon'), coordinates: Type.Array(Type.Array(Position)) }),
    Type.Object({
      type: Type.Literal('MultiPolygon'),
      coordinates: Type.Array(Type.Array(Type.Array(Position))),
    }),
  ]),
});
/** A places layer: named points (villages, ranger stations) and named areas (forest compartments). */
const PlacesFile = Type.Object({
  type: Type.Literal('FeatureCollection'),
  features: Type.Array(PlaceFeature),
});
type PlacesFile = Static<typeof PlacesFile>;
const checkPlaces = compileSchema(PlacesFile);

/** Where a point is, in words a ranger knows: the area it is in and the nearest named place. */
export interface PlaceDescription {
  /** The named area (forest compartment) the point lies in. */
  area?: string;
  /** The nearest named point, how far and in which direction from it the point lies. */
  nearest?: { name: string; distanceM: number; bearingDeg: number };
}

interface Area {
  name: string;
  polygons: PolygonRings[];
}

interface Point {
  name: string;
  position: LatLon;
}

/** The places layer of the config (`cloud.fire.placesFile`), for describing a located fire. */
export class Places {
  constructor(
    private readonly areas: Area[] = [],
    private readonly points: Point[] = [],
  ) {}

  /** Reads a GeoJSON FeatureCollection; a relative path resolves against `baseDir`. Errors name the file. */
  static async load(file: string, baseDir: string): Promise<Places> {
    const path = isAbsolute(file) ? file : resolve(baseDir, file);
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new Error(`cloud.fire.placesFile: cannot read ${path}: ${error.message}`);
    });
    const parsed = checkPlaces.parseJson(text);
    if (!parsed.ok) throw new Error(`cloud.fire.placesFile ${path}: ${parsed.errors.join('; ')}`);
    return Places.from(parsed.value);
  }

  static from(collection: PlacesFile): Places {
    const areas: Area[] = [];
    const points: Point[] = [];
    for (const { properties, geometry } of collection.features) {
      const lonLat = (p: number[]) => [p[0]!, p[1]!] as const;
      if (geometry.type === 'Point') {
        points.push({
          name: properties.name,
          position: { lon: geometry.coordinates[0]!, lat: geometry.coordinates[1]! },
        });
      } else {
        const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
        areas.push({
          name: properties.name,
          polygons: polygons.map((polygon) => polygon.map((ring) => ring.map(lonLat))),
        });
      }
    }
    return new Places(areas, points);
  }

  get size(): number {
    return this.areas.length + this.points.length;
  }

  describe(at: LatLon): PlaceDescription {
    const description: PlaceDescription = {};
    const area = this.areas.find((a) => pointInMultiPolygon(at.lon, at.lat, a.polygons));
    if (area) description.area = area.name;
    let best: Point | undefined;
    let bestM = Infinity;
    for (const point of this.points) {
      const metres = distanceM(point.position, at);
      if (metres < bestM) [best, bestM] = [point, metres];
    }
    if (best)
      description.nearest = {
        name: best.name,
        distanceM: Math.round(bestM),
        bearingDeg: Math.round(bearingDeg(best.position, at)),
      };
    return description;
  }
}
