import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency.js';

describe('LatencyHistogram', () => {
  it('gives quantiles within 2 % and never above the largest sample', () => {
    const histogram = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) histogram.record(i / 10); // 0.1 .. 100 ms
    expect(histogram.count).toBe(1000);
    expect(histogram.quantile(0.5)! / 50).toBeGreaterThan(0.99);
    expect(histogram.quantile(0.5)! / 50).toBeLessThan(1.021);
    expect(histogram.quantile(0.99)! / 99).toBeGreaterThan(0.99);
    expect(histogram.quantile(0.99)! / 99).toBeLessThan(1.021);
    expect(histogram.quantile(1)).toBe(100);
    expect(histogram.max).toBe(100);
  });

  it('has no quantile without samples, and reset empties it', () => {
    const histogram = new LatencyHistogram();
    expect(histogram.quantile(0.5)).toBeUndefined();
    histogram.record(0);
    histogram.record(5);
    expect(histogram.quantile(0.5)).toBeLessThanOrEqual(0.01);
    histogram.reset();
    expect([histogram.count, histogram.max, histogram.quantile(0.99)]).toEqual([0, 0, undefined]);
  });
});
