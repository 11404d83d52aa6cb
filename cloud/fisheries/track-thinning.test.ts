import { describe, expect, it } from 'vitest';
import { thinTrack, type TimedPoint } from './track-thinning.js';

const MIN = 60_000;

/** East at 0.01°/min for `minutes`, starting at `start`. */
function straight(start: TimedPoint, minutes: number): TimedPoint[] {
  return Array.from({ length: minutes }, (_, i) => ({
    ts: start.ts + (i + 1) * MIN,
    lon: start.lon + (i + 1) * 0.01,
    lat: start.lat,
  }));
}

describe('thinTrack', () => {
  it('returns every point of a short track', () => {
    const points = straight({ ts: 0, lon: 104, lat: 8 }, 5);
    expect(thinTrack(points, 10)).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps the ends and the turn of a long track, and shrinks the straight runs', () => {
    const out = straight({ ts: 0, lon: 104, lat: 8 }, 500);
    const turn = out[out.length - 1]!;
    const back = Array.from({ length: 500 }, (_, i) => ({
      ts: turn.ts + (i + 1) * MIN,
      lon: turn.lon,
      lat: turn.lat + (i + 1) * 0.01,
    }));
    const points = [...out, ...back];
    const kept = thinTrack(points, 5);
    expect(kept.length).toBeLessThanOrEqual(5);
    expect(kept[0]).toBe(0);
    expect(kept[kept.length - 1]).toBe(points.length - 1);
    expect(kept).toContain(out.length - 1);
    expect([...kept].sort((a, b) => a - b)).toEqual(kept);
  });

  it('keeps where a vessel stopped on a straight line (timing, not only shape)', () => {
    const sailing = straight({ ts: 0, lon: 104, lat: 8 }, 100);
    const stop = sailing[sailing.length - 1]!;
    // Two hours drifting in place, then on east at the same speed.
    const waiting = Array.from({ length: 120 }, (_, i) => ({ ...stop, ts: stop.ts + (i + 1) * MIN }));
    const onwards = straight(waiting[waiting.length - 1]!, 100);
    const points = [...sailing, ...waiting, ...onwards];
    const kept = thinTrack(points, 4).map((i) => points[i]!);
    // The stop's start and end are the two points the playback needs to hold the vessel still.
    expect(kept.map((p) => p.ts)).toEqual([
      sailing[0]!.ts,
      stop.ts,
      waiting[waiting.length - 1]!.ts,
      onwards[99]!.ts,
    ]);
  });
});
