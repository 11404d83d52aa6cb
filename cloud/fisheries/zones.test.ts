import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { FisheriesConfig } from './config.js';
import { pointInPolygon } from './geometry.js';
import { ZoneFileError, ZoneSet, loadZones, parseZoneFile, type LineZone } from './zones.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
/** The shipped copies of the shared geo files (byte-identical; cloud/fisheries/zones/README.md). */
const zonesDir = resolve(repoRoot, 'cloud/fisheries/zones');
const boundaryText = readFileSync(resolve(zonesDir, 'vietnam-boundary-lines.geojson'), 'utf8');
const caMauText = readFileSync(resolve(zonesDir, 'ca-mau-zones.geojson'), 'utf8');

const caMau = () => parseZoneFile(caMauText, { file: 'ca-mau-zones.geojson', kinds: { zone: 'offshore' } });

describe('parsing the Marine Regions WFS output', () => {
  it('reads all 14 MultiLineString features despite crs, extra members and no final newline', () => {
    expect(boundaryText.endsWith('\n')).toBe(false);
    const zones = parseZoneFile(boundaryText, { file: 'lines.geojson', kind: 'boundary' }) as LineZone[];
    expect(zones).toHaveLength(14);
    expect(zones.map((z) => z.kind)).toEqual(Array(14).fill('boundary'));
    const cambodia = zones.find((z) => z.id === 'eez_boundaries.874')!;
    expect(cambodia.parts).toHaveLength(2);
    expect(zones.reduce((n, z) => n + z.parts.reduce((m, p) => m + p.length, 0), 0)).toBe(3135);
    expect(zones.find((z) => z.id === 'eez_boundaries.108')!.properties.source1).toContain('People’s');
  });

  it('takes the home side from the home point and keeps only the included lines', () => {
    const [treaty] = parseZoneFile(boundaryText, {
      file: 'lines.geojson',
      kind: 'boundary',
      include: ['eez_boundaries.155'],
      homePoint: [104.0, 8.5],
    }) as LineZone[];
    // The line is drawn from (103.04, 7.80) north-west to (102.20, 8.78): Vietnam, to the east, is on its right.
    expect(treaty!.homeSide).toBe(-1);
  });

  it('names the file and the feature on bad input', () => {
    const bad = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          id: 'x1',
          properties: { kind: 'closed' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [0, 0],
                [1, 0],
                [1, 1],
                [0, 1],
              ],
            ],
          },
        },
      ],
    });
    expect(() => parseZoneFile(bad, { file: 'bad.geojson' })).toThrow(ZoneFileError);
    expect(() => parseZoneFile(bad, { file: 'bad.geojson' })).toThrow(
      /bad\.geojson feature x1 \(#0\): coordinates\[0\]: ring is not closed/,
    );
    const unknownKind = caMauText;
    expect(() => parseZoneFile(unknownKind, { file: 'z.geojson' })).toThrow(
      /z\.geojson feature ca-mau-offshore-test-zone \(#0\): kind "zone" is not one of/,
    );
    expect(() => parseZoneFile('{"type":"FeatureCollection"', { file: 'cut.geojson' })).toThrow(
      /cut\.geojson: not valid JSON/,
    );
    const badPoint = JSON.stringify({
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          id: 'p',
          properties: { kind: 'port' },
          geometry: { type: 'Point', coordinates: [200, 9] },
        },
      ],
    });
    expect(() => parseZoneFile(badPoint, { file: 'p.geojson' })).toThrow(
      /feature p \(#0\): coordinates: position \[200, 9\] is not a WGS84/,
    );
    expect(() =>
      parseZoneFile(boundaryText, { file: 'l.geojson', kind: 'boundary', include: ['nope'] }),
    ).toThrow(/feature nope: listed in include/);
    const projected = JSON.stringify({
      type: 'FeatureCollection',
      crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::3857' } },
      features: [],
    });
    expect(() => parseZoneFile(projected, { file: 'm.geojson' })).toThrow(/unsupported crs/);
  });
});

describe('the Ca Mau test zones (expected results from the notes of whoever drew them)', () => {
  const set = new ZoneSet(caMau(), 0.05);
  const ids = (lon: number, lat: number) => set.areasAt(lon, lat).map((i) => set.zone(i).id);

  it('Hon Khoai centre is inside both polygons', () => {
    expect(ids(104.83, 8.43)).toEqual(['ca-mau-offshore-test-zone', 'hon-khoai-closed-area']);
  });

  it('the closed area lies entirely inside the offshore zone', () => {
    const closed = set.areas.find((z) => z.id === 'hon-khoai-closed-area')!;
    for (const [lon, lat] of closed.polygons[0]![0]!) {
      // a hair inside each vertex, towards the centre
      const p: [number, number] = [lon + (104.83 - lon) * 0.001, lat + (8.43 - lat) * 0.001];
      expect(ids(...p)).toEqual(['ca-mau-offshore-test-zone', 'hon-khoai-closed-area']);
    }
  });

  it('all three port points are outside both polygons', () => {
    for (const port of set.ports) expect(ids(port.lon, port.lat)).toEqual([]);
    expect(set.ports.map((p) => p.id).sort()).toEqual(['port-ca-mau-city', 'port-ganh-hao', 'port-song-doc']);
  });

  it('grid answers agree with brute force point-in-polygon everywhere', () => {
    const coarse = new ZoneSet(caMau(), 0.37);
    let inside = 0;
    for (let lon = 103.3; lon <= 105.4; lon += 0.0137) {
      for (let lat = 7.6; lat <= 9.6; lat += 0.0131) {
        const brute = set.areas
          .filter((z) => z.polygons.some((p) => pointInPolygon(lon, lat, p)))
          .map((z) => z.index);
        expect(set.areasAt(lon, lat)).toEqual(brute);
        expect(coarse.areasAt(lon, lat)).toEqual(brute);
        inside += brute.length;
      }
    }
    expect(inside).toBeGreaterThan(5000);
  });

  it('finds the nearest port', () => {
    const near = set.nearestPort(104.8, 9.04)!;
    expect(near.port.id).toBe('port-song-doc');
    expect(near.distanceM).toBeGreaterThan(3000);
    expect(near.distanceM).toBeLessThan(3400);
  });
});

describe('boundary crossings against the real treaty line', () => {
  const lines = parseZoneFile(boundaryText, {
    file: 'lines.geojson',
    kind: 'boundary',
    include: [
      'eez_boundaries.155',
      'eez_boundaries.497',
      'eez_boundaries.501',
      'eez_boundaries.874',
      'eez_boundaries.811',
    ],
    homePoint: [104.0, 8.5],
  });
  const set = new ZoneSet([...lines, ...caMau()], 0.05);

  it('going west across the 1997 Thailand-Vietnam line is EXI, at the right point; coming back is ENT', () => {
    const out = set.lineCrossings([103.3, 8.0], [102.6, 8.0]);
    expect(out).toHaveLength(1);
    expect(out[0]!.zone.id).toBe('eez_boundaries.155');
    expect(out[0]!.direction).toBe('EXI');
    // On the straight line from (103.04167, 7.8) to (102.20324, 8.78188) at 8.0 N.
    expect(out[0]!.lon).toBeCloseTo(103.04167 - (0.2 / 0.98188) * 0.83843, 4);
    expect(out[0]!.lat).toBeCloseTo(8.0, 6);
    const back = set.lineCrossings([102.6, 8.0], [103.3, 8.0]);
    expect(back.map((c) => c.direction)).toEqual(['ENT']);
  });

  it('crossing the Malaysia median line southwards is EXI; moving inside the offshore zone crosses nothing', () => {
    expect(set.lineCrossings([104.0, 7.5], [104.0, 6.5]).map((c) => [c.zone.id, c.direction])).toEqual([
      ['eez_boundaries.811', 'EXI'],
    ]);
    expect(set.lineCrossings([103.6, 7.9], [105.1, 9.3])).toEqual([]);
  });

  it('no edge of the offshore zone crosses the treaty, connection, Cambodia or Malaysia lines', () => {
    const offshore = set.areas.find((z) => z.id === 'ca-mau-offshore-test-zone')!;
    const ring = offshore.polygons[0]![0]!;
    for (let i = 0; i + 1 < ring.length; i++) expect(set.lineCrossings(ring[i]!, ring[i + 1]!)).toEqual([]);
  });
});

describe('loading the shipped demo zones from the default config', () => {
  it('reads every default file from the repository (not from ../shared)', async () => {
    const config = Value.Default(FisheriesConfig, {}) as FisheriesConfig;
    expect(config.zoneFiles.every((f) => !f.file.includes('shared'))).toBe(true);
    const zones = await loadZones(config.zoneFiles, repoRoot);
    const kinds = zones.reduce<Record<string, number>>(
      (acc, z) => ({ ...acc, [z.kind]: (acc[z.kind] ?? 0) + 1 }),
      {},
    );
    expect(kinds).toEqual({ boundary: 5, offshore: 1, closed: 1, port: 3, inshore: 1, coastal: 1 });
    expect(zones.filter((z) => z.kind === 'boundary').every((z) => (z as LineZone).homeSide !== 0)).toBe(
      true,
    );
  });

  it('a missing file is an error naming the path', async () => {
    await expect(loadZones([{ file: 'nowhere.geojson' }], repoRoot)).rejects.toThrow(
      /nowhere\.geojson: cannot read: ENOENT/,
    );
  });
});
