import { describe, expect, it } from 'vitest';
import { ownVessels } from './edge-fleet.js';

describe('ownVessels', () => {
  it("gives every edge its own vessels with MMSIs unique over a large run (beyond one FleetModel's 10,000 registrations)", () => {
    const vessels = ownVessels(3000, 8, 1, 1_767_225_600_000);
    expect(vessels).toHaveLength(24_000);
    expect(new Set(vessels.map((v) => v.mmsi)).size).toBe(24_000);
  });

  it("is deterministic, and edge i's vessels do not depend on how many edges there are", () => {
    const small = ownVessels(2, 5, 42, 0).map((v) => v.mmsi);
    const large = ownVessels(50, 5, 42, 0).map((v) => v.mmsi);
    expect(ownVessels(2, 5, 42, 0).map((v) => v.mmsi)).toEqual(small);
    expect(large.slice(0, 10)).toEqual(small);
    expect(ownVessels(2, 5, 43, 0).map((v) => v.mmsi)).not.toEqual(small);
  });
});
