import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import type { Edge } from '../../edge/core.js';
import { freePort } from '../../runtime/ports.js';
import { createLogger, silentLogger } from '../../runtime/logger.js';
import { createFleetSimulator } from '../../simulators/fleet/fleet.js';
import type { SentPosition } from '../../simulators/fleet/reports.js';
import { tempDir } from '../support/cloud-fixtures.js';
import { startTestEdge, tempOutboxDir } from '../support/edge-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import type { VesselPositionRow } from '../../cloud/influxdb/points.js';

/**
 * The whole vessel path with every component real: fleet simulator -> AIS over UDP/TCP -> edge (decoder,
 * disk outbox, MQTT) -> cloud (aedes over TCP, journal, ingest) -> InfluxDB (a real influxd).
 */
let influx: TestInfluxd;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  influx = await startTestInfluxd();
});
afterAll(async () => {
  await influx?.cleanup();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Row = VesselPositionRow;

async function cloudOn(database: string, mqttPort: number, dataDir: string): Promise<Cloud> {
  const config = cloudConfig({
    mqtt: { host: '127.0.0.1', port: mqttPort, wsPort: 0 },
    http: { host: '127.0.0.1', port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database },
    ingest: { batchSize: 500, flushIntervalMs: 50 },
    dataDir,
  });
  const cloud = createCloud(config, {
    log: process.env.LOG_LEVEL ? createLogger('cloud-test') : silentLogger(),
  });
  await cloud.start();
  return cloud;
}

async function setUp(database: string) {
  const mqttPort = await freePort();
  const cloudDir = await tempDir('e2e-cloud');
  const outbox = tempOutboxDir();
  cleanups.push(() => rm(cloudDir, { recursive: true, force: true }), outbox.remove);
  let cloud: Cloud | undefined = await cloudOn(database, mqttPort, cloudDir);
  cleanups.push(() => cloud?.stop());
  let edge: Edge | undefined = await startTestEdge(`mqtt://127.0.0.1:${mqttPort}`, outbox.dir, {
    edgeId: 'e2e-edge',
  });
  cleanups.push(() => edge?.stop());
  return {
    get cloud() {
      return cloud!;
    },
    get edge() {
      return edge!;
    },
    async stopCloud() {
      await cloud!.stop();
      cloud = undefined;
    },
    async startCloud() {
      cloud = await cloudOn(database, mqttPort, cloudDir);
    },
    async stopEdge() {
      await edge!.stop();
      edge = undefined;
    },
    async startEdge() {
      edge = await startTestEdge(`mqtt://127.0.0.1:${mqttPort}`, outbox.dir, { edgeId: 'e2e-edge' });
    },
  };
}

type FleetOptions = Omit<Parameters<typeof createFleetSimulator>[0], 'target' | 'recordPositions'>;

/** A fleet sending to the edge over `protocol`, every sent position recorded; stopped after the test. */
async function startFleet(edge: Edge, protocol: 'udp' | 'tcp', options: FleetOptions) {
  const port = protocol === 'udp' ? edge.ports.udp! : edge.ports.tcp!;
  const fleet = createFleetSimulator({
    ...options,
    target: { protocol, host: '127.0.0.1', port },
    recordPositions: true,
  });
  cleanups.push(() => fleet.stop());
  await fleet.start();
  return fleet;
}

const rowsIn = (database: string) =>
  influx.client.query<Row>('SELECT * FROM vessel_position ORDER BY time ASC', {
    database,
    precision: 'ms' as never,
  });

async function pointCount(database: string): Promise<number> {
  const result = await influx.client.query<{ count: number }>(
    'SELECT count(lat) AS count FROM vessel_position',
    { database },
  );
  return result[0]?.count ?? 0;
}

/** Waits until InfluxDB holds as many points as were sent, then checks they are exactly the sent positions. */
async function expectStoredExactly(
  database: string,
  sent: { positions: number; log: SentPosition[] },
): Promise<void> {
  await waitFor(async () => (await pointCount(database)) >= sent.positions, 30_000, 'all points in InfluxDB');
  expectExactly(await rowsIn(database), sent.log);
}

/** Every sent position must be exactly one point, with the values that went on the air. */
function expectExactly(rows: Row[], sent: SentPosition[]): void {
  const byKey = new Map(rows.map((row) => [`${row.mmsi}@${row.time.getTime()}`, row]));
  expect(byKey.size).toBe(rows.length);
  expect(rows.length).toBe(sent.length);
  for (const position of sent) {
    const row = byKey.get(`${position.mmsi}@${position.tsMs}`);
    expect(row, `point for ${position.mmsi} at ${position.tsMs}`).toBeDefined();
    expect(row!.lat).toBeCloseTo(position.lat, 6);
    expect(row!.lon).toBeCloseTo(position.lon, 6);
    expect(row!.sog).toBeCloseTo(position.sog, 1);
    expect(row!.cog).toBeCloseTo(position.cog, 1);
    expect(row!.msg_type).toBe(position.msgType);
    expect(row!.edge).toBe('e2e-edge');
  }
}

describe('fleet -> edge -> MQTT -> cloud -> InfluxDB', () => {
  it('stores exactly the K positions the fleet sent, with their values', async () => {
    const database = 'e2e_exact';
    const system = await setUp(database);
    const fleet = await startFleet(system.edge, 'tcp', {
      vessels: 25,
      seed: 7,
      rate: 400,
      maxPositions: 1200,
      staticIntervalS: 20,
    });
    await fleet.done;
    const sent = fleet.report();
    expect(sent.positions).toBe(1200);
    await expectStoredExactly(database, sent);
  });

  it('keeps every position while the cloud is down, then delivers them in order per vessel and none twice', async () => {
    const database = 'e2e_outage';
    const system = await setUp(database);
    const arrivals = new Map<number, number[]>();
    const watchArrivals = () =>
      system.cloud.bus.on('positions', ({ positions }) => {
        for (const position of positions) {
          const list = arrivals.get(position.mmsi) ?? [];
          list.push(position.ts);
          arrivals.set(position.mmsi, list);
        }
      });
    watchArrivals();
    const fleet = await startFleet(system.edge, 'udp', {
      vessels: 10,
      seed: 99,
      rate: 300,
      maxPositions: 1500,
    });
    await waitFor(() => fleet.report().positions >= 300, 20_000, 'first positions sent');
    await system.stopCloud();
    const sentWhileDown = fleet.report().positions;
    await waitFor(
      () => fleet.report().positions >= sentWhileDown + 600,
      20_000,
      'positions sent while the cloud is down',
    );
    await system.startCloud();
    watchArrivals();
    await fleet.done;
    const sent = fleet.report();
    await expectStoredExactly(database, sent);
    // QoS 1 is at least once: batches in flight when the cloud went down come again after it is back. Order
    // holds for what is new: each position's first arrival comes after the first arrival of the ones before.
    for (const [mmsi, times] of arrivals) {
      const firstArrivals = times.filter((ts, i) => times.indexOf(ts) === i);
      expect(
        [...firstArrivals].sort((a, b) => a - b),
        `arrival order of ${mmsi}`,
      ).toEqual(firstArrivals);
    }
  });

  it('survives an edge restart while the cloud is down: the disk outbox delivers everything after', async () => {
    const database = 'e2e_edge_restart';
    const system = await setUp(database);
    await system.stopCloud();
    const fleet = await startFleet(system.edge, 'tcp', { vessels: 8, seed: 5, rate: 400, maxPositions: 600 });
    await fleet.done;
    // Every report the fleet sent must have reached the edge's decoder before the edge is restarted.
    const { positions, statics } = fleet.report();
    await waitFor(
      () => system.edge.health().ais.messages >= positions + statics,
      10_000,
      'all reports decoded',
    );
    await system.stopEdge();
    await system.startEdge();
    await system.startCloud();
    const sent = fleet.report();
    await expectStoredExactly(database, sent);
  });
});
