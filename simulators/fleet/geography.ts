/**
 * Hand-made, approximate sea areas around Ca Mau for the simulator (not official, not a coastline). Each
 * area is convex, so a straight course between two points of an area never crosses land; the coast side
 * is kept roughly 10 km off the shore.
 */
export type LonLat = readonly [lon: number, lat: number];

export interface SeaArea {
  id: string;
  name: string;
  /** Convex ring, counter-clockwise, not closed. */
  ring: readonly LonLat[];
}

export interface Port {
  id: string;
  name: string;
  /** Vietnamese fishing-vessel registration prefix of the province (e.g. `CM` for Cà Mau). */
  registryPrefix: string;
  position: LonLat;
  /** Sea areas its boats fish in. */
  grounds: readonly string[];
}

export const SEA_AREAS: readonly SeaArea[] = [
  {
    id: 'west',
    name: 'off Sông Đốc, west of the peninsula',
    ring: [
      [104.2, 8.75],
      [104.62, 8.75],
      [104.7, 9.0],
      [104.72, 9.2],
      [104.7, 9.4],
      [104.2, 9.4],
    ],
  },
  {
    id: 'south',
    name: 'south of Mũi Cà Mau, around Hòn Khoai',
    ring: [
      [104.3, 8.05],
      [105.15, 8.05],
      [105.15, 8.45],
      [104.3, 8.45],
    ],
  },
  {
    id: 'east',
    name: 'off Gành Hào, east coast',
    ring: [
      [105.05, 8.45],
      [105.6, 8.55],
      [105.95, 8.85],
      [105.8, 9.05],
      [105.45, 8.85],
      [105.1, 8.6],
    ],
  },
];

export const PORTS: readonly Port[] = [
  {
    id: 'song-doc',
    name: 'Sông Đốc',
    registryPrefix: 'CM',
    position: [104.83, 9.04],
    grounds: ['west', 'south'],
  },
  {
    id: 'ganh-hao',
    name: 'Gành Hào',
    registryPrefix: 'BL',
    position: [105.42, 9.03],
    grounds: ['east', 'south'],
  },
];

export function seaArea(id: string): SeaArea {
  const area = SEA_AREAS.find((a) => a.id === id);
  if (!area) throw new Error(`unknown sea area "${id}"`);
  return area;
}

/** Ray casting; points on the boundary may go either way. */
export function insidePolygon(point: LonLat, ring: readonly LonLat[]): boolean {
  const [x, y] = point;
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function atSea(point: LonLat): boolean {
  return SEA_AREAS.some((area) => insidePolygon(point, area.ring));
}

export function boundingBox(ring: readonly LonLat[]): {
  minLon: number;
  maxLon: number;
  minLat: number;
  maxLat: number;
} {
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  return {
    minLon: Math.min(...lons),
    maxLon: Math.max(...lons),
    minLat: Math.min(...lats),
    maxLat: Math.max(...lats),
  };
}

const METRES_PER_DEGREE_LAT = 110_600;
const metresPerDegreeLon = (lat: number) => 111_320 * Math.cos((lat * Math.PI) / 180);

/** Moves `distanceM` metres along `courseDeg` (flat-earth approximation, fine for steps of a few km). */
export function travel(point: LonLat, courseDeg: number, distanceM: number): LonLat {
  const radians = (courseDeg * Math.PI) / 180;
  const lat = point[1] + (distanceM * Math.cos(radians)) / METRES_PER_DEGREE_LAT;
  const lon = point[0] + (distanceM * Math.sin(radians)) / metresPerDegreeLon(point[1]);
  return [lon, lat];
}

export function bearingDeg(from: LonLat, to: LonLat): number {
  const dx = (to[0] - from[0]) * metresPerDegreeLon(from[1]);
  const dy = (to[1] - from[1]) * METRES_PER_DEGREE_LAT;
  return ((Math.atan2(dx, dy) * 180) / Math.PI + 360) % 360;
}

export function distanceM(a: LonLat, b: LonLat): number {
  const dx = (b[0] - a[0]) * metresPerDegreeLon(a[1]);
  const dy = (b[1] - a[1]) * METRES_PER_DEGREE_LAT;
  return Math.hypot(dx, dy);
}
