/**
 * The cloud side of fire alerts with real components (no model involved): FireAlert messages published over
 * MQTT (QoS 1) to the cloud's aedes broker, validated by the ingest, stored in a real influxd and as snapshot
 * files, served on the HTTP API. Invalid payloads are counted and the stream goes on; a redelivered event is
 * stored once.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { fireAlertsFeature } from '../../cloud/fire/feature.js';
import type { FireAlertList } from '../../protocols/api/fire.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { silentLogger } from '../../runtime/logger.js';
import { metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { runFfmpeg } from '../support/fire-media.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
let influx: TestInfluxd;
let cloud: Cloud;
let jpeg: Buffer;
const alarms = alarmsFeature();

beforeAll(async () => {
  const dir = await scope.use(tempDir('fire-cloud'), removeDir);
  const file = path.join(dir, 'snap.jpg');
  [influx] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=256x144', '-frames:v', '1', file]),
  ]);
  jpeg = await readFile(file);
  cloud = createCloud(
    cloudConfig({
      mqtt: { port: 0, wsPort: 0 },
      http: { port: 0 },
      influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'fire_cloud' },
      dataDir: path.join(dir, 'cloud'),
    }),
    { log: silentLogger(), features: [alarms, fireAlertsFeature({ alarms })] },
  );
  await cloud.start();
});

afterAll(async () => {
  await cloud?.stop();
});

const base = (event: FireAlert['event'], ts: number): FireAlert => ({
  edgeId: 'edge-c',
  cameraId: 'cam-7',
  alertId: 'cam-7-abc-1',
  event,
  className: 'smoke',
  confidence: 0.81,
  boxes: [{ x1: 0.1, y1: 0.2, x2: 0.3, y2: 0.5, score: 0.81, className: 'smoke' }],
  firstSeenTs: 1_767_225_600_000,
  ts,
  lastSeenTs: ts,
  camera: { position: { lat: 9.01, lon: 104.9 }, bearingDeg: 120, fovDeg: 60 },
  bearingToFireDeg: 102,
  model: 'test-model',
});

it('stores alert events with their snapshots, serves them on the API, counts invalid ones, stores a redelivery once', async () => {
  const client = await mqtt.connectAsync(cloud.addresses.mqtt, { clientId: 'edge-c', clean: true });
  try {
    const topic = topics.fireAlert('edge-c');
    const created = {
      ...base('new', 1_767_225_603_000),
      snapshot: {
        contentType: 'image/jpeg' as const,
        width: 256,
        height: 144,
        data: jpeg.toString('base64'),
      },
    };
    await client.publishAsync(topic, JSON.stringify(created), { qos: 1 });
    await client.publishAsync(topic, JSON.stringify(created), { qos: 1 }); // redelivered: same event, same time
    await client.publishAsync(
      topic,
      JSON.stringify({ ...base('update', 1_767_225_633_000), confidence: 7 }),
      { qos: 1 },
    ); // invalid
    await client.publishAsync(topic, '{"not json', { qos: 1 }); // invalid
    await client.publishAsync(topic, JSON.stringify(base('end', 1_767_225_700_000)), { qos: 1 });

    const alerts = await waitFor(
      async () => {
        const response = await fetch(`${cloud.addresses.http}/api/v1/fire/alerts?edgeId=edge-c`);
        const list = ((await response.json()) as FireAlertList).alerts;
        return list.length >= 2 ? list : undefined;
      },
      20_000,
      'two stored events',
    );
    expect(alerts.map((a) => a.event)).toEqual(['end', 'new']); // newest first; the duplicate stored once
    const stored = alerts[1]!;
    expect(stored).toMatchObject({
      edgeId: 'edge-c',
      cameraId: 'cam-7',
      alertId: 'cam-7-abc-1',
      className: 'smoke',
      confidence: 0.81,
      ts: 1_767_225_603_000,
      firstSeenTs: 1_767_225_600_000,
      position: { lat: 9.01, lon: 104.9 },
      bearingDeg: 120,
      bearingToFireDeg: 102,
      boxes: [{ x1: 0.1, y1: 0.2, x2: 0.3, y2: 0.5, score: 0.81, className: 'smoke' }],
    });
    expect(alerts[0]!.snapshotUrl).toBeUndefined();

    const picture = await fetch(`${cloud.addresses.http}${stored.snapshotUrl!}`);
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await picture.arrayBuffer()).equals(jpeg)).toBe(true);

    const filtered = await fetch(
      `${cloud.addresses.http}/api/v1/fire/alerts?edgeId=edge-c&event=new&since=1767225602000`,
    );
    expect(((await filtered.json()) as FireAlertList).alerts.map((a) => a.event)).toEqual(['new']);
    expect((await fetch(`${cloud.addresses.http}/api/v1/fire/alerts?limit=0`)).status).toBe(400);
    expect(
      (await fetch(`${cloud.addresses.http}/api/v1/fire/snapshots/edge-c/..%2F..%2Fjournal.jpg`)).status,
    ).toBe(404);
    expect((await fetch(`${cloud.addresses.http}/api/v1/fire/snapshots/edge-c/nothing.jpg`)).status).toBe(
      404,
    );

    // The generic alarm lifecycle (cloud/alarms) got one active CRITICAL fire alarm for this camera.
    const fireAlarms = alarms.part.store.list({ type: 'fire' });
    expect(fireAlarms).toHaveLength(1);
    expect(fireAlarms[0]).toMatchObject({
      originator: 'camera:edge-c/cam-7',
      severity: 'CRITICAL',
      status: 'ACTIVE_UNACK',
    });
    expect(fireAlarms[0]!.details).toMatchObject({ alertId: 'cam-7-abc-1', className: 'smoke' });

    const metrics = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
    const invalid = (reason: string) =>
      metricValue(metrics, 'lookout_cloud_invalid_payloads_total', { reason }) ?? 0;
    expect(invalid('schema') + invalid('invalid_json')).toBe(2);
    expect(
      metricValue(metrics, 'lookout_cloud_fire_alert_events_total', { event: 'new', class: 'smoke' }),
    ).toBe(2);
  } finally {
    await client.endAsync();
  }
});
