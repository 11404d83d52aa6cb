import { describe, expect, it } from 'vitest';
import {
  GridIndex,
  MovingPointIndex,
  bboxOfPoints,
  crossPolyline,
  distanceM,
  haversineM,
  intersectSegments,
  pointInMultiPolygon,
  pointInPolygon,
  type PolygonRings,
} from './geometry.js';

const square = (x0: number, y0: number, size: number) =>
  [
    [x0, y0],
    [x0 + size, y0],
    [x0 + size, y0 + size],
    [x0, y0 + size],
    [x0, y0],
  ] as [number, number][];

describe('distances', () => {
  it('agree with the great circle within 0.1 % at Ca Mau scale', () => {
    // Song Doc port to the Hon Khoai centre, about 67 km.
    const planar = distanceM(104.83, 9.04, 104.83, 8.43);
    const great = haversineM(104.83, 9.04, 104.83, 8.43);
    expect(great).toBeGreaterThan(67_000);
    expect(great).toBeLessThan(68_000);
    expect(Math.abs(planar - great) / great).toBeLessThan(0.001);
    const east = distanceM(104.0, 8.4, 105.0, 8.4);
    expect(Math.abs(east - haversineM(104.0, 8.4, 105.0, 8.4)) / east).toBeLessThan(0.001);
    // README: 1 degree of longitude is about 110.1 km at 8.4 N.
    expect(east / 1000).toBeCloseTo(110.0, 0);
  });
});

describe('segment intersection', () => {
  it('finds the crossing point and the side crossed from', () => {
    const hit = intersectSegments(0, 0, 2, 2, 0, 2, 2, 0);
    expect(hit).toBeDefined();
    expect(hit!.lon).toBeCloseTo(1);
    expect(hit!.lat).toBeCloseTo(1);
    expect(hit!.t).toBeCloseTo(0.5);
    // Line drawn from (0,2) to (2,0) (south-east); the path goes north-east: from the line's right to its left.
    expect(hit!.side).toBeLessThan(0);
    expect(intersectSegments(2, 2, 0, 0, 0, 2, 2, 0)!.side).toBeGreaterThan(0);
  });

  it('misses parallel, collinear and short segments', () => {
    expect(intersectSegments(0, 0, 1, 0, 0, 1, 1, 1)).toBeUndefined();
    expect(intersectSegments(0, 0, 2, 0, 1, 0, 3, 0)).toBeUndefined();
    expect(intersectSegments(0, 0, 0.4, 0.4, 0, 2, 2, 0)).toBeUndefined();
  });

  it('sees a path through a shared vertex of a polyline once', () => {
    const line = [
      [0, 0],
      [1, 1],
      [2, 0],
    ] as [number, number][];
    const hits = crossPolyline([1, 2], [1, -1], [line]);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.lon).toBeCloseTo(1);
    expect(hits[0]!.lat).toBeCloseTo(1);
  });

  it('orders several crossings along the path', () => {
    const zigzag = [
      [0, 0],
      [1, 2],
      [2, 0],
      [3, 2],
    ] as [number, number][];
    const hits = crossPolyline([3, 1], [0, 1], [zigzag]);
    expect(hits.map((h) => Math.round(h.lon * 100) / 100)).toEqual([2.5, 1.5, 0.5]);
  });
});

describe('point in polygon', () => {
  const withHole: PolygonRings = [square(0, 0, 10), square(4, 4, 2)];
  it('respects holes', () => {
    expect(pointInPolygon(1, 1, withHole)).toBe(true);
    expect(pointInPolygon(5, 5, withHole)).toBe(false);
    expect(pointInPolygon(11, 5, withHole)).toBe(false);
  });
  it('handles multipolygons and unclosed-looking concave rings', () => {
    const concave: PolygonRings = [
      [
        [0, 0],
        [4, 0],
        [4, 4],
        [2, 1],
        [0, 4],
        [0, 0],
      ],
    ];
    expect(pointInPolygon(2, 3, concave)).toBe(false);
    expect(pointInPolygon(2, 0.5, concave)).toBe(true);
    expect(pointInMultiPolygon(21, 21, [[square(0, 0, 1)], [square(20, 20, 2)]])).toBe(true);
    expect(pointInMultiPolygon(10, 10, [[square(0, 0, 1)], [square(20, 20, 2)]])).toBe(false);
  });
});

describe('grid indexes', () => {
  it('GridIndex returns the items whose box touches the cell', () => {
    const grid = new GridIndex<string>(1);
    grid.insert(
      bboxOfPoints([
        [0.5, 0.5],
        [2.5, 0.5],
      ]),
      'wide',
    );
    grid.insert(bboxOfPoints([[5.5, 5.5]]), 'dot');
    expect(grid.at(1.5, 0.2)).toEqual(['wide']);
    expect(grid.at(5.9, 5.1)).toEqual(['dot']);
    expect(grid.at(-3, -3)).toEqual([]);
    const seen: string[] = [];
    grid.forEachIn(
      bboxOfPoints([
        [0, 0],
        [6, 6],
      ]),
      (item) => seen.push(item),
    );
    expect(new Set(seen)).toEqual(new Set(['wide', 'dot']));
  });

  it('MovingPointIndex finds neighbours within a radius across cell edges and follows moves', () => {
    const index = new MovingPointIndex<number>(0.01);
    index.set(1, 104.5, 8.5);
    index.set(2, 104.5 + 400 / 110_000, 8.5); // about 400 m east, likely in the next cell
    index.set(3, 104.6, 8.5);
    expect(index.near(104.5, 8.5, 500).sort()).toEqual([1, 2]);
    index.set(3, 104.5, 8.5 + 300 / 110_600);
    expect(index.near(104.5, 8.5, 500).sort()).toEqual([1, 2, 3]);
    index.delete(2);
    expect(index.near(104.5, 8.5, 500).sort()).toEqual([1, 3]);
    expect(index.size).toBe(2);
  });
});
