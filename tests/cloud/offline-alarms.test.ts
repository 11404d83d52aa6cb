/**
 * Camera and edge offline alarms with real components: edges are MQTT clients over TCP to the cloud's aedes broker
 * (status with a last will, health, camera statuses), alarms are stored in a real influxd and read on the HTTP API.
 * Each step waits for the alarm change (or the counter) that makes its condition true.
 */
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { beforeAll, expect, it } from 'vitest';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { OfflineAlarmsConfig } from '../../cloud/offline/config.js';
import { offlineAlarmsFeature } from '../../cloud/offline/feature.js';
import { registryFeature } from '../../cloud/registry/feature.js';
import type { Alarm, AlarmList } from '../../protocols/api/alarms.js';
import type { MaintenanceList, MaintenanceWindow } from '../../protocols/api/maintenance.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { silentLogger } from '../../runtime/logger.js';
import { metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { startTestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
let cloud: Cloud;
const alarms = alarmsFeature();
// The API's maintenance windows are kept in the registry's database (PGlite in the cloud's dataDir here).
const registry = registryFeature();

beforeAll(async () => {
  const dir = await scope.use(tempDir('offline-alarms'), removeDir);
  const influx = await scope.use(startTestInfluxd(), (started) => started.cleanup());
  const now = Date.now();
  const parsed = compileSchema(OfflineAlarmsConfig).parseValue({
    cameraSilentS: 1,
    edgeOfflineGraceS: 0,
    checkIntervalS: 0.1,
    maintenance: [
      {
        edgeId: 'edge-o',
        cameraId: 'cam-3',
        from: new Date(now - 60_000).toISOString(),
        until: new Date(now + 3_600_000).toISOString(),
        note: 'thay cáp mạng',
      },
    ],
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  cloud = createCloud(
    cloudConfig({
      mqtt: { port: 0, wsPort: 0 },
      http: { port: 0 },
      influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'offline_alarms' },
      dataDir: path.join(dir, 'cloud'),
    }),
    {
      log: silentLogger(),
      features: [registry, alarms, offlineAlarmsFeature(parsed.value, { alarms, registry })],
    },
  );
  await scope.use(cloud.start(), () => cloud.stop());
});

async function edge(edgeId: string, healthIntervalS: number): Promise<MqttClient> {
  const statusTopic = topics.edgeStatus(edgeId);
  const will = {
    topic: statusTopic,
    payload: Buffer.from(JSON.stringify({ state: 'offline', ts: Date.now(), reason: 'lost' })),
    qos: 1 as const,
    retain: true,
  };
  const client = await mqtt.connectAsync(cloud.addresses.mqtt, {
    clientId: edgeId,
    will,
    reconnectPeriod: 0,
  });
  scope.defer(() => client.endAsync(true));
  await client.publishAsync(statusTopic, JSON.stringify({ state: 'online', ts: Date.now() }), {
    qos: 1,
    retain: true,
  });
  await health(client, edgeId, healthIntervalS);
  return client;
}

const health = (client: MqttClient, edgeId: string, intervalS: number) =>
  client.publishAsync(
    topics.edgeHealth(edgeId),
    JSON.stringify({
      ts: Date.now(),
      uptimeS: 1,
      intervalS,
      outbox: { messages: 0, bytes: 0, dropped: 0 },
      ais: { sentences: 0, messages: 0, rejected: 0, duplicates: 0 },
    }),
    { qos: 1 },
  );

const cameraStatus = (client: MqttClient, edgeId: string, cameraId: string, lastFrameTs: number) =>
  client.publishAsync(
    topics.cameraStatus(edgeId, cameraId),
    JSON.stringify({ cameraId, ts: Date.now(), state: 'online', lastFrameTs, restarts: 0 }),
    { qos: 1, retain: true },
  );

async function api<T>(route: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${cloud.addresses.http}${route}`, {
    method: init.method ?? 'GET',
    ...(init.body !== undefined
      ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const alarmsOf = async (type: string, originator: string) =>
  (await api<AlarmList>(`/api/v1/alarms?type=${type}&originator=${encodeURIComponent(originator)}`)).body
    .alarms;

const waitForAlarm = (type: string, originator: string, test: (alarm: Alarm) => boolean, what: string) =>
  waitFor(async () => (await alarmsOf(type, originator)).find(test), 20_000, what);

const counter = async (type: string, change: string) =>
  metricValue(
    await (await fetch(`${cloud.addresses.http}/metrics`)).text(),
    'lookout_cloud_offline_alarm_changes_total',
    {
      type,
      change,
    },
  ) ?? 0;

it('raises MAJOR camera and edge offline alarms that clear themselves, except in maintenance windows', async () => {
  const client = await edge('edge-o', 60);
  // A window set on the API for cam-2; cam-3 has one in the config.
  const now = Date.now();
  expect(
    (
      await api('/api/v1/maintenance', {
        method: 'POST',
        body: { edgeId: 'edge-o', cameraId: 'cam-2', until: now + 3_600_000 },
      })
    ).status,
  ).toBe(400); // no `by` without accounts
  expect(
    (
      await api('/api/v1/maintenance', {
        method: 'POST',
        body: { edgeId: 'edge-o', until: now - 1, by: 'tech' },
      })
    ).status,
  ).toBe(400);
  const set = await api<MaintenanceWindow>('/api/v1/maintenance', {
    method: 'POST',
    body: {
      edgeId: 'edge-o',
      cameraId: 'cam-2',
      until: now + 3_600_000,
      note: 'lau ống kính',
      by: 'ky.thuat',
    },
  });
  expect(set.status).toBe(201);
  expect(set.body).toMatchObject({ source: 'api', by: 'ky.thuat', cameraId: 'cam-2' });
  const listed = (await api<MaintenanceList>('/api/v1/maintenance')).body.windows;
  expect(listed.map((w) => [w.source, w.cameraId])).toEqual([
    ['config', 'cam-3'],
    ['api', 'cam-2'],
  ]);

  const frame = Date.now();
  // cam-2 and cam-3 (in maintenance) are dark from the start; cam-1 a second later: by the time its alarm comes,
  // theirs would have come first had maintenance not held them.
  await cameraStatus(client, 'edge-o', 'cam-2', frame - 5000);
  await cameraStatus(client, 'edge-o', 'cam-3', frame - 5000);
  await cameraStatus(client, 'edge-o', 'cam-1', frame);
  const raised = await waitForAlarm(
    'camera_offline',
    'camera:edge-o/cam-1',
    (a) => a.status === 'ACTIVE_UNACK',
    'cam-1 offline',
  );
  expect(raised.severity).toBe('MAJOR');
  expect(raised.details).toMatchObject({ lastFrameTs: expect.any(Number), silentForS: expect.any(Number) });
  expect(await alarmsOf('camera_offline', 'camera:edge-o/cam-2')).toEqual([]);
  expect(await alarmsOf('camera_offline', 'camera:edge-o/cam-3')).toEqual([]);
  expect(await counter('camera_offline', 'suppressed')).toBeGreaterThanOrEqual(2);

  // Frames again: the alarm clears itself (not acknowledged: nobody did).
  await cameraStatus(client, 'edge-o', 'cam-1', Date.now());
  const back = await waitForAlarm(
    'camera_offline',
    'camera:edge-o/cam-1',
    (a) => a.status === 'CLEARED_UNACK',
    'cam-1 back',
  );
  expect(back.clearBy).toBe('lookout');

  // The edge's connection dies: its last will raises edge_offline; its silent cameras are left to that alarm.
  client.stream.destroy();
  const dark = await waitForAlarm(
    'edge_offline',
    'edge:edge-o',
    (a) => a.status === 'ACTIVE_UNACK',
    'edge offline',
  );
  expect(dark).toMatchObject({ severity: 'MAJOR', details: { reason: 'lost' } });
  await waitFor(
    async () => ((await counter('camera_offline', 'edge_offline')) > 0 ? true : undefined),
    20_000,
    'cam-1 left to the edge',
  );
  expect(
    (await alarmsOf('camera_offline', 'camera:edge-o/cam-1')).filter((a) => a.status.startsWith('ACTIVE')),
  ).toEqual([]);

  // It comes back: cleared at once.
  const again = await edge('edge-o', 60);
  await waitForAlarm('edge_offline', 'edge:edge-o', (a) => a.status === 'CLEARED_UNACK', 'edge back');
  await cameraStatus(again, 'edge-o', 'cam-1', Date.now());

  // Windows: the API one can be ended, the config one cannot.
  expect((await api(`/api/v1/maintenance/${set.body.id}`, { method: 'DELETE' })).status).toBe(204);
  expect((await api(`/api/v1/maintenance/${set.body.id}`, { method: 'DELETE' })).status).toBe(404);
  expect((await api('/api/v1/maintenance/config-0', { method: 'DELETE' })).status).toBe(409);
  // cam-2 has been dark all along: out of maintenance, its alarm comes.
  const cam2 = await waitForAlarm(
    'camera_offline',
    'camera:edge-o/cam-2',
    (a) => a.status === 'ACTIVE_UNACK',
    'cam-2 offline after its window',
  );
  // Cleared by hand while still dark: not raised again (a notification every check) until it is back.
  const cleared = await api(`/api/v1/alarms/${cam2.id}/clear`, { method: 'POST', body: { by: 'ky.thuat' } });
  expect(cleared.status).toBe(200);
  await waitFor(
    async () => ((await counter('camera_offline', 'held_cleared')) > 0 ? true : undefined),
    20_000,
    'the cleared alarm held',
  );
  expect((await alarmsOf('camera_offline', 'camera:edge-o/cam-2')).map((a) => a.status)).toEqual([
    'CLEARED_UNACK',
  ]);
  // cam-1 goes dark again, then the edge no longer lists its cameras: they are not watched, its alarm ends.
  await waitForAlarm(
    'camera_offline',
    'camera:edge-o/cam-1',
    (a) => a.status === 'ACTIVE_UNACK',
    'cam-1 dark again',
  );
  await again.publishAsync(
    topics.cameraInventory('edge-o'),
    JSON.stringify({ edgeId: 'edge-o', ts: Date.now(), cameras: [] }),
    { qos: 1, retain: true },
  );
  const removed = await waitForAlarm(
    'camera_offline',
    'camera:edge-o/cam-1',
    (a) => a.status === 'CLEARED_UNACK' && a.details.removed === true,
    'cam-1 removed',
  );
  expect(removed.clearBy).toBe('lookout');
});

it('raises edge_offline for an edge that stays connected but goes silent beyond its health interval', async () => {
  const client = await edge('edge-s', 0.2); // silent after 3 x 0.2 s
  const silent = await waitForAlarm(
    'edge_offline',
    'edge:edge-s',
    (a) => a.status === 'ACTIVE_UNACK',
    'edge silent',
  );
  expect(silent.details).toMatchObject({ reason: 'silent' });
  await health(client, 'edge-s', 60);
  await waitForAlarm('edge_offline', 'edge:edge-s', (a) => a.status === 'CLEARED_UNACK', 'edge heard again');
});
