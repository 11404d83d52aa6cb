import type { InfluxDB } from 'influx';
import { Value } from '@sinclair/typebox/value';
import { afterEach, describe, expect, it } from 'vitest';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { capturingLogger, metricValue } from '../../tests/support/cloud-fixtures.js';
import { waitFor } from '../../tests/support/wait.js';
import { AlarmStore } from '../alarms/alarm-store.js';
import type { AlarmService } from '../alarms/alarms-part.js';
import { createCloudBus } from '../events.js';
import { FisheriesConfig } from './config.js';
import { FisheriesPart } from './part.js';

/**
 * FisheriesPart's rebuild with a fake InfluxDB (unit test): it answers the rebuild query the way InfluxDB does
 * (newest LIMIT positions per vessel, an optional `time <` bound) and fails every call while `down`. The real
 * path, with the alarms, the ingest and a real influxd stopped and started, is tests/fisheries/restore-outage.test.ts.
 */
class FakeInflux {
  down = false;
  stored: VesselPosition[] = [];
  readonly queries: string[] = [];

  #check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:8086');
  }

  async getDatabaseNames(): Promise<string[]> {
    this.#check();
    return ['lookout'];
  }

  async query(query: string): Promise<unknown[]> {
    this.#check();
    this.queries.push(query);
    const before = /time < (\d+)ms/.exec(query);
    const limit = Number(/LIMIT (\d+)/.exec(query)?.[1] ?? Infinity);
    const rows = this.stored.filter((p) => !before || p.ts < Number(before[1]));
    const byVessel = new Map<number, VesselPosition[]>();
    for (const p of rows) byVessel.set(p.mmsi, [...(byVessel.get(p.mmsi) ?? []), p]);
    return [...byVessel.values()].flatMap((own) =>
      own
        .sort((a, b) => b.ts - a.ts)
        .slice(0, limit)
        .map((p) => ({
          time: new Date(p.ts),
          mmsi: String(p.mmsi),
          lat: p.lat,
          lon: p.lon,
          sog: p.sog ?? null,
          cog: p.cog ?? null,
          heading: null,
          nav_status: null,
          msg_type: p.msgType,
        })),
    );
  }
}

const MIN = 60_000;
const INTRUDER = 574_990_002;
const startTs = Date.UTC(2026, 3, 1, 0, 0, 0);

/** Straight legs at `kn` knots through lon/lat waypoints, a position every 3 minutes (cloud/ may not use the simulators). */
function sail(waypoints: Array<[number, number]>, kn: number): VesselPosition[] {
  const out: VesselPosition[] = [];
  let ts = startTs;
  for (let i = 1; i < waypoints.length; i++) {
    const [lon0, lat0] = waypoints[i - 1]!;
    const [lon1, lat1] = waypoints[i]!;
    const metres = Math.hypot((lon1 - lon0) * Math.cos((lat0 * Math.PI) / 180), lat1 - lat0) * 111_195;
    const steps = Math.max(1, Math.round(metres / ((kn * 1852) / 20)));
    for (let k = 0; k < steps; k++, ts += 3 * MIN) {
      const f = k / steps;
      out.push({
        mmsi: INTRUDER,
        ts,
        lon: lon0 + (lon1 - lon0) * f,
        lat: lat0 + (lat1 - lat0) * f,
        sog: kn,
        cog: 90,
        msgType: 1,
      });
    }
  }
  return out;
}

// Into the Hòn Khoai closed area (centre 104.83 E 8.43 N, 5 km; raised before the restart), still inside after
// the restart, out, and in again.
const track = sail(
  [
    [104.7, 8.35],
    [104.83, 8.43],
    [104.84, 8.425],
    [104.95, 8.43],
    [104.83, 8.44],
    [104.82, 8.44],
  ],
  5,
);
const atCentreTs = track.find((p) => p.lon === 104.83 && p.lat === 8.43)!.ts;
const before = track.filter((p) => p.ts <= atCentreTs);
const after = track.filter((p) => p.ts > atCentreTs);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const parts: FisheriesPart[] = [];

function makePart(
  influx: FakeInflux,
  options: { maxBufferedPositions?: number; alarmsReady?: Promise<void> } = {},
) {
  const config = Value.Default(FisheriesConfig, {}) as FisheriesConfig;
  config.restore = {
    retryMinMs: 5,
    retryMaxMs: 20,
    maxHeldAlarmRaises: 100,
    maxBufferedPositions: options.maxBufferedPositions ?? 10_000,
  };
  config.tickIntervalS = 3600;
  const store = new AlarmStore();
  let alarmsReady = options.alarmsReady === undefined;
  void options.alarmsReady?.then(() => (alarmsReady = true));
  const alarms: AlarmService = {
    store,
    get isReady() {
      return alarmsReady;
    },
    ready: options.alarmsReady ?? Promise.resolve(),
    raise: (request) => store.raise(request),
    raiseShared: (request) => store.raise(request),
    act: async (id, action, by) => (action === 'ack' ? store.acknowledge(id, by) : store.clear(id, by)).alarm,
  };
  const { log, lines } = capturingLogger('debug');
  const registry = createMetricsRegistry('cloud', false);
  let now = after.at(-1)!.ts + 10 * MIN;
  const part = new FisheriesPart({
    config,
    bus: createCloudBus(),
    influx: influx as unknown as InfluxDB,
    database: 'lookout',
    alarms,
    log,
    registry,
    clock: () => now,
  });
  parts.push(part);
  return { part, store, lines, registry, setNow: (ts: number) => (now = ts) };
}

afterEach(async () => {
  for (const part of parts.splice(0)) await part.stop();
});

describe('FisheriesPart rebuild when InfluxDB is unreachable at start', () => {
  it('buffers positions, answers vessels from them, then evaluates them in time order after the rebuild (even when already stored)', async () => {
    const influx = new FakeInflux();
    influx.stored = [...before];
    influx.down = true;
    const { part, store, registry, lines, setNow } = makePart(influx);
    await part.start();
    expect(part.isReady).toBe(false);
    expect(
      lines.some(
        (l) =>
          l.level === 50 &&
          /could not rebuild vessel state from InfluxDB; retrying in the background/.test(String(l.msg)),
      ),
    ).toBe(true);

    // Late batches first: the buffer is evaluated in time order.
    part.ingest(after.slice(30));
    part.ingest(after.slice(0, 30));
    expect(part.bufferedPositions).toBe(after.length);
    expect(part.vesselStates(after.at(-1)!.ts)).toEqual({
      restoring: true,
      vessels: [expect.objectContaining({ mmsi: INTRUDER, ts: after.at(-1)!.ts })],
    });
    setNow(after.at(-1)!.ts + 48 * 3_600_000);
    part.tick(); // no signal loss judged on a vessel state that is not rebuilt
    expect(store.size).toBe(0);
    setNow(after.at(-1)!.ts + 10 * MIN);
    const metrics = await registry.metrics();
    expect(metricValue(metrics, 'lookout_cloud_fisheries_restore_pending')).toBe(1);
    expect(metricValue(metrics, 'lookout_cloud_fisheries_positions_buffered')).toBe(after.length);
    expect(metricValue(metrics, 'lookout_cloud_fisheries_positions_buffered_total')).toBe(after.length);
    expect(part.health()).toMatchObject({
      status: 'degraded',
      restoring: true,
      bufferedPositions: after.length,
      lastError: expect.stringContaining('ECONNREFUSED'),
    });

    await waitFor(() => part.health().restoreAttempts >= 3, 15_000, 'background retries');
    // The ingest's writer stored the buffered positions before the rebuild ran: they must still be evaluated.
    influx.stored = [...track];
    influx.down = false;
    await part.whenReady();
    expect(part.isReady).toBe(true);
    const engine = part.engine;
    expect(engine.stats).toMatchObject({ positions: track.length, duplicates: 0, outOfOrder: 0 });
    // The buffered positions took the newest LIMIT slots: the positions before them were read as well.
    expect(influx.queries.some((q) => q.includes(`time < ${after[0]!.ts}ms`))).toBe(true);
    // The run that went on across the restart was known (raised before it); the second entry raises.
    const alarms = store.list({ originator: `vessel:${INTRUDER}` });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ type: 'closed_area', count: 1 });
    expect(alarms[0]!.startTs).toBeGreaterThan(after[20]!.ts);
    expect(part.vesselStates(after.at(-1)!.ts)).toEqual({
      restoring: false,
      vessels: [expect.objectContaining({ mmsi: INTRUDER, ts: after.at(-1)!.ts })],
    });
    expect(metricValue(await registry.metrics(), 'lookout_cloud_fisheries_restore_pending')).toBe(0);
  });

  it('beyond maxBufferedPositions drops the oldest buffered positions, counted and warned', async () => {
    const influx = new FakeInflux();
    influx.down = true;
    const { part, registry, lines } = makePart(influx, { maxBufferedPositions: 10 });
    await part.start();
    part.ingest(after.slice(0, 15));
    expect(part.bufferedPositions).toBe(10);
    expect(
      metricValue(await registry.metrics(), 'lookout_cloud_fisheries_positions_ignored_total', {
        reason: 'restore_overflow',
      }),
    ).toBe(5);
    expect(
      lines.some((l) => l.level === 40 && l.dropped === 5 && /position buffer full/.test(String(l.msg))),
    ).toBe(true);
    influx.down = false;
    await part.whenReady();
    expect(part.engine.stats.positions).toBe(10);
  });

  it('evaluates nothing before the alarms are rebuilt, even with InfluxDB up', async () => {
    const influx = new FakeInflux();
    influx.stored = [...before];
    const alarms = deferred();
    const { part, store } = makePart(influx, { alarmsReady: alarms.promise });
    await part.start();
    part.ingest(after);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(part.isReady).toBe(false);
    expect(influx.queries).toEqual([]);
    expect(store.size).toBe(0);
    alarms.resolve();
    await part.whenReady();
    expect(store.list({ originator: `vessel:${INTRUDER}` })).toHaveLength(1);
    expect(part.engine.stats.positions).toBe(track.length);
  });

  it('a healthy start is rebuilt before start() returns', async () => {
    const influx = new FakeInflux();
    influx.stored = [...before];
    const { part } = makePart(influx);
    await part.start();
    expect(part.isReady).toBe(true);
    expect(part.engine.stats.positions).toBe(before.length);
  });
});
