import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { cloudConfig, createCloud, type Cloud, type CloudHealth } from '../../cloud/core.js';
import type { CloudConfig } from '../../cloud/config.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { freePort } from '../../runtime/ports.js';
import {
  batchesOf,
  capturingLogger,
  makePositions,
  metricValue,
  tempDir,
} from '../support/cloud-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let influx: TestInfluxd;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  influx = await startTestInfluxd();
});
afterAll(async () => {
  await influx?.cleanup();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  if (!influx.influxd.running) await influx.influxd.start();
});

function configFor(
  database: string,
  dataDir: string,
  overrides: { ingest?: object; buffer?: object; mqtt?: object; http?: object } = {},
): CloudConfig {
  return cloudConfig({
    mqtt: { port: 0, wsPort: 0, ...overrides.mqtt },
    http: { port: 0, ...overrides.http },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database },
    ingest: { batchSize: 200, flushIntervalMs: 20, ...overrides.ingest },
    buffer: { ...overrides.buffer },
    dataDir,
  });
}

async function startCloud(config: CloudConfig): Promise<Cloud> {
  const cloud = createCloud(config, { log: capturingLogger().log });
  await cloud.start();
  cleanups.push(() => cloud.stop());
  return cloud;
}

async function connect(
  url: string,
  clientId: string,
  options: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, ...options });
  cleanups.push(() => client.endAsync(true));
  return client;
}

async function storedCount(database: string): Promise<number> {
  const rows = await influx.client
    .query<{ count: number }>('SELECT count(lat) FROM vessel_position', { database })
    .catch(() => []);
  return rows[0]?.count ?? 0;
}

async function expectAllStored(database: string, positions: VesselPosition[]): Promise<void> {
  await waitFor(
    async () => (await storedCount(database)) >= positions.length,
    40_000,
    `${positions.length} points in ${database}`,
  );
  const rows = await influx.client.query<{ time: Date; mmsi: string; lat: number; lon: number; sog: number }>(
    'SELECT mmsi, lat, lon, sog FROM vessel_position',
    { database, precision: 'ms' },
  );
  expect(rows).toHaveLength(positions.length);
  const byKey = new Map(rows.map((row) => [`${row.mmsi}@${row.time.getTime()}`, row]));
  for (const p of positions)
    expect(byKey.get(`${p.mmsi}@${p.ts}`), `${p.mmsi}@${p.ts}`).toMatchObject({
      lat: p.lat,
      lon: p.lon,
      sog: p.sog,
    });
}

async function health(cloud: Cloud): Promise<CloudHealth> {
  return (await (await fetch(`${cloud.addresses.http}/health`)).json()) as CloudHealth;
}

describe('cloud durability', () => {
  it('keeps acknowledging while InfluxDB is down (memory, then journal on disk) and stores everything when it returns', async () => {
    const dataDir = await tempDir('cloud-outage');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const cloud = await startCloud(configFor('outage', dataDir, { buffer: { memoryPoints: 300 } }));
    const edge = await connect(cloud.addresses.mqtt, 'edge-outage');
    const positions = makePositions(3000, { vessels: 11 });

    await influx.influxd.stop();
    for (const batch of batchesOf('edge-outage', positions, 100)) {
      await edge.publishAsync(topics.vesselPositions('edge-outage'), JSON.stringify(batch), { qos: 1 }); // PUBACK received
    }
    const during = await waitFor(
      async () => {
        const report = await health(cloud);
        return report.status === 'degraded' && report.buffer.memoryPoints >= 300 ? report : undefined;
      },
      20_000,
      'a degraded health with a full memory buffer',
    );
    expect(during.influx.reachable).toBe(false);
    // Memory holds at most memoryPoints plus one journal read; the rest waits on disk.
    expect(during.buffer.memoryPoints).toBeLessThan(3000);
    expect(during.buffer.diskMessages).toBeGreaterThan(0);
    expect(during.buffer.diskBytes).toBeGreaterThan(0);
    const metricsDuring = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
    expect(metricValue(metricsDuring, 'lookout_cloud_influx_write_errors_total')).toBeGreaterThan(0);
    expect(metricValue(metricsDuring, 'lookout_cloud_buffer_disk_messages')).toBeGreaterThan(0);

    await influx.influxd.start();
    await expectAllStored('outage', positions);
    const after = await waitFor(
      async () => {
        const report = await health(cloud);
        return report.status === 'ok' && report.buffer.diskMessages === 0 && report.buffer.memoryPoints === 0
          ? report
          : undefined;
      },
      20_000,
      'an empty buffer',
    );
    expect(after.influx.reachable).toBe(true);
  });

  it('loses nothing acknowledged when the cloud process is killed before writing, replaying its journal on restart', async () => {
    const dataDir = await tempDir('cloud-crash');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const [mqttPort, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    // Points would wait 10 minutes before a write: whatever is acknowledged sits only in the journal.
    const config = configFor('crash', dataDir, {
      mqtt: { port: mqttPort, wsPort },
      http: { port: httpPort },
      ingest: { batchSize: 50_000, flushIntervalMs: 600_000 },
    });
    const configFile = path.join(dataDir, 'lookout.yaml');
    await writeFile(configFile, stringify({ cloud: config }));
    const child = spawn(
      process.execPath,
      [path.join(root, 'cli/lookout.js'), 'cloud', '--config', configFile],
      { cwd: root, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    cleanups.push(async () => {
      child.kill('SIGKILL');
      await exited;
    });
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${httpPort}/health`)).ok,
      30_000,
      'the cloud process',
    );

    const edge = await connect(`mqtt://127.0.0.1:${mqttPort}`, 'edge-crash');
    const positions = makePositions(2000, { vessels: 9, startTs: 1_767_300_000_000 });
    for (const batch of batchesOf('edge-crash', positions, 250)) {
      await edge.publishAsync(topics.vesselPositions('edge-crash'), JSON.stringify(batch), { qos: 1 });
    }
    edge.end(true);
    expect(await storedCount('crash')).toBe(0);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    await startCloud(configFor('crash', dataDir));
    await expectAllStored('crash', positions);
  });

  it('stops acknowledging when the journal is full, and the edge delivers it all after InfluxDB returns', async () => {
    const dataDir = await tempDir('cloud-full');
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const cloud = await startCloud(
      configFor('full', dataDir, {
        buffer: { memoryPoints: 100, diskMaxBytes: 64 * 1024, segmentBytes: 8 * 1024, fullWaitMs: 100 },
      }),
    );
    const positions = makePositions(1500, { vessels: 5, startTs: 1_767_400_000_000 });
    await influx.influxd.stop();
    // An edge like ours: QoS 1, reconnects, and resends what was not acknowledged.
    const edge = await connect(cloud.addresses.mqtt, 'edge-full', { reconnectPeriod: 200, clean: false });
    const acked = batchesOf('edge-full', positions, 50).map((batch) =>
      edge.publishAsync(topics.vesselPositions('edge-full'), JSON.stringify(batch), { qos: 1 }),
    );

    await waitFor(
      async () => {
        const metrics = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
        return (
          (metricValue(metrics, 'lookout_cloud_publishes_refused_total', { reason: 'buffer_full' }) ?? 0) > 0
        );
      },
      20_000,
      'a refused publish',
    );
    const report = await health(cloud);
    expect(report.buffer.full).toBe(true);
    expect(report.buffer.diskBytes).toBeLessThan(64 * 1024 + 8 * 1024 + 16 * 1024);

    await influx.influxd.start();
    await Promise.all(acked);
    await expectAllStored('full', positions);
  });
});
