import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCloudConfig } from '../../cloud/config.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { ConfigError } from '../../runtime/config.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { batchesOf, makePositions, metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { startClusterServers } from '../support/cluster.js';
import type { TestInfluxd } from '../support/influxd.js';
import type { TestPostgres } from '../support/postgres.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { scopeForFile } from '../support/scope.js';
import { waitFor } from '../support/wait.js';
import { alarmsFeature, type AlarmsFeature } from '../../cloud/alarms/feature.js';
import { notifyFeature } from '../../cloud/notify/feature.js';
import { WebhookReceiver } from '../../simulators/notifications/webhook-receiver.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import { clusterFeature } from '../../cloud/cluster/feature.js';
import { outboxKey } from '../../cloud/cluster/notify-outbox.js';

const scope = scopeForFile();
let influx: TestInfluxd;
let redis: TestRedis;
let postgres: TestPostgres;

beforeAll(async () => {
  ({ influx, redis, postgres } = await startClusterServers(scope));
});

/** A cloud instance of the cluster, as `lookout cloud` builds it in cluster mode (its own ports and journal). */
async function startInstance(
  instanceId: string,
  database: string,
  options: { webhook?: string; leaseMs?: number; retryMinMs?: number; redisUrl?: string } = {},
): Promise<Cloud & { alarms?: AlarmsFeature }> {
  const dataDir = await scope.use(tempDir(`cloud-${instanceId}`), removeDir);
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database },
    ingest: { batchSize: 500, flushIntervalMs: 50 },
    dataDir,
    cluster: { redis: options.redisUrl ?? redis.redis.url, instanceId, leaseMs: options.leaseMs },
    registry: { database: { url: postgres.url } },
    notify: options.webhook
      ? {
          webhooks: [{ name: 'rangers', url: options.webhook, format: 'json' }],
          retry: { minMs: options.retryMinMs ?? 1000, maxMs: 60_000 },
        }
      : {},
  });
  const cluster = clusterFeature(config.cluster!);
  const alarms = options.webhook ? alarmsFeature({ cluster }) : undefined;
  const features = alarms ? [cluster, alarms, notifyFeature(config.notify, { cluster })] : [cluster];
  const cloud = createCloud(config, { features });
  await cloud.start();
  scope.defer(() => cloud.stop());
  return Object.assign(cloud, { alarms });
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

  it('refuses cluster mode with the embedded registry, saying where and what to set', async () => {
    // Each instance would keep its own PGlite registry (camera settings, office cases) in its dataDir.
    expect(() => cloudConfig({ cluster: { redis: 'redis://x' } })).toThrow(
      /\/cloud\/registry\/database\/url: required when \/cloud\/cluster is set/,
    );
    const dir = await scope.use(tempDir('cluster-config'), removeDir);
    const file = path.join(dir, 'lookout.yaml');
    await writeFile(file, 'cloud:\n  cluster: { redis: redis://10.0.0.5:6379 }\n');
    const refused = await loadCloudConfig(file).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).message).toContain(file);
    expect((refused as ConfigError).problems).toEqual([
      expect.stringMatching(/^\/cloud\/registry\/database\/url: .*PostgreSQL/),
    ]);
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
    // B's presence (and dashboard) knows the edge connected to A.
    await waitFor(
      async () => {
        const { edges } = (await (await fetch(`${b.addresses.http}/api/v1/edges`)).json()) as {
          edges: Array<{ edgeId: string; state: string }>;
        };
        return edges.some((edge) => edge.edgeId === 'edge-a' && edge.state === 'online');
      },
      20_000,
      'edge-a online in the presence of b',
    );
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
    await c.stop(); // hands the lease over: the next test's first instance leads
  });

  it('a restarted instance knows the edges online on the others from their retained status, before they publish again', async () => {
    const database = 'cluster_presence';
    const a = await startInstance('presence-a', database);
    let b = await startInstance('presence-b', database);
    // Stopped also when it fails: the next test's first instance must get the lease.
    try {
      const edgesOf = async (cloud: Cloud) =>
        (
          (await (await fetch(`${cloud.addresses.http}/api/v1/edges`)).json()) as {
            edges: Array<{ edgeId: string; state: string; reason?: string }>;
          }
        ).edges.find((edge) => edge.edgeId === 'edge-p');
      const lost = JSON.stringify({ state: 'offline', reason: 'lost', ts: Date.now() });
      const edge = await connect(a.addresses.mqtt, 'edge-p', {
        will: { topic: topics.edgeStatus('edge-p'), payload: Buffer.from(lost), qos: 1, retain: true },
      });
      const online = JSON.stringify({ state: 'online', version: 'test', ts: Date.now() });
      await edge.publishAsync(topics.edgeStatus('edge-p'), online, { qos: 1, retain: true });
      await waitFor(async () => (await edgesOf(b))?.state === 'online', 20_000, 'edge-p online on b');

      await b.stop();
      b = await startInstance('presence-b', database);
      // Read from Redis while b started: known at once, though the edge has published nothing since.
      expect(await edgesOf(b)).toMatchObject({ state: 'online' });

      // What happens after the start still comes after it: the edge is lost, A publishes its will, B hears it.
      edge.stream.destroy();
      await waitFor(async () => (await edgesOf(b))?.state === 'offline', 20_000, 'edge-p offline on b');
      expect(await edgesOf(b)).toMatchObject({ reason: 'lost' });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('one leader changes alarms: raises and acks from a standby go to it, notified once, and a standby takes over', async () => {
    const receiver = new WebhookReceiver();
    await scope.use(receiver.start(), () => receiver.stop());
    const database = 'cluster_alarms';
    const a = await startInstance('leader-a', database, { webhook: receiver.url, leaseMs: 3000 });
    const b = await startInstance('standby-b', database, { webhook: receiver.url, leaseMs: 3000 });
    expect(a.leadership.leader).toBe(true);
    const storeA = a.alarms!.part.store;
    const storeB = b.alarms!.part.store;
    const raise = (originator: string) => ({
      originator,
      type: 'closed_zone',
      severity: 'CRITICAL' as const,
      ts: Date.now(),
      details: { zone: 'test' },
    });

    // A standby's rule raises: forwarded, created once by the leader, announced back, notified once.
    expect(b.alarms!.part.raise(raise('vessel:574100001'))).toBeUndefined();
    const first = await waitFor(
      () => storeB.activeFor('vessel:574100001', 'closed_zone'),
      20_000,
      'the alarm on b',
    );
    expect(storeA.activeFor('vessel:574100001', 'closed_zone')?.id).toBe(first.id);
    b.alarms!.part.raise(raise('vessel:574100001')); // the same condition again: a refresh, not a second alarm
    await waitFor(() => storeA.get(first.id)!.count === 2, 20_000, 'the refresh on the leader');
    await waitFor(() => receiver.received.length >= 1, 20_000, 'the notification');

    // An operator acknowledges on the standby's API: the leader applies it, both stores show it.
    const response = await fetch(`${b.addresses.http}/api/v1/alarms/${first.id}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'officer.lan' }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Alarm).status).toBe('ACTIVE_ACK');
    expect(storeA.get(first.id)).toMatchObject({ status: 'ACTIVE_ACK', ackBy: 'officer.lan' });
    await waitFor(() => storeB.get(first.id)?.status === 'ACTIVE_ACK', 20_000, 'the ack announced to b');
    expect(
      (
        await fetch(`${b.addresses.http}/api/v1/alarms/nope/ack`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ by: 'officer.lan' }),
        })
      ).status,
    ).toBe(404);

    // A shared raise (the rules' own, which the leader makes from the same positions) is not sent by a standby,
    // only kept: by the time a forwarded raise made after it reaches the leader, the leader has not heard of it.
    b.alarms!.part.raiseShared(raise('vessel:574100003'));
    b.alarms!.part.raise(raise('vessel:574100004'));
    await waitFor(() => storeA.activeFor('vessel:574100004', 'closed_zone'), 20_000, 'the forwarded raise');
    expect(storeA.activeFor('vessel:574100003', 'closed_zone')).toBeUndefined();

    // The leader goes away; b takes over, keeps the alarm (no second one for the same condition), applies the
    // shared raise it kept (the leader might have died before making its own) and raises new ones.
    await a.stop();
    await waitFor(() => b.leadership.leader, 20_000, 'b to lead');
    await waitFor(() => storeB.activeFor('vessel:574100003', 'closed_zone'), 20_000, 'the kept shared raise');
    b.alarms!.part.raise(raise('vessel:574100001'));
    b.alarms!.part.raise(raise('vessel:574100002'));
    const second = await waitFor(
      () => storeB.activeFor('vessel:574100002', 'closed_zone'),
      20_000,
      'the new alarm',
    );
    expect(storeB.activeFor('vessel:574100001', 'closed_zone')?.id).toBe(first.id);
    const third = storeB.activeFor('vessel:574100003', 'closed_zone')!;
    const fourth = storeB.activeFor('vessel:574100004', 'closed_zone')!;
    const all = [first.id, second.id, third.id, fourth.id].sort();
    await waitFor(() => receiver.received.length >= 4, 20_000, 'the notifications');
    const notified = receiver.received.map(
      (request) => (JSON.parse(request.body) as { alarm: Alarm }).alarm.id,
    );
    expect(notified.sort()).toEqual(all);
    // Stored once each in the shared InfluxDB (a standby never writes alarm events).
    const createdIds = async () =>
      (
        await influx.client.query<{ alarm_id: string }>(
          `SELECT "json", "alarm_id" FROM "alarm_event" WHERE "kind" = 'created'`,
          { database },
        )
      ).map((row) => row.alarm_id);
    await waitFor(async () => (await createdIds()).length >= 4, 20_000, 'every creation in InfluxDB');
    expect((await createdIds()).sort()).toEqual(all);
  });

  it('a notification the leader could not send yet is sent by the next leader, once, with the same id', async () => {
    const receiver = new WebhookReceiver();
    await scope.use(receiver.start(), () => receiver.stop());
    receiver.answer = () => ({ status: 503 });
    const database = 'cluster_outbox';
    // A Redis of its own: the leader of the test before still holds the lease in the shared one.
    const own = await scope.use(startTestRedis(), (started) => started.cleanup());
    // The leader retries only after a minute: only the next leader can deliver it in this test.
    const options = { webhook: receiver.url, leaseMs: 3000, retryMinMs: 60_000, redisUrl: own.redis.url };
    const a = await startInstance('outbox-a', database, options);
    const b = await startInstance('outbox-b', database, options);
    expect(a.leadership.leader).toBe(true);
    a.alarms!.part.raise({
      originator: 'camera:edge-1/cam-1',
      type: 'fire',
      severity: 'CRITICAL',
      ts: Date.now(),
      details: {},
    });
    await waitFor(() => receiver.received.length === 1, 20_000, 'the first attempt (refused)');
    const outbox = outboxKey('rangers');
    const client = new Redis(own.redis.url);
    scope.defer(() => client.quit());
    await waitFor(async () => (await client.hlen(outbox)) === 1, 20_000, 'the notification in the outbox');

    receiver.answer = () => ({ status: 200 });
    await a.stop(); // a clean stop: in a cluster no spill file, only the outbox keeps it
    await waitFor(() => b.leadership.leader, 20_000, 'b to lead');
    await waitFor(() => receiver.received.length === 2, 20_000, 'the delivery by the new leader');
    const [refused, delivered] = receiver.json();
    expect(delivered!.id).toBe(refused!.id);
    expect(delivered!.alarm.type).toBe('fire');
    await waitFor(async () => (await client.hlen(outbox)) === 0, 20_000, 'the outbox emptied');
    expect(receiver.received).toHaveLength(2);
  });

  it('stops cleanly when Redis went away first (Ctrl-C reaches every process of the demo at once)', async () => {
    const receiver = new WebhookReceiver();
    await scope.use(receiver.start(), () => receiver.stop());
    receiver.answer = () => ({ status: 503 }); // a notification stays queued, retrying
    const own = await scope.use(startTestRedis(), (started) => started.cleanup());
    const cloud = await startInstance('gone-redis', 'cluster_gone_redis', {
      webhook: receiver.url,
      redisUrl: own.redis.url,
      retryMinMs: 100,
    });
    cloud.alarms!.part.raise({
      originator: 'camera:edge-1/cam-1',
      type: 'fire',
      severity: 'CRITICAL',
      ts: Date.now(),
      details: {},
    });
    await waitFor(() => receiver.received.length >= 1, 20_000, 'a first attempt');
    await own.redis.stop();
    await cloud.stop();
  });
});
