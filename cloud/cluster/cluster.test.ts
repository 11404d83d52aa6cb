import mqtt, { type MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { cloudConfig, createCloud, type Cloud } from '../core.js';
import { topics } from '../../protocols/mqtt/topics.js';
import {
  batchesOf,
  makePositions,
  metricValue,
  removeDir,
  tempDir,
} from '../../tests/support/cloud-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../../tests/support/influxd.js';
import { startTestRedis, type TestRedis } from '../../tests/support/redis.js';
import { scopeForFile } from '../../tests/support/scope.js';
import { waitFor } from '../../tests/support/wait.js';
import { clusterFeature } from './feature.js';

const scope = scopeForFile();
let influx: TestInfluxd;
let redis: TestRedis;

beforeAll(async () => {
  [influx, redis] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    scope.use(startTestRedis(), (started) => started.cleanup()),
  ]);
});

/** A cloud instance of the cluster, as `lookout cloud` builds it in cluster mode (its own ports and journal). */
async function startInstance(instanceId: string, database: string): Promise<Cloud> {
  const dataDir = await scope.use(tempDir(`cloud-${instanceId}`), removeDir);
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database },
    ingest: { batchSize: 500, flushIntervalMs: 50 },
    dataDir,
    cluster: { redis: redis.redis.url, instanceId },
  });
  const cloud = createCloud(config, { features: [clusterFeature(config.cluster!)] });
  await cloud.start();
  scope.defer(() => cloud.stop());
  return cloud;
}

async function connect(
  url: string,
  clientId: string,
  options: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0, ...options });
  scope.defer(() => client.endAsync(true));
  return client;
}

function received(client: MqttClient): Array<{ topic: string; payload: string; retain: boolean }> {
  const messages: Array<{ topic: string; payload: string; retain: boolean }> = [];
  client.on('message', (topic, payload, packet) =>
    messages.push({ topic, payload: payload.toString(), retain: packet.retain }),
  );
  return messages;
}

async function pointsWritten(cloud: Cloud): Promise<number> {
  const metrics = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
  return metricValue(metrics, 'lookout_cloud_points_written_total', { measurement: 'vessel_position' }) ?? 0;
}

describe('cloud cluster on Redis (aedes with mqemitter-redis and aedes-persistence-redis)', () => {
  it('rejects a cluster section without a redis:// URL, naming the key', () => {
    expect(() => cloudConfig({ cluster: { redis: 'localhost:6379' } })).toThrow(/\/cloud\/cluster\/redis/);
    expect(() => cloudConfig({ cluster: { redis: 'redis://x', instanceId: 'a b' } })).toThrow(/instanceId/);
  });

  it('delivers across instances, stores each acknowledged position once, keeps retained messages and QoS 1 sessions across restarts', async () => {
    const database = 'cluster_a';
    const a = await startInstance('a', database);
    let b = await startInstance('b', database);
    expect(a.leadership.leader).toBe(true); // the first to start took the lease
    expect(b.leadership.leader).toBe(false);
    const health = (await (await fetch(`${b.addresses.http}/health`)).json()) as {
      features: { cluster: { instance: string; leader: boolean; redis: string[] } };
    };
    expect(health.features.cluster).toMatchObject({ instance: 'b', leader: false });

    // A dashboard on B sees what an edge on A publishes (a live status, retained) and what A's cloud publishes.
    const dashboard = await connect(b.addresses.mqtt, 'dashboard-b');
    const onB = received(dashboard);
    await dashboard.subscribeAsync([topics.edgeStatus('edge-a'), `${topics.cloudAlarm('')}#`], { qos: 1 });
    const edgeA = await connect(a.addresses.mqtt, 'edge-a');
    const status = JSON.stringify({ state: 'online', version: 'test', ts: Date.now() });
    await edgeA.publishAsync(topics.edgeStatus('edge-a'), status, { qos: 1, retain: true });
    await a.publish(topics.cloudAlarm('alarm-1'), '{"id":"alarm-1"}', { qos: 1, retain: true });
    await waitFor(() => onB.length >= 2, 20_000, 'the messages published on A to reach the subscriber on B');
    expect(onB.map((message) => message.topic).sort()).toEqual(
      [topics.cloudAlarm('alarm-1'), topics.edgeStatus('edge-a')].sort(),
    );

    // Positions acknowledged by either instance are journalled there and stored once (not by both).
    const positions = makePositions(400, { vessels: 8 });
    const edgeB = await connect(b.addresses.mqtt, 'edge-b');
    const [firstHalf, secondHalf] = [positions.slice(0, 200), positions.slice(200)];
    for (const batch of batchesOf('edge-a', firstHalf, 50))
      await edgeA.publishAsync(topics.vesselPositions('edge-a'), JSON.stringify(batch), { qos: 1 });
    for (const batch of batchesOf('edge-b', secondHalf, 50))
      await edgeB.publishAsync(topics.vesselPositions('edge-b'), JSON.stringify(batch), { qos: 1 });
    await waitFor(
      async () => (await pointsWritten(a)) >= 200 && (await pointsWritten(b)) >= 200,
      30_000,
      'both writers',
    );
    const [count] = await influx.client.query<{ count: number }>('SELECT count(lat) FROM vessel_position', {
      database,
    });
    expect(count?.count).toBe(400);
    expect(await pointsWritten(a)).toBe(200);
    expect(await pointsWritten(b)).toBe(200);

    // A persistent session (clean: false) on B: B restarts while A's cloud publishes at QoS 1; the message waits
    // in Redis and reaches the client when it comes back, on the other instance.
    const officer = await connect(b.addresses.mqtt, 'officer-1', { clean: false });
    await officer.subscribeAsync(`${topics.cloudAlarm('')}#`, { qos: 1 });
    await officer.endAsync();
    await b.stop();
    await a.publish(topics.cloudAlarm('alarm-2'), '{"id":"alarm-2"}', { qos: 1 });
    b = await startInstance('b', database);
    const back = mqtt.connect(a.addresses.mqtt, { clientId: 'officer-1', clean: false, reconnectPeriod: 0 });
    scope.defer(() => back.endAsync(true));
    const queued = received(back);
    await waitFor(
      () => queued.find((message) => message.topic === topics.cloudAlarm('alarm-2')),
      20_000,
      'the queued QoS 1 message after the restart',
    );

    // Retained messages live in Redis: after every instance stopped, a new one still has them.
    const epochA = a.leadership.epoch;
    await a.stop(); // a clean stop hands the lease over at once
    await waitFor(() => b.leadership.leader, 20_000, 'b to take the lease from a');
    expect(b.leadership.epoch).toBeGreaterThan(epochA);
    await b.stop();
    const c = await startInstance('c', database);
    const late = await connect(c.addresses.mqtt, 'late-dashboard');
    const retained = received(late);
    await late.subscribeAsync([topics.edgeStatus('edge-a'), `${topics.cloudAlarm('')}#`], { qos: 1 });
    await waitFor(() => retained.length >= 2, 20_000, 'the retained messages on a fresh instance');
    expect(retained.every((message) => message.retain)).toBe(true);
    expect(retained.find((message) => message.topic === topics.edgeStatus('edge-a'))?.payload).toBe(status);
  });
});
