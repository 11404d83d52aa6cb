/**
 * Maintenance windows shared by two cloud instances through one PostgreSQL server (issue 15: no cluster state on
 * one instance's disk). Two plain clouds (no Redis: each judges the offline alarms of the edges connected to it)
 * with the registry on the same real PostgreSQL, alarms in a real influxd, edges as MQTT clients over TCP. A window
 * set on B's API reaches A by A's periodic read (before anyone asks A's API), is listed by A's API and holds A's
 * offline alarm for that edge; ended on A's API, it is gone from B's list and A's alarm comes.
 */
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { beforeAll, expect, it } from 'vitest';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { offlineAlarmsFeature } from '../../cloud/offline/feature.js';
import { registryFeature } from '../../cloud/registry/feature.js';
import type { AlarmList } from '../../protocols/api/alarms.js';
import type { MaintenanceList, MaintenanceWindow } from '../../protocols/api/maintenance.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { silentLogger } from '../../runtime/logger.js';
import { metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { startTestInfluxd } from '../support/influxd.js';
import { postgresAvailable, startTestPostgres } from '../support/postgres.js';
import { scopeForFile } from '../support/scope.js';
import { waitFor } from '../support/wait.js';

const scope = scopeForFile();
let a: Cloud;
let b: Cloud;

beforeAll(async () => {
  if (!postgresAvailable()) return;
  const dir = await scope.use(tempDir('maintenance-shared'), removeDir);
  const influx = await scope.use(startTestInfluxd(), (started) => started.cleanup());
  const postgres = await startTestPostgres(scope);
  const start = async (name: string): Promise<Cloud> => {
    const config = cloudConfig({
      mqtt: { port: 0, wsPort: 0 },
      http: { port: 0 },
      influx: { host: influx.influxd.host, port: influx.influxd.port, database: `maintenance_${name}` },
      dataDir: path.join(dir, name),
      registry: { database: { url: postgres.url } },
      offlineAlarms: { edgeOfflineGraceS: 0, checkIntervalS: 0.1 },
    });
    const alarms = alarmsFeature();
    const registry = registryFeature();
    const cloud = createCloud(config, {
      log: silentLogger(),
      features: [registry, alarms, offlineAlarmsFeature(config.offlineAlarms, { alarms, registry })],
    });
    await scope.use(cloud.start(), () => cloud.stop());
    return cloud;
  };
  // One after the other: the first runs the migrations.
  a = await start('a');
  b = await start('b');
});

/** An edge on `cloud` that says it is online with a health interval of 0.2 s, then falls silent. */
async function silentEdge(cloud: Cloud, edgeId: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(cloud.addresses.mqtt, { clientId: edgeId, reconnectPeriod: 0 });
  scope.defer(() => client.endAsync(true));
  await client.publishAsync(topics.edgeStatus(edgeId), JSON.stringify({ state: 'online', ts: Date.now() }), {
    qos: 1,
    retain: true,
  });
  await client.publishAsync(
    topics.edgeHealth(edgeId),
    JSON.stringify({
      ts: Date.now(),
      uptimeS: 1,
      intervalS: 0.2,
      outbox: { messages: 0, bytes: 0, dropped: 0 },
      ais: { sentences: 0, messages: 0, rejected: 0, duplicates: 0 },
    }),
    { qos: 1 },
  );
  return client;
}

async function api<T>(cloud: Cloud, route: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(`${cloud.addresses.http}${route}`, {
    method: init.method ?? 'GET',
    ...(init.body !== undefined
      ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

const activeOffline = async (cloud: Cloud, edgeId: string) =>
  (
    await api<AlarmList>(
      cloud,
      `/api/v1/alarms?type=edge_offline&originator=${encodeURIComponent(`edge:${edgeId}`)}`,
    )
  ).body.alarms.filter((alarm) => alarm.status.startsWith('ACTIVE'));

const metric = async (cloud: Cloud, name: string, labels: Record<string, string>) =>
  metricValue(await (await fetch(`${cloud.addresses.http}/metrics`)).text(), name, labels) ?? 0;

it.runIf(postgresAvailable())(
  "a window set on B's API is listed by A's and holds A's offline alarm for that edge",
  async () => {
    const set = await api<MaintenanceWindow>(b, '/api/v1/maintenance', {
      method: 'POST',
      body: { edgeId: 'edge-m', until: Date.now() + 3_600_000, note: 'thay ắc quy', by: 'ky.thuat.b' },
    });
    expect(set.status).toBe(201);
    // A learns of it by its own periodic read (its API not asked yet).
    await waitFor(
      async () =>
        (await metric(a, 'lookout_cloud_offline_maintenance_windows', { source: 'api' })) === 1 || undefined,
      20_000,
      "A reading B's window",
    );
    expect((await api<MaintenanceList>(a, '/api/v1/maintenance')).body.windows).toEqual([set.body]);

    // Both edges on A fall silent; edge-m first, so by the time edge-c's alarm comes, edge-m's was judged too.
    await silentEdge(a, 'edge-m');
    await silentEdge(a, 'edge-c');
    await waitFor(async () => (await activeOffline(a, 'edge-c')).length > 0, 20_000, 'edge-c offline on A');
    await waitFor(
      async () =>
        (await metric(a, 'lookout_cloud_offline_alarm_changes_total', {
          type: 'edge_offline',
          change: 'suppressed',
        })) > 0,
      20_000,
      'edge-m held by the window on A',
    );
    expect(await activeOffline(a, 'edge-m')).toEqual([]);

    // Ended on A's API: gone from B's list, and A's alarm for the still silent edge comes.
    expect((await api(a, `/api/v1/maintenance/${set.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api<MaintenanceList>(b, '/api/v1/maintenance')).body.windows).toEqual([]);
    expect((await api(b, `/api/v1/maintenance/${set.body.id}`, { method: 'DELETE' })).status).toBe(404);
    await waitFor(
      async () => (await activeOffline(a, 'edge-m')).length > 0,
      20_000,
      'edge-m offline on A after its window',
    );
  },
);
