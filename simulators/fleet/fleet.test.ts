import { describe, expect, it } from 'vitest';
import { nmeaChecksum } from '../../protocols/ais/nmea.js';
import { SimClock } from './clock.js';
import { createFleetSimulator } from './fleet.js';
import { atSea } from './geography.js';
import type { SentenceTransport } from './transport.js';

/** Collects lines in memory: the unit tests look at what the simulator produces, not at sockets. */
class MemoryTransport implements SentenceTransport {
  readonly lines: string[] = [];
  up = true;
  get ready() {
    return this.up;
  }
  async start() {}
  async stop() {}
  async send(lines: readonly string[]) {
    if (!this.up) return false;
    this.lines.push(...lines);
    return true;
  }
}

const START = Date.UTC(2026, 2, 1, 0, 0, 0);

async function simulate(seed: number, vessels: number, rounds: number, stepMs = 10_000) {
  const transport = new MemoryTransport();
  const clock = new SimClock(START);
  const sim = createFleetSimulator({
    vessels,
    seed,
    transport,
    clock,
    recordPositions: true,
    staticIntervalS: 60,
  });
  await sim.start();
  for (let round = 0; round < rounds; round++) {
    await sim.reportVessels();
    clock.advance(stepMs);
  }
  await sim.stop();
  return { sim, transport, report: sim.report() };
}

describe('fleet simulator', () => {
  it('is deterministic: the same seed sends the same sentences; another seed does not', async () => {
    const a = await simulate(42, 8, 20);
    const b = await simulate(42, 8, 20);
    const c = await simulate(43, 8, 20);
    expect(a.transport.lines).toEqual(b.transport.lines);
    expect(a.transport.lines).not.toEqual(c.transport.lines);
  });

  it('vessel i is the same whatever the fleet size', async () => {
    const small = await simulate(7, 3, 5);
    const large = await simulate(7, 30, 5);
    expect(large.report.perVessel.slice(0, 3).map((v) => [v.mmsi, v.name])).toEqual(
      small.report.perVessel.map((v) => [v.mmsi, v.name]),
    );
  });

  it('makes Vietnamese fishing vessels that stay at sea around Ca Mau for a simulated day', async () => {
    const { report } = await simulate(5, 20, 864, 100_000); // a day in 100 s steps
    expect(new Set(report.perVessel.map((v) => v.mmsi)).size).toBe(20);
    for (const vessel of report.perVessel) {
      expect(vessel.mmsi).toBeGreaterThanOrEqual(574_000_000);
      expect(vessel.mmsi).toBeLessThanOrEqual(574_999_999);
      expect(vessel.name).toMatch(/^(CM|BL)-9\d{4}-TS$/);
    }
    expect(report.log.length).toBe(20 * 864);
    const offshore = report.log.filter((p) => !atSea([p.lon, p.lat]));
    expect(offshore).toEqual([]);
    expect(report.log.every((p) => p.sog >= 1.9 && p.sog <= 9.1 && p.cog >= 0 && p.cog < 360)).toBe(true);
    const classB = report.perVessel.filter((v) => v.aisClass === 'B').map((v) => v.mmsi);
    expect(classB.length).toBeGreaterThan(0);
    expect(report.log.filter((p) => classB.includes(p.mmsi)).every((p) => p.msgType === 18)).toBe(true);
    expect(new Set(report.log.filter((p) => !classB.includes(p.mmsi)).map((p) => p.msgType))).toEqual(
      new Set([1, 2, 3]),
    );
  });

  it('moves vessels gently: consecutive reports 10 s apart are a few tens of metres apart with small turns', async () => {
    const { report } = await simulate(9, 5, 100);
    const turns: number[] = [];
    for (const mmsi of new Set(report.log.map((p) => p.mmsi))) {
      const track = report.log.filter((p) => p.mmsi === mmsi);
      for (let i = 1; i < track.length; i++) {
        const [a, b] = [track[i - 1]!, track[i]!];
        const metres = Math.hypot((b.lat - a.lat) * 110_600, (b.lon - a.lon) * 109_500);
        expect(metres).toBeLessThan(9.2 * 0.5144 * 10 + 1);
        turns.push(Math.abs(((b.cog - a.cog + 540) % 360) - 180));
      }
    }
    // 1.5°/s × 10 s; a vessel about to leave its area may turn straight for its waypoint, rarely.
    expect(turns.filter((t) => t <= 15.1).length / turns.length).toBeGreaterThan(0.95);
  });

  it('sends checksummed sentences with ms tag blocks, two-part type 5s, and no two identical position sentences', async () => {
    const { transport, report } = await simulate(3, 10, 30);
    for (const line of transport.lines) {
      const match = /^\\(s:lookout-sim,c:(\d+))\*([0-9A-F]{2})\\!(AIVDM,[^*]*)\*([0-9A-F]{2})$/.exec(line);
      expect(match, line).not.toBeNull();
      expect(match![3]).toBe(nmeaChecksum(match![1]!));
      expect(match![5]).toBe(nmeaChecksum(match![4]!));
      expect(Number(match![2])).toBeGreaterThanOrEqual(START);
    }
    const sentences = transport.lines.map((l) => l.slice(l.indexOf('!')));
    const multipart = sentences.filter((s) => s.startsWith('!AIVDM,2,'));
    expect(multipart.length).toBe(report.statics * 2);
    expect(report.statics).toBeGreaterThan(0);
    const single = sentences.filter((s) => s.startsWith('!AIVDM,1,'));
    expect(single.length).toBe(report.positions);
    expect(new Set(single).size).toBe(single.length);
    // Timestamps are unique per vessel.
    const keys = report.log.map((p) => `${p.mmsi}/${p.tsMs}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('counts only what was sent when the link is down', async () => {
    const transport = new MemoryTransport();
    const sim = createFleetSimulator({ vessels: 4, seed: 1, transport, clock: new SimClock(START) });
    await sim.start();
    await sim.reportVessels();
    transport.up = false;
    expect(await sim.reportVessels()).toBe(0);
    transport.up = true;
    await sim.reportVessels();
    const report = sim.report();
    expect(report).toMatchObject({ positions: 8, skipped: 4 });
    expect(report.perVessel.every((v) => v.positions === 2)).toBe(true);
    expect(report.sentences).toBe(transport.lines.length);
  });
});
