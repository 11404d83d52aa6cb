import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';

/**
 * Writes the dashboard's offline base layer, `public/basemap.json`: land and country borders from Natural Earth
 * (public domain, 1:10m, version 4.1.0 via the npm package `world-atlas`), cut to Vietnam and the seas around it,
 * coordinates rounded to 0.001° (the source is quantized to about 0.0036° × 0.0017°). The extract is shipped, so
 * the cloud starts without parsing the world (seconds on a busy machine) and draws a real coastline without
 * fetching anything. Run again after a `world-atlas` update: `npx tsx cloud/dashboard/make-basemap.ts`.
 */
export const BASEMAP_REGION: readonly [number, number, number, number] = [100, 4, 115, 24];
export const BASEMAP_ATTRIBUTION = 'Natural Earth 1:10m (public domain)';

type Ring = Array<[number, number]>;
type Box = readonly [number, number, number, number];

export interface BasemapCollection {
  type: 'FeatureCollection';
  features: Array<{
    type: 'Feature';
    properties: { name: string };
    geometry: { type: 'MultiPolygon'; coordinates: Ring[][] };
  }>;
}

/** Sutherland–Hodgman: a ring clipped to a box (edges along the box where it was cut). */
export function clipRing(ring: Ring, [minX, minY, maxX, maxY]: Box): Ring {
  const edges: Array<
    [(p: [number, number]) => boolean, (a: [number, number], b: [number, number]) => [number, number]]
  > = [
    [(p) => p[0] >= minX, (a, b) => [minX, a[1] + ((b[1] - a[1]) * (minX - a[0])) / (b[0] - a[0])]],
    [(p) => p[0] <= maxX, (a, b) => [maxX, a[1] + ((b[1] - a[1]) * (maxX - a[0])) / (b[0] - a[0])]],
    [(p) => p[1] >= minY, (a, b) => [a[0] + ((b[0] - a[0]) * (minY - a[1])) / (b[1] - a[1]), minY]],
    [(p) => p[1] <= maxY, (a, b) => [a[0] + ((b[0] - a[0]) * (maxY - a[1])) / (b[1] - a[1]), maxY]],
  ];
  let output = ring;
  for (const [inside, cross] of edges) {
    const input = output;
    output = [];
    input.forEach((current, index) => {
      const previous = input[(index + input.length - 1) % input.length]!;
      if (inside(current)) {
        if (!inside(previous)) output.push(cross(previous, current));
        output.push(current);
      } else if (inside(previous)) output.push(cross(previous, current));
    });
    if (output.length === 0) break;
  }
  if (output.length > 0) output.push(output[0]!);
  return output;
}

const round = ([x, y]: [number, number]): [number, number] => [
  Math.round(x * 1e3) / 1e3,
  Math.round(y * 1e3) / 1e3,
];

/** Consecutive points that rounding made equal, once. */
function dedupe(ring: Ring): Ring {
  return ring.filter((p, i) => i === 0 || p[0] !== ring[i - 1]![0] || p[1] !== ring[i - 1]![1]);
}

/** A polygon clipped to the box: undefined when its outer ring is cut away (its holes go with it). */
function clipPolygon(polygon: Ring[], box: Box): Ring[] | undefined {
  const [outer, ...holes] = polygon.map((ring) => dedupe(clipRing(ring.slice(0, -1), box).map(round)));
  if (!outer || outer.length < 4) return undefined;
  return [outer, ...holes.filter((ring) => ring.length >= 4)];
}

/** The countries of Natural Earth that reach into `box`, clipped to it. */
export function buildBasemap(box: Box = BASEMAP_REGION): BasemapCollection {
  const require = createRequire(import.meta.url);
  const topology = JSON.parse(
    readFileSync(require.resolve('world-atlas/countries-10m.json'), 'utf8'),
  ) as Topology;
  const countries = feature(topology, topology.objects.countries as GeometryCollection<{ name: string }>);
  const features: BasemapCollection['features'] = [];
  for (const country of countries.features) {
    const { geometry } = country;
    if (!geometry) continue;
    const polygons =
      geometry.type === 'Polygon'
        ? [geometry.coordinates as Ring[]]
        : geometry.type === 'MultiPolygon'
          ? (geometry.coordinates as Ring[][])
          : [];
    const clipped = polygons.flatMap((polygon) => {
      const rings = clipPolygon(polygon, box);
      return rings ? [rings] : [];
    });
    if (clipped.length === 0) continue;
    features.push({
      type: 'Feature',
      properties: { name: country.properties?.name ?? '' },
      geometry: { type: 'MultiPolygon', coordinates: clipped },
    });
  }
  return { type: 'FeatureCollection', features };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = fileURLToPath(new URL('./public/basemap.json', import.meta.url));
  const basemap = buildBasemap();
  writeFileSync(out, `${JSON.stringify(basemap)}\n`);
  console.log(`${out}: ${basemap.features.length} countries`);
}
