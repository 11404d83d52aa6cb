import { rm } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import {
  batchesOf,
  capturingLogger,
  makePositions,
  metricValue,
  tempDir,
} from '../support/cloud-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import type { VesselPositionRow } from '../../cloud/influxdb/points.js';

let influx: TestInfluxd;
const running: Array<{ cloud: Cloud; dataDir: string; clients: MqttClient[] }> = [];

beforeAll(async () => {
  influx = await startTestInfluxd();
});
afterAll(async () => {
  await influx?.cleanup();
});
afterEach(async () => {
  for (const { cloud, dataDir, clients } of running.splice(0)) {
    for (const client of clients) await client.endAsync(true);
    await cloud.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});

async function startCloud(database: string, log = capturingLogger().log) {
  const dataDir = await tempDir('cloud');
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database },
    ingest: { batchSize: 500, flushIntervalMs: 50 },
    dataDir,
  });
  const cloud = createCloud(config, { log });
  await cloud.start();
  const entry = { cloud, dataDir, clients: [] as MqttClient[] };
  running.push(entry);
  const connect = async (clientId: string, options: mqtt.IClientOptions = {}) => {
    const client = await mqtt.connectAsync(cloud.addresses.mqtt, {
      clientId,
      reconnectPeriod: 0,
      ...options,
    });
    entry.clients.push(client);
    return client;
  };
  return { cloud, connect };
}

type PositionRow = VesselPositionRow;

async function storedPositions(database: string): Promise<PositionRow[]> {
  return influx.client.query<PositionRow>('SELECT * FROM vessel_position', { database, precision: 'ms' });
}

/**
 * The rows once the cloud's writer has had `count` points acknowledged by InfluxDB. Polling the rows alone is a
 * race: influxd stores each field of a point separately, so a query during the write can see a point's lat
 * without its cog (seen under load).
 */
async function writtenPositions(cloud: Cloud, database: string, count: number): Promise<PositionRow[]> {
  await waitFor(
    async () => {
      const metrics = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
      return (
        (metricValue(metrics, 'lookout_cloud_points_written_total', { measurement: 'vessel_position' }) ??
          0) >= count
      );
    },
    30_000,
    `${count} points acknowledged by InfluxDB`,
  );
  return storedPositions(database);
}

function expectStored(rows: PositionRow[], edgeId: string, positions: VesselPosition[]): void {
  const byKey = new Map(rows.map((row) => [`${row.mmsi}@${row.time.getTime()}`, row]));
  expect(byKey.size).toBe(rows.length);
  for (const p of positions) {
    const row = byKey.get(`${p.mmsi}@${p.ts}`);
    expect(row, `point ${p.mmsi}@${p.ts}`).toBeDefined();
    expect({
      lat: row!.lat,
      lon: row!.lon,
      sog: row!.sog ?? undefined,
      cog: row!.cog ?? undefined,
      heading: row!.heading ?? undefined,
      navStatus: row!.nav_status ?? undefined,
      msgType: row!.msg_type,
      edge: row!.edge,
    }).toEqual({
      lat: p.lat,
      lon: p.lon,
      sog: p.sog,
      cog: p.cog,
      heading: p.heading,
      navStatus: p.navStatus,
      msgType: p.msgType,
      edge: edgeId,
    });
  }
}

describe('cloud ingest (real aedes over TCP, real influxd)', () => {
  it('stores exactly the K published positions with their values, and a republished batch adds no duplicates', async () => {
    const { cloud, connect } = await startCloud('ingest_k');
    const edge = await connect('edge-a');
    const positions = makePositions(1234);
    const batches = batchesOf('edge-a', positions, 100);
    for (const batch of batches)
      await edge.publishAsync(topics.vesselPositions('edge-a'), JSON.stringify(batch), { qos: 1 });

    const rows = await writtenPositions(cloud, 'ingest_k', positions.length);
    expect(rows).toHaveLength(positions.length);
    expectStored(rows, 'edge-a', positions);

    // The same batches again (an edge retransmitting after a lost PUBACK): written again, stored once.
    for (const batch of batches.slice(0, 5))
      await edge.publishAsync(topics.vesselPositions('edge-a'), JSON.stringify(batch), { qos: 1 });
    await waitFor(
      async () => {
        const metrics = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
        return (
          (metricValue(metrics, 'lookout_cloud_points_written_total', { measurement: 'vessel_position' }) ??
            0) >=
          positions.length + 500
        );
      },
      30_000,
      'the republished points to be written',
    );
    expect(await storedPositions('ingest_k')).toHaveLength(positions.length);
  });

  it('counts and logs invalid JSON and schema violations, keeps the edge connected, and stores what follows', async () => {
    const capture = capturingLogger();
    const { cloud, connect } = await startCloud('ingest_invalid', capture.log);
    const edge = await connect('edge-b');
    let disconnects = 0;
    edge.on('close', () => (disconnects += 1));
    const topic = topics.vesselPositions('edge-b');
    const [before, after] = batchesOf('edge-b', makePositions(40, { vessels: 4 }), 20);

    await edge.publishAsync(topic, JSON.stringify(before), { qos: 1 });
    await edge.publishAsync(topic, '{"edgeId":"edge-b", "seq": 1, "positions": [', { qos: 1 });
    await edge.publishAsync(
      topic,
      JSON.stringify({
        edgeId: 'edge-b',
        seq: 2,
        positions: [{ mmsi: 5, ts: 1, lat: 95, lon: 10, msgType: 1 }],
      }),
      { qos: 1 },
    );
    await edge.publishAsync(topic, JSON.stringify({ ...before, edgeId: 'someone-else' }), { qos: 1 });
    await edge.publishAsync(topic, JSON.stringify(after), { qos: 1 });

    const rows = await writtenPositions(cloud, 'ingest_invalid', 40);
    expect(rows).toHaveLength(40);
    expectStored(rows, 'edge-b', [...before!.positions, ...after!.positions]);

    const metrics = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
    const invalid = (reason: string) =>
      metricValue(metrics, 'lookout_cloud_invalid_payloads_total', { reason, kind: 'vessels/positions' });
    expect(invalid('invalid_json')).toBe(1);
    expect(invalid('schema')).toBe(1);
    expect(invalid('edge_id_mismatch')).toBe(1);

    const warnings = capture.lines.filter((line) => line.msg === 'invalid edge message dropped');
    expect(warnings.map((line) => [line.topic, line.reason])).toEqual([
      [topic, 'invalid_json'],
      [topic, 'schema'],
      [topic, 'edge_id_mismatch'],
    ]);
    expect(String((warnings[1]!.errors as string[])[0])).toMatch(/\/positions\/0\/lat/);
    expect(edge.connected).toBe(true);
    expect(disconnects).toBe(0);
  });

  it('tracks edge presence from the retained status and the last will', async () => {
    const { cloud, connect } = await startCloud('ingest_presence');
    const statusTopic = topics.edgeStatus('tower-3');
    const will = {
      topic: statusTopic,
      payload: Buffer.from(JSON.stringify({ state: 'offline', ts: Date.now(), reason: 'lost' })),
      qos: 1 as const,
      retain: true,
    };
    const edge = await connect('tower-3', { will });
    await edge.publishAsync(
      statusTopic,
      JSON.stringify({ state: 'online', ts: Date.now(), version: '0.1.0' }),
      { qos: 1, retain: true },
    );

    const edges = async () =>
      (
        (await (await fetch(`${cloud.addresses.http}/api/v1/edges`)).json()) as {
          edges: Array<Record<string, unknown>>;
        }
      ).edges;
    const online = await waitFor(
      async () => (await edges()).find((e) => e.edgeId === 'tower-3' && e.state === 'online'),
      10_000,
      'online',
    );
    expect(online).toMatchObject({ version: '0.1.0' });

    // The connection dies without a DISCONNECT: the broker publishes the will.
    edge.stream.destroy();
    const offline = await waitFor(
      async () => (await edges()).find((e) => e.edgeId === 'tower-3' && e.state === 'offline'),
      10_000,
      'offline',
    );
    expect(offline).toMatchObject({ reason: 'lost' });

    const health = (await (await fetch(`${cloud.addresses.http}/health`)).json()) as {
      status: string;
      edges: Array<{ edgeId: string; state: string }>;
    };
    expect(health.status).toBe('ok');
    expect(health.edges).toContainEqual(expect.objectContaining({ edgeId: 'tower-3', state: 'offline' }));

    // The retained status is what a late subscriber (a dashboard) sees.
    const viewer = await connect('viewer');
    const retained = new Promise<string>((resolve) =>
      viewer.on('message', (_topic, payload) => resolve(payload.toString())),
    );
    await viewer.subscribeAsync(statusTopic, { qos: 1 });
    expect(JSON.parse(await retained)).toMatchObject({ state: 'offline', reason: 'lost' });
  });
});
