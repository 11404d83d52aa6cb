/**
 * Alarm notifications through the whole cloud (cloudFeatures: fisheries, alarms, fire, notify) with real
 * components: a FireAlert published over MQTT to aedes, validated, stored in a real influxd, raised as an alarm,
 * and POSTed to two webhooks (a real HTTP server on loopback standing in for a chat gateway): Lookout's JSON,
 * signed, whose snapshot link the cloud serves, and a Slack-style text. An acknowledgement is not sent (default
 * kinds), and a restart (alarms rebuilt from InfluxDB) notifies nothing again.
 */
import { createHmac } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CloudConfig } from '../../cloud/config.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { cloudFeatures } from '../../cloud/features.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { capturingLogger, metricValue, tempDir } from '../support/cloud-fixtures.js';
import { runFfmpeg } from '../support/fire-media.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { WebhookReceiver } from '../../simulators/notifications/webhook-receiver.js';
import { scopeForFile } from '../support/scope.js';

const SECRET = 'rangers-webhook-secret';
const scope = scopeForFile();
let influx: TestInfluxd;
let dataDir: string;
let config: CloudConfig;
let cloud: Cloud | undefined;
let jpeg: Buffer;
const rangers = new WebhookReceiver();
const chat = new WebhookReceiver();

beforeAll(async () => {
  dataDir = await tempDir('notify');
  const snapshotFile = path.join(dataDir, 'snap.jpg');
  [influx] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x180', '-frames:v', '1', snapshotFile]),
    rangers.start(),
    chat.start(),
  ]);
  jpeg = await readFile(snapshotFile);
  config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'notify' },
    ingest: { flushIntervalMs: 50 },
    dataDir,
    notify: {
      publicUrl: 'https://lookout.example.vn',
      webhooks: [
        { name: 'rangers', url: rangers.url, types: ['fire'], secret: SECRET },
        { name: 'chat', url: chat.url, format: 'slack' },
      ],
    },
  });
});

afterAll(async () => {
  await cloud?.stop();
  await Promise.all([rangers.stop(), chat.stop()]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function startCloud(): Promise<Cloud> {
  const started = createCloud(config, { log: capturingLogger('warn').log, features: cloudFeatures(config) });
  await started.start();
  return started;
}

function fireAlert(): FireAlert {
  const ts = Date.now() - 60_000;
  return {
    edgeId: 'edge-u-minh',
    cameraId: 'tower-3',
    alertId: 'tower-3-0001',
    event: 'new',
    className: 'smoke',
    confidence: 0.77,
    boxes: [{ x1: 0.4, y1: 0.3, x2: 0.6, y2: 0.5, score: 0.77, className: 'smoke' }],
    firstSeenTs: ts - 3000,
    ts,
    camera: { position: { lat: 9.2, lon: 104.95 }, bearingDeg: 200, fovDeg: 60 },
    bearingToFireDeg: 205,
    model: 'test-model',
    snapshot: { contentType: 'image/jpeg', width: 320, height: 180, data: jpeg.toString('base64') },
  };
}

it('a fire alert from an edge reaches the rangers webhook (signed JSON with a working snapshot link) and the chat webhook (text)', async () => {
  cloud = await startCloud();
  const edge = await mqtt.connectAsync(cloud.addresses.mqtt, {
    clientId: 'lookout-edge-edge-u-minh',
    reconnectPeriod: 0,
  });
  await edge.publishAsync(topics.fireAlert('edge-u-minh'), JSON.stringify(fireAlert()), { qos: 1 });
  await edge.endAsync();

  await waitFor(
    () => rangers.received.length === 1 && chat.received.length === 1,
    15_000,
    'both webhooks called',
  );
  const [notification] = rangers.json();
  expect(notification).toMatchObject({
    version: 1,
    kind: 'created',
    alarm: {
      type: 'fire',
      severity: 'CRITICAL',
      originator: 'camera:edge-u-minh/tower-3',
      status: 'ACTIVE_UNACK',
    },
    text: expect.stringMatching(
      // One camera: its bearing (the boxes' centre through its field of view) within the range it watches.
      /^\[KHẨN CẤP\] Cháy \/ khói: camera edge-u-minh\/tower-3 - khói 77 %, hướng 205° tính từ camera, trong phạm vi 15 km - từ \d\d:\d\d \d\d\/\d\d\/\d{4} \(GMT\+7\)$/,
    ),
    link: 'https://lookout.example.vn/#/fire/tower-3-0001',
  });
  const body = rangers.received[0]!.body;
  expect(rangers.received[0]!.headers['x-lookout-signature']).toBe(
    `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
  );
  // The snapshot link is the cloud's own route (publicUrl is the address rangers use for it).
  const snapshotPath = notification!.snapshotUrl!.replace('https://lookout.example.vn', '');
  const picture = await fetch(`${cloud.addresses.http}${snapshotPath}`);
  expect(picture.headers.get('content-type')).toBe('image/jpeg');
  expect(Buffer.from(await picture.arrayBuffer()).equals(jpeg)).toBe(true);
  expect(JSON.parse(chat.received[0]!.body)).toEqual({
    text: `${notification!.text}\n${notification!.snapshotUrl}\n${notification!.link}`,
  });

  // An acknowledgement is a change the default kinds do not send.
  const ack = await fetch(`${cloud.addresses.http}/api/v1/alarms/${notification!.alarm.id}/ack`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ by: 'ranger.hoa' }),
  });
  expect(ack.status).toBe(200);
  const metrics = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
  expect(
    metricValue(metrics, 'lookout_cloud_notifications_total', { webhook: 'rangers', outcome: 'sent' }),
  ).toBe(1);
  expect(
    metricValue(metrics, 'lookout_cloud_notifications_total', { webhook: 'chat', outcome: 'sent' }),
  ).toBe(1);
  const health = (await (await fetch(`${cloud.addresses.http}/health`)).json()) as {
    features: Record<string, unknown>;
  };
  expect(health.features.notify).toEqual({
    status: 'ok',
    webhooks: { rangers: { queued: 0, delivered: 1 }, chat: { queued: 0, delivered: 1 } },
  });
});

it('a restart rebuilds the alarms from InfluxDB without notifying them again', async () => {
  await cloud!.stop();
  cloud = await startCloud();
  const alarms = (await (await fetch(`${cloud.addresses.http}/api/v1/alarms`)).json()) as {
    alarms: Array<{ status: string }>;
  };
  expect(alarms.alarms.map((a) => a.status)).toEqual(['ACTIVE_ACK']);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(rangers.received).toHaveLength(1);
  expect(chat.received).toHaveLength(1);
});
