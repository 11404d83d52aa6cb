import { describe, expect, it } from 'vitest';
import { backoffMs, settlesWithin, withEqualJitter } from './retry.js';

describe('retry timing', () => {
  it('backs off from the minimum, doubling, up to the maximum (attempts are 1-based)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoffMs(n, 1000, 30_000))).toEqual([
      1000, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('equal jitter keeps half fixed and spreads the other half', () => {
    expect(withEqualJitter(1000, () => 0)).toBe(500);
    expect(withEqualJitter(1000, () => 0.999)).toBeCloseTo(999.5);
  });

  it('tells whether a promise settled in time, rejections included', async () => {
    expect(await settlesWithin(Promise.resolve(), 1000)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('x')), 1000)).toBe(true);
    expect(await settlesWithin(new Promise(() => undefined), 20)).toBe(false);
  });
});
