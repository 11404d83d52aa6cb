/**
 * Alerts have a journal of their own (cloud/ingest IngestLane): a telemetry backlog (InfluxDB down, the writer's
 * memory full, thousands of positions waiting on disk) must not hold a fire alert back, and a full telemetry
 * journal must not refuse one. Real components: the whole cloud (cloudFeatures: alarms, fire, notify) with aedes
 * over TCP, a real influxd stopped and started, a webhook receiver standing in for the rangers' chat.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { CloudConfig } from '../../cloud/config.js';
import { cloudConfig, createCloud, type Cloud, type CloudHealth } from '../../cloud/core.js';
import { cloudFeatures } from '../../cloud/features.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { edgeClientId, topics } from '../../protocols/mqtt/topics.js';
import { WebhookReceiver } from '../../simulators/notifications/webhook-receiver.js';
import { batchesOf, capturingLogger, makePositions, tempDir } from '../support/cloud-fixtures.js';
import { runFfmpeg } from '../support/fire-media.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const EDGE = 'edge-tower';
const scope = scopeForFile();
let influx: TestInfluxd;
let jpeg: Buffer;
const rangers = new WebhookReceiver();
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  const dir = await tempDir('alert-lane-media');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'snap.jpg');
  [influx] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x180', '-frames:v', '1', file]),
    rangers.start(),
  ]);
  jpeg = await readFile(file);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  if (!influx.influxd.running) await influx.influxd.start();
});

afterAll(async () => {
  await rangers.stop();
});

async function startCloud(database: string, buffer: object): Promise<Cloud> {
  const dataDir = await tempDir(`alert-lane-${database}`);
  const config: CloudConfig = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database },
    ingest: { batchSize: 200, flushIntervalMs: 20 },
    buffer: { fsync: 'never', ...buffer },
    dataDir,
    notify: { webhooks: [{ name: 'rangers', url: rangers.url, types: ['fire'] }] },
  });
  const cloud = createCloud(config, { log: capturingLogger('warn').log, features: cloudFeatures(config) });
  await cloud.start();
  cleanups.push(async () => {
    await cloud.stop();
    await rm(dataDir, { recursive: true, force: true });
  });
  return cloud;
}

async function connectEdge(cloud: Cloud): Promise<MqttClient> {
  const client = await mqtt.connectAsync(cloud.addresses.mqtt, {
    clientId: edgeClientId(EDGE),
    reconnectPeriod: 0,
  });
  cleanups.push(() => client.endAsync(true));
  return client;
}

function fireAlert(alertId: string): FireAlert {
  const ts = Date.now() - 5000;
  return {
    edgeId: EDGE,
    cameraId: 'tower-2',
    alertId,
    event: 'new',
    className: 'fire',
    confidence: 0.93,
    boxes: [{ x1: 0.4, y1: 0.4, x2: 0.5, y2: 0.55, score: 0.93, className: 'fire' }],
    firstSeenTs: ts - 2000,
    ts,
    camera: { position: { lat: 9.25, lon: 104.95 } },
    snapshot: { contentType: 'image/jpeg', width: 320, height: 180, data: jpeg.toString('base64') },
  };
}

const api = async <T>(cloud: Cloud, route: string): Promise<T> =>
  (await (await fetch(`${cloud.addresses.http}${route}`)).json()) as T;
const fireAlarms = async (cloud: Cloud) =>
  (await api<{ alarms: Alarm[] }>(cloud, '/api/v1/alarms?type=fire')).alarms;

it('a fire alert is raised and notified at once while InfluxDB is down and thousands of positions wait on disk', async () => {
  const cloud = await startCloud('lane_backlog', { memoryPoints: 200 });
  const edge = await connectEdge(cloud);
  await influx.influxd.stop();
  const positions = makePositions(4000, { vessels: 9 });
  for (const batch of batchesOf(EDGE, positions, 100))
    await edge.publishAsync(topics.vesselPositions(EDGE), JSON.stringify(batch), { qos: 1 });
  await waitFor(
    async () => {
      const health = await api<CloudHealth>(cloud, '/health');
      return health.buffer.memoryPoints >= 200 && health.buffer.diskMessages > 0;
    },
    20_000,
    'the telemetry backlog: writer memory full, the rest on disk',
  );

  const before = rangers.received.length;
  await edge.publishAsync(topics.fireAlert(EDGE), JSON.stringify(fireAlert('tower-2-0001')), { qos: 1 });
  // With one journal this waited until InfluxDB came back and the 4,000 positions were written.
  const [alarm] = await waitFor(
    async () => {
      const alarms = await fireAlarms(cloud);
      return alarms.length === 1 ? alarms : undefined;
    },
    10_000,
    'the fire alarm while InfluxDB is still down',
  );
  expect(alarm).toMatchObject({
    originator: `camera:${EDGE}/tower-2`,
    severity: 'CRITICAL',
    status: 'ACTIVE_UNACK',
  });
  await waitFor(() => rangers.received.length > before, 10_000, 'the rangers notified');
  expect(rangers.json().at(-1)).toMatchObject({ kind: 'created', alarm: { id: alarm!.id } });
  expect(influx.influxd.running).toBe(false);
  const health = await api<CloudHealth>(cloud, '/health');
  expect(health.buffer.diskMessages).toBeGreaterThan(0); // positions still waiting behind

  await influx.influxd.start();
  await waitFor(
    async () => {
      const rows = await influx.client
        .query<{ count: number }>('SELECT count(lat) FROM vessel_position', { database: 'lane_backlog' })
        .catch(() => []);
      const alerts = await influx.client
        .query<{ count: number }>('SELECT count(confidence) FROM fire_alert', { database: 'lane_backlog' })
        .catch(() => []);
      return rows[0]?.count === positions.length && alerts[0]?.count === 1;
    },
    40_000,
    'every position and the alert stored once InfluxDB is back',
  );
  await waitFor(
    async () => (await api<CloudHealth>(cloud, '/health')).buffer.alerts.diskMessages === 0,
    10_000,
    'the alerts journal emptied',
  );
});

it('a full telemetry journal refuses positions (the edge keeps them) but still accepts a fire alert', async () => {
  const cloud = await startCloud('lane_full', {
    memoryPoints: 100,
    diskMaxBytes: 64 * 1024,
    segmentBytes: 16 * 1024,
    fullWaitMs: 0,
  });
  await influx.influxd.stop();
  const positions = connectEdge(cloud);
  const client = await positions;
  const refused = new Promise<void>((resolve) => client.once('close', () => resolve()));
  for (const batch of batchesOf(EDGE, makePositions(3000, { vessels: 7 }), 100)) {
    client.publish(topics.vesselPositions(EDGE), JSON.stringify(batch), { qos: 1 });
  }
  await refused; // a PUBLISH the journal had no room for: not acknowledged, connection closed (MQTT 3.1.1)
  expect((await api<CloudHealth>(cloud, '/health')).buffer.full).toBe(true);

  const edge = await connectEdge(cloud);
  await edge.publishAsync(topics.fireAlert(EDGE), JSON.stringify(fireAlert('tower-2-0002')), { qos: 1 }); // acknowledged
  await waitFor(
    async () => (await fireAlarms(cloud)).length === 1,
    10_000,
    'the fire alarm despite the full telemetry journal',
  );
});
