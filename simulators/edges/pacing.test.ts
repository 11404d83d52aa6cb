import { describe, expect, it } from 'vitest';
import { Random } from '../fleet/random.js';
import { Pacer, poissonDelayMs, rampOffsetMs } from './pacing.js';

describe('Pacer (fake clock)', () => {
  it('issues rate × elapsed events in all, however the time is sliced', () => {
    const start = 1_000_000;
    const fine = new Pacer(20, start);
    let fineTotal = 0;
    for (let t = start; t < start + 10_000; t += 7) fineTotal += fine.due(t);
    fineTotal += fine.due(start + 10_000);
    const coarse = new Pacer(20, start);
    const coarseTotal = coarse.due(start + 3_000) + coarse.due(start + 3_001) + coarse.due(start + 10_000);
    expect(fineTotal).toBe(200);
    expect(coarseTotal).toBe(200);
  });

  it('spreads events evenly: at 4/s one event is due every 250 ms', () => {
    const pacer = new Pacer(4, 0);
    expect([pacer.due(249), pacer.due(250), pacer.due(499), pacer.due(500), pacer.due(1000)]).toEqual([
      0, 1, 0, 1, 2,
    ]);
  });

  it('stops at its limit and says it is finished', () => {
    const pacer = new Pacer(100, 0, 30);
    expect(pacer.due(200)).toBe(20);
    expect(pacer.finished).toBe(false);
    expect(pacer.due(10_000)).toBe(10);
    expect(pacer.due(20_000)).toBe(0);
    expect(pacer.finished).toBe(true);
    expect(pacer.issued).toBe(30);
  });

  it('issues nothing before its start, at rate 0, or when the clock goes back', () => {
    const pacer = new Pacer(10, 5_000);
    expect(pacer.due(4_000)).toBe(0);
    expect(pacer.due(6_000)).toBe(10);
    expect(pacer.due(5_500)).toBe(0);
    expect(pacer.due(6_100)).toBe(1);
    expect(new Pacer(0, 0).due(1e9)).toBe(0);
  });
});

describe('poissonDelayMs', () => {
  it('averages one hour / rate and is Infinity at rate 0', () => {
    const random = new Random(3);
    const samples = Array.from({ length: 20_000 }, () => poissonDelayMs(random, 60));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(57_000);
    expect(mean).toBeLessThan(63_000);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(poissonDelayMs(random, 0)).toBe(Infinity);
  });
});

describe('rampOffsetMs', () => {
  it('starts edge 0 at once and spreads the others evenly over the ramp', () => {
    expect(Array.from({ length: 4 }, (_, i) => rampOffsetMs(i, 4, 1000))).toEqual([0, 250, 500, 750]);
    expect(rampOffsetMs(0, 1, 5000)).toBe(0);
    expect(rampOffsetMs(3, 4, 0)).toBe(0);
  });
});
