import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { AlarmStore, type AlarmChange } from '../../cloud/alarms/alarm-store.js';
import { FisheriesConfig } from '../../cloud/fisheries/config.js';
import { RuleEngine } from '../../cloud/fisheries/engine.js';
import { VesselRegistry } from '../../cloud/fisheries/registry.js';
import { ZoneSet, loadZones } from '../../cloud/fisheries/zones.js';
import { iuuScenario, lateReplay } from '../../simulators/fleet/scenarios/iuu.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const MIN = 60_000;

/**
 * The acceptance scenario, fed straight into the rule engine in simulated time: 20 h of a fleet pass in well
 * under a second. The clock the engine and the alarm store see is the scenario's.
 */
describe('IUU scenario through the rule engine (simulated time)', () => {
  const scenario = iuuScenario({ seed: 7 });
  let zones: ZoneSet;
  const config = Value.Default(FisheriesConfig, {}) as FisheriesConfig;

  beforeAll(async () => {
    zones = new ZoneSet(await loadZones(config.zoneFiles, repoRoot), config.gridCellDeg);
  });

  function run() {
    let simNow = scenario.startTs;
    const store = new AlarmStore({ clock: () => simNow });
    const changes: AlarmChange[] = [];
    store.onChange((c) => changes.push(c));
    let raises = 0;
    const engine = new RuleEngine({
      zones,
      registry: new VesselRegistry(scenario.registry),
      rules: config.rules,
      history: config.history,
      raise: (request) => {
        raises++;
        store.raise(request);
      },
    });
    // Positions in time order; the clock ticks every simulated minute.
    let next = 0;
    for (simNow = scenario.startTs; simNow <= scenario.endTs; simNow += MIN) {
      while (next < scenario.positions.length && scenario.positions[next]!.ts <= simNow)
        engine.ingest(scenario.positions[next++]!);
      engine.tick(simNow);
    }
    simNow = scenario.endTs;
    return { engine, store, changes, raises: () => raises, setNow: (t: number) => (simNow = t) };
  }

  it('is a sizeable fleet with one vessel per violation', () => {
    expect(scenario.compliant.length).toBe(13);
    expect(new Set(scenario.expected.map((e) => e.type))).toEqual(
      new Set([
        'boundary_crossing',
        'closed_area',
        'zone_by_length',
        'signal_loss',
        'encounter',
        'loitering',
      ]),
    );
    expect(scenario.positions.length).toBeGreaterThan(7000);
    // deterministic for a seed
    expect(iuuScenario({ seed: 7 }).positions).toEqual(scenario.positions);
  });

  it('every violation raises exactly one alarm of the right type within bounded simulated time; compliant vessels none', () => {
    const { store } = run();
    const alarms = store.list();
    for (const expected of scenario.expected) {
      const mine = alarms.filter((a) => a.originator === `vessel:${expected.mmsi}`);
      expect(
        mine.map((a) => a.type),
        `vessel ${expected.mmsi}`,
      ).toEqual([expected.type]);
      const alarm = mine[0]!;
      expect(alarm.createdAt, `${expected.type} raised too late`).toBeLessThanOrEqual(
        expected.dueTs + expected.withinMs,
      );
      expect(alarm.createdAt, `${expected.type} raised too early`).toBeGreaterThanOrEqual(
        expected.dueTs - 15 * MIN,
      );
    }
    for (const mmsi of scenario.compliant) {
      expect(
        alarms.filter((a) => a.originator === `vessel:${mmsi}`),
        `compliant vessel ${mmsi}`,
      ).toEqual([]);
    }
    expect(alarms).toHaveLength(scenario.expected.length);
    const crossing = alarms.find((a) => a.type === 'boundary_crossing')!;
    expect(crossing.severity).toBe('CRITICAL'); // not back after 12 h: escalated, still one alarm
    expect(crossing.details).toMatchObject({
      direction: 'EXI',
      zoneId: 'eez_boundaries.155',
      escalated: true,
    });
  });

  it('replaying every position late and out of order raises nothing new', () => {
    const { engine, store, changes, raises, setNow } = run();
    const before = { raises: raises(), changes: changes.length, alarms: store.list() };
    setNow(scenario.endTs + 30 * MIN);
    for (const position of lateReplay(scenario.positions)) engine.ingest(position);
    engine.tick(scenario.endTs + 30 * MIN);
    expect(raises()).toBe(before.raises);
    expect(changes.length).toBe(before.changes);
    expect(store.list()).toEqual(before.alarms);
    expect(engine.stats.duplicates + engine.stats.tooLate).toBe(scenario.positions.length);
  });

  it('a first delivery that is itself shuffled (store-and-forward burst) gives the same alarms', () => {
    let simNow = scenario.endTs;
    const store = new AlarmStore({ clock: () => simNow });
    const engine = new RuleEngine({
      zones,
      registry: new VesselRegistry(scenario.registry),
      rules: config.rules,
      history: { ...config.history, maxPoints: 1000 },
      raise: (request) => store.raise(request),
    });
    // Deliver in chunks of 2 simulated hours, each chunk shuffled.
    const chunkMs = 2 * 60 * MIN;
    for (let t = scenario.startTs; t <= scenario.endTs; t += chunkMs) {
      const chunk = scenario.positions.filter((p) => p.ts >= t && p.ts < t + chunkMs);
      for (const p of lateReplay(chunk, t)) engine.ingest(p);
      simNow = t + chunkMs;
      engine.tick(simNow);
    }
    const got = store
      .list()
      .map((a) => `${a.originator} ${a.type}`)
      .sort();
    const want = scenario.expected.map((e) => `vessel:${e.mmsi} ${e.type}`).sort();
    expect(got).toEqual(want);
  });
});
