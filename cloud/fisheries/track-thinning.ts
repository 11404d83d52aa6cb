/** A position of a track as the thinning sees it. */
export interface TimedPoint {
  ts: number;
  lon: number;
  lat: number;
}

const METRES_PER_DEGREE = 111_320;

/**
 * How far (metres) a point is from where a vessel sailing straight and steadily from `a` to `b` would have been
 * at the point's time: the synchronized Euclidean distance of trajectory compression (Meratnia & de By's TD-TR).
 * Unlike the distance to the line, it also keeps the points where the vessel stopped or changed speed, so a
 * playback of the thinned track puts the vessel where it was at each moment.
 */
function synchronizedDistanceM(a: TimedPoint, b: TimedPoint, p: TimedPoint): number {
  const share = b.ts === a.ts ? 0 : (p.ts - a.ts) / (b.ts - a.ts);
  const lon = a.lon + (b.lon - a.lon) * share;
  const lat = a.lat + (b.lat - a.lat) * share;
  const dx = (p.lon - lon) * Math.cos((p.lat * Math.PI) / 180);
  return Math.hypot(dx, p.lat - lat) * METRES_PER_DEGREE;
}

interface Span {
  first: number;
  last: number;
  /** Index of the point farthest from the span's straight, steady passage, and that distance. */
  worst: number;
  errorM: number;
}

function spanOf(points: readonly TimedPoint[], first: number, last: number): Span {
  let worst = -1;
  let errorM = -1;
  for (let i = first + 1; i < last; i++) {
    const d = synchronizedDistanceM(points[first]!, points[last]!, points[i]!);
    if (d > errorM) [worst, errorM] = [i, d];
  }
  return { first, last, worst, errorM };
}

/**
 * The indices (ascending) of at most `maxPoints` points that keep the track's shape and timing: the first and the
 * last, then, top-down, always the point farthest from where the kept ones put the vessel (the largest error
 * first, so a long straight passage costs two points and the turns of a fishing ground get the rest).
 */
export function thinTrack(points: readonly TimedPoint[], maxPoints: number): number[] {
  if (points.length <= maxPoints) return points.map((_, i) => i);
  const kept = new Set([0, points.length - 1]);
  const spans = [spanOf(points, 0, points.length - 1)];
  while (kept.size < maxPoints) {
    let largest = 0;
    for (let i = 1; i < spans.length; i++) if (spans[i]!.errorM > spans[largest]!.errorM) largest = i;
    const span = spans[largest]!;
    if (span.worst < 0) break;
    kept.add(span.worst);
    spans.splice(largest, 1, spanOf(points, span.first, span.worst), spanOf(points, span.worst, span.last));
  }
  return [...kept].sort((a, b) => a - b);
}
