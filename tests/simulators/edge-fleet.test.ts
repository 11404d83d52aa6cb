import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { cloudFeatures } from '../../cloud/features.js';
import type { VesselPositionRow } from '../../cloud/influxdb/points.js';
import { createLogger, silentLogger } from '../../runtime/logger.js';
import { cloudUsersFor, edgeFleetConfig, edgeIdentities } from '../../simulators/edges/config.js';
import {
  createEdgeFleetSimulator,
  type EdgeFleetOptions,
  type EdgeFleetSimulator,
} from '../../simulators/edges/edge-fleet.js';
import { metricValue, tempDir } from '../support/cloud-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';

/**
 * `lookout sim edges` against a real cloud (createCloud with every feature, aedes over TCP, journal, a real influxd):
 * every simulated edge is seen online, exactly the generated positions are stored, churn shows as last wills and
 * births, nothing is lost or doubled, and a stop leaves every edge offline.
 */
let influx: TestInfluxd;
const cleanups: Array<() => Promise<void> | void> = [];
const log = process.env.LOG_LEVEL ? createLogger('edge-fleet-test') : silentLogger();

beforeAll(async () => {
  influx = await startTestInfluxd();
});
afterAll(async () => {
  await influx?.cleanup();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startCloud(database: string, users: unknown[] = []): Promise<Cloud> {
  const dataDir = await tempDir('sim-edges-cloud');
  const config = cloudConfig({
    mqtt: { host: '127.0.0.1', port: 0, wsPort: 0, users },
    http: { host: '127.0.0.1', port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database },
    ingest: { batchSize: 500, flushIntervalMs: 50 },
    dataDir,
  });
  const cloud = createCloud(config, { log, features: cloudFeatures(config) });
  await cloud.start();
  cleanups.push(
    () => rm(dataDir, { recursive: true, force: true }),
    () => cloud.stop(),
  );
  return cloud;
}

async function startFleet(options: EdgeFleetOptions): Promise<EdgeFleetSimulator> {
  const sim = createEdgeFleetSimulator({ recordPositions: true, log, progressIntervalS: 0, ...options });
  cleanups.push(() => sim.stop());
  await sim.start();
  return sim;
}

async function edgesApi(cloud: Cloud): Promise<Array<{ edgeId: string; state: string; reason?: string }>> {
  const response = await fetch(`${cloud.addresses.http}/api/v1/edges`);
  return ((await response.json()) as { edges: Array<{ edgeId: string; state: string; reason?: string }> })
    .edges;
}

async function storedRows(database: string): Promise<VesselPositionRow[]> {
  return influx.client.query<VesselPositionRow>('SELECT * FROM vessel_position', {
    database,
    precision: 'ms' as never,
  });
}

async function pointCount(database: string): Promise<number> {
  const result = await influx.client.query<{ count: number }>(
    'SELECT count(lat) AS count FROM vessel_position',
    { database },
  );
  return result[0]?.count ?? 0;
}

/** InfluxDB holds exactly one point per generated position, with its values. */
async function expectStoredExactly(database: string, sim: EdgeFleetSimulator): Promise<void> {
  const generated = sim.generatedPositions();
  await waitFor(
    async () => (await pointCount(database)) >= generated.length,
    20_000,
    'all generated positions in InfluxDB',
  );
  const rows = await storedRows(database);
  const byKey = new Map(rows.map((row) => [`${row.mmsi}@${row.time.getTime()}`, row]));
  expect(rows.length).toBe(generated.length);
  expect(byKey.size).toBe(rows.length);
  for (const position of generated) {
    const row = byKey.get(`${position.mmsi}@${position.ts}`);
    expect(row, `point of ${position.mmsi} at ${position.ts}`).toBeDefined();
    expect(row!.lat).toBeCloseTo(position.lat, 6);
    expect(row!.lon).toBeCloseTo(position.lon, 6);
    expect(row!.sog).toBeCloseTo(position.sog!, 1);
    expect(row!.cog).toBeCloseTo(position.cog!, 1);
    expect(row!.msg_type).toBe(position.msgType);
    expect(row!.edge).toMatch(/^load-/);
  }
}

async function expectNothingRejected(cloud: Cloud): Promise<void> {
  const metrics = await cloud.registry.metrics();
  for (const kind of ['status', 'health', 'vessels/positions', 'alerts/fire']) {
    for (const reason of ['schema', 'invalid_json', 'edge_id_mismatch', 'no_schema'])
      expect(metricValue(metrics, 'lookout_cloud_invalid_payloads_total', { reason, kind }) ?? 0).toBe(0);
  }
  expect(metricValue(metrics, 'lookout_cloud_mqtt_denied_total') ?? 0).toBe(0);
}

describe('lookout sim edges against a real cloud', () => {
  it('30 edges: all online, exactly the generated positions stored with their values, valid health and fire alerts, all offline after stop', async () => {
    const database = 'sim_edges_exact';
    const cloud = await startCloud(database);
    const config = edgeFleetConfig('test', { simulators: { edges: { count: 30, idPrefix: 'load-' } } });
    const identities = edgeIdentities(config, {});
    const sim = await startFleet({
      ...config,
      url: cloud.addresses.mqtt,
      identities,
      seed: 7,
      positionsPerEdge: 20,
      positionsPerSecond: 20,
      vesselsPerEdge: 4,
      batchIntervalMs: 200,
      rampUpS: 0.5,
      healthIntervalS: 0.3,
      fireAlertsPerHour: 2400,
      cloudMetricsUrl: `${cloud.addresses.http}/metrics`,
    });
    await waitFor(
      async () => (await edgesApi(cloud)).filter((e) => e.state === 'online').length === 30 || undefined,
      15_000,
      '30 edges online',
    );
    const online = await edgesApi(cloud);
    expect(online.map((e) => e.edgeId)).toEqual(identities.map((i) => i.edgeId));

    await sim.done;
    const summary = sim.summary();
    expect(summary.positions).toMatchObject({ generated: 600, acked: 600, dropped: 0, undelivered: 0 });
    expect(summary.invalid).toBe(0);
    expect(summary.refused).toBe(0);
    expect(summary.messages.health).toBeGreaterThan(0);
    await expectStoredExactly(database, sim);
    // Each vessel belongs to one edge: 30 × 4 distinct MMSIs, all in Vietnam's 574 range.
    const mmsis = new Set(sim.generatedPositions().map((p) => p.mmsi));
    expect(mmsis.size).toBe(120);
    for (const mmsi of mmsis) expect(Math.floor(mmsi / 1_000_000)).toBe(574);

    await sim.stop();
    const after = sim.summary();
    expect(after.fires).toBeGreaterThan(0);
    // Every fire is a `new` and an `end` event (the open ones end at stop).
    expect(after.messages.alerts).toBe(2 * after.fires);
    expect(after.cloud).toEqual({ invalidPayloads: 0, denied: 0, publishesRefused: 0 });
    await waitFor(
      async () =>
        (await edgesApi(cloud)).every((e) => e.state === 'offline' && e.reason === 'shutdown') || undefined,
      10_000,
      'all edges offline',
    );
    await waitFor(
      async () => {
        const metrics = await cloud.registry.metrics();
        return (
          (metricValue(metrics, 'lookout_cloud_mqtt_messages_in_total', { kind: 'alerts/fire' }) ?? 0) >=
            after.messages.alerts || undefined
        );
      },
      10_000,
      'fire alerts at the cloud',
    );
    await waitFor(
      async () => {
        const fires = (await (await fetch(`${cloud.addresses.http}/api/v1/fire/alerts`)).json()) as {
          alerts?: unknown[];
        };
        return (fires.alerts?.length ?? 0) > 0 || undefined;
      },
      10_000,
      'fire alerts stored',
    );
    await expectNothingRejected(cloud);
  });

  it('churn with a shared login and overlapping receivers: every drop is a last will then a birth; no position lost or doubled; stop leaves all offline', async () => {
    const database = 'sim_edges_churn';
    const config = edgeFleetConfig('test', {
      simulators: {
        edges: {
          count: 20,
          idPrefix: 'load-churn-',
          credentials: { source: 'template', username: 'sim-load', password: 'demo-only-load' },
        },
      },
    });
    const identities = edgeIdentities(config, {});
    const users = cloudUsersFor(identities);
    expect(users).toEqual([
      { username: 'sim-load', password: 'demo-only-load', edgeIds: identities.map((i) => i.edgeId) },
    ]);
    const cloud = await startCloud(database, users);

    const statuses = new Map<string, string[]>();
    cloud.bus.on('edgeStatus', ({ edgeId, status }) => {
      const list = statuses.get(edgeId) ?? [];
      list.push(status.state === 'online' ? 'online' : `offline:${status.reason}`);
      statuses.set(edgeId, list);
    });
    const arrivals = new Map<string, number>();
    cloud.bus.on('positions', ({ positions }) => {
      for (const p of positions)
        arrivals.set(`${p.mmsi}@${p.ts}`, (arrivals.get(`${p.mmsi}@${p.ts}`) ?? 0) + 1);
    });

    const sim = await startFleet({
      ...config,
      url: cloud.addresses.mqtt,
      identities,
      seed: 11,
      positionsPerEdge: 30,
      positionsPerSecond: 15,
      vesselsPerEdge: 3,
      receiversPerVessel: 2,
      batchIntervalMs: 100,
      rampUpS: 0.3,
      churn: { dropsPerHour: 3600 * 1.5, downMinS: 0.1, downMaxS: 0.3 },
    });
    await sim.done;
    await sim.stop();

    const summary = sim.summary();
    expect(summary.drops).toBeGreaterThan(0);
    expect(summary.refused).toBe(0);
    expect(summary.positions).toMatchObject({ generated: 600, acked: 1200, dropped: 0, undelivered: 0 });
    // The simulator's ledger: each position acknowledged once by each of the two edges that heard it.
    expect(sim.deliveries().size).toBe(600);
    for (const [key, times] of sim.deliveries()) expect(times, key).toBe(2);
    // The cloud got every position; more than twice only when a batch was resent after a drop (QoS 1). Its ingest
    // emits journalled messages a moment after their PUBACK: wait for both copies of each.
    await waitFor(
      () => sim.generatedPositions().every((p) => (arrivals.get(`${p.mmsi}@${p.ts}`) ?? 0) >= 2) || undefined,
      10_000,
      'both copies of every position at the cloud',
    );
    const resentAllowance = summary.positions.resent;
    let extra = 0;
    for (const p of sim.generatedPositions()) {
      const times = arrivals.get(`${p.mmsi}@${p.ts}`) ?? 0;
      expect(times, `arrivals of ${p.mmsi}@${p.ts}`).toBeGreaterThanOrEqual(2);
      extra += times - 2;
    }
    expect(extra).toBeLessThanOrEqual(resentAllowance);
    expect(arrivals.size).toBe(600);
    await expectStoredExactly(database, sim);

    // Presence: per edge, its birth, then for every drop the broker's last will and a new birth, then the clean
    // stop (or, for an edge that was down when the run stopped, the last will was its goodbye).
    await waitFor(
      async () => (await edgesApi(cloud)).filter((e) => e.state === 'offline').length === 20 || undefined,
      10_000,
      'all edges offline',
    );
    for (const edge of sim.edges) {
      const expected = [
        'online',
        ...Array.from({ length: edge.drops }, () => ['offline:lost', 'online']).flat(),
        'offline:shutdown',
      ];
      if (edge.stoppedWhileDown) expected.splice(-2, 2);
      expect(statuses.get(edge.edgeId), edge.edgeId).toEqual(expected);
    }
    await expectNothingRejected(cloud);
  });

  it('counts the logins the cloud refuses (wrong password) and sends nothing', async () => {
    const cloud = await startCloud('sim_edges_refused', [
      { username: 'sim-load', password: 'right', edgeIds: ['load-x-001', 'load-x-002'] },
    ]);
    const sim = await startFleet({
      url: cloud.addresses.mqtt,
      identities: [
        { edgeId: 'load-x-001', username: 'sim-load', password: 'wrong' },
        { edgeId: 'load-x-002', username: 'sim-load', password: 'wrong' },
      ],
      rampUpS: 0,
      positionsPerSecond: 10,
      drainTimeoutMs: 200,
      cloudMetricsUrl: `${cloud.addresses.http}/metrics`,
    });
    await waitFor(
      () => (sim.summary().refused >= 2 && sim.summary().positions.generated > 0) || undefined,
      10_000,
      'two refusals',
    );
    await sim.stop();
    const summary = sim.summary();
    expect(summary.connects).toBe(0);
    expect(summary.positions.acked).toBe(0);
    expect(summary.positions.undelivered).toBeGreaterThan(0);
    // The cloud's own count agrees: the logins were denied there (read from its /metrics before and after the run).
    expect(summary.cloud!.denied).toBeGreaterThanOrEqual(2);
    expect(summary.cloud!.invalidPayloads).toBe(0);
    expect(
      metricValue(await cloud.registry.metrics(), 'lookout_cloud_mqtt_denied_total', {
        reason: 'bad_credentials',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(await edgesApi(cloud)).toEqual([]);
  });
});
