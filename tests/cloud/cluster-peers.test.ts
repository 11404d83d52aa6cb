/**
 * A cluster is one control room: every instance's rules see the whole fleet and its fire locator every tower,
 * whichever instance each edge is connected to. Real redis-server and influxd, two cloud instances in one process
 * (their own brokers, journals and HTTP), edges on both.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { alarmsFeature, type AlarmsFeature } from '../../cloud/alarms/feature.js';
import { AlarmStore } from '../../cloud/alarms/alarm-store.js';
import { camerasFeature } from '../../cloud/cameras/feature.js';
import { clusterFeature } from '../../cloud/cluster/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { fireAlertsFeature } from '../../cloud/fire/feature.js';
import { distanceM } from '../../cloud/fire/locate.js';
import { RuleEngine } from '../../cloud/fisheries/engine.js';
import { fisheriesFeature, type FisheriesFeature } from '../../cloud/fisheries/feature.js';
import { VesselRegistry } from '../../cloud/fisheries/registry.js';
import { notifyFeature } from '../../cloud/notify/feature.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { AlarmNotification } from '../../protocols/api/notifications.js';
import type { LocatedFire } from '../../protocols/api/fire.js';
import type { VesselState } from '../../protocols/api/vessels.js';
import type { CameraInventory, VesselPosition } from '../../protocols/mqtt/payloads.js';
import { edgeClientId, topics } from '../../protocols/mqtt/topics.js';
import { silentLogger } from '../../runtime/logger.js';
import { iuuScenario } from '../../simulators/fleet/scenarios/iuu.js';
import { WebhookReceiver } from '../../simulators/notifications/webhook-receiver.js';
import { removeDir, tempDir } from '../support/cloud-fixtures.js';
import { FIRE, tower, towerAlert } from '../support/fire-towers.js';
import { startClusterServers } from '../support/cluster.js';
import type { TestInfluxd } from '../support/influxd.js';
import type { TestPostgres } from '../support/postgres.js';
import type { TestRedis } from '../support/redis.js';
import { scopeForFile } from '../support/scope.js';
import { waitFor } from '../support/wait.js';

const scope = scopeForFile();
const scenario = iuuScenario({ seed: 11 });
const MIN = 60_000;
let influx: TestInfluxd;
let redis: TestRedis;
let postgres: TestPostgres;
const rangers = new WebhookReceiver();
let simNow = scenario.startTs;

beforeAll(async () => {
  const [servers] = await Promise.all([
    startClusterServers(scope),
    scope.use(rangers.start(), () => rangers.stop()),
  ]);
  ({ influx, redis, postgres } = servers);
});

interface Instance {
  cloud: Cloud;
  alarms: AlarmsFeature;
  fisheries: FisheriesFeature;
}

/** A full-enough instance: alarms and fisheries on the scenario's clock, fire alerts, cameras, notifications. */
async function startInstance(instanceId: string, database: string): Promise<Instance> {
  const dataDir = await scope.use(tempDir(`peers-${instanceId}`), removeDir);
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database },
    ingest: { batchSize: 2000, flushIntervalMs: 50 },
    buffer: { fsync: 'never' },
    dataDir,
    cluster: { redis: redis.redis.url, instanceId, leaseMs: 3000 },
    registry: { database: { url: postgres.url } },
    fisheries: { vessels: scenario.registry, tickIntervalS: 3600 },
    notify: { webhooks: [{ name: 'rangers', url: rangers.url, format: 'json' }] },
  });
  const clock = () => simNow;
  const cluster = clusterFeature(config.cluster!);
  const alarms = alarmsFeature({ cluster, clock });
  const fisheries = fisheriesFeature(config.fisheries, { alarms, clock });
  const cameras = camerasFeature();
  const cloud = createCloud(config, {
    log: silentLogger(),
    features: [
      cluster,
      alarms,
      fisheries,
      fireAlertsFeature({ alarms }),
      cameras,
      notifyFeature(config.notify, { cameras }),
    ],
  });
  scope.defer(() => cloud.stop());
  await cloud.start();
  return { cloud, alarms, fisheries };
}

async function edgeOn(instance: Instance, edgeId: string): Promise<MqttClient> {
  const client = await mqtt.connectAsync(instance.cloud.addresses.mqtt, {
    clientId: edgeClientId(edgeId),
    reconnectPeriod: 0,
  });
  scope.defer(() => client.endAsync(true));
  return client;
}

function evaluated(instance: Instance): number {
  const stats = instance.fisheries.part.engine.stats;
  return stats.positions + stats.duplicates + stats.tooLate;
}

const key = (alarm: Pick<Alarm, 'originator' | 'type'>) => `${alarm.originator} ${alarm.type}`;

describe('a cluster sees the whole fleet and every tower on every instance', () => {
  it('rules on every instance see every position: each scripted violation alarmed once, counted and notified once', async () => {
    const database = 'cluster_peers_fleet';
    rangers.received.splice(0);
    const a = await startInstance('peers-a', database);
    const b = await startInstance('peers-b', database);
    expect(a.cloud.leadership.leader).toBe(true);
    // Two shore receivers on different instances: each vessel is heard by one, and half way through every vessel
    // moves into the other's range (its positions from then on come through the other instance).
    const edges = [await edgeOn(a, 'receiver-a'), await edgeOn(b, 'receiver-b')];
    const edgeIds = ['receiver-a', 'receiver-b'];
    let seq = 0;

    // The same positions and ticks through one engine alone: what the alarms must be, counts included.
    const single = new AlarmStore({ clock: () => simNow });
    const singleChanges: string[] = [];
    single.onChange((change) => singleChanges.push(change.kind));
    const alone = new RuleEngine({
      zones: a.fisheries.part.zones,
      registry: new VesselRegistry(scenario.registry),
      rules: a.cloud.config.fisheries.rules,
      history: a.cloud.config.fisheries.history,
      raise: (request) => void single.raise(request),
    });

    const windowMs = 30 * MIN;
    for (let t = scenario.startTs; t <= scenario.endTs; t += windowMs) {
      const chunk = scenario.positions.filter((p) => p.ts >= t && p.ts < t + windowMs);
      if (chunk.length > 0) {
        const before = [evaluated(a), evaluated(b)];
        const halves: VesselPosition[][] = [[], []];
        const moved = t >= (scenario.startTs + scenario.endTs) / 2 ? 1 : 0;
        for (const position of chunk) halves[(position.mmsi + moved) % 2]!.push(position);
        await Promise.all(
          halves.map((positions, i) =>
            edges[i]!.publishAsync(
              topics.vesselPositions(edgeIds[i]!),
              JSON.stringify({ edgeId: edgeIds[i], seq: seq++, positions }),
              { qos: 1 },
            ),
          ),
        );
        for (const position of chunk) alone.ingest(position, simNow);
        await waitFor(
          () => evaluated(a) - before[0]! >= chunk.length && evaluated(b) - before[1]! >= chunk.length,
          30_000,
          'both instances to evaluate the whole chunk',
        );
      }
      simNow = t + windowMs;
      a.fisheries.part.tick();
      b.fisheries.part.tick();
      alone.tick(simNow);
    }

    const expected = single.list().map((alarm) => ({ key: key(alarm), count: alarm.count }));
    expect(expected.map((e) => e.key).sort()).toEqual(
      scenario.expected.map((e) => `vessel:${e.mmsi} ${e.type}`).sort(),
    );
    const leaderStore = a.alarms.part.store;
    // B's raises are forwarded: wait until the leader has heard all of them (they only refresh, or change nothing).
    await waitFor(
      () => expected.every((e) => leaderStore.list().some((alarm) => key(alarm) === e.key)),
      30_000,
      'every expected alarm on the leader',
    );
    await waitFor(
      () => b.alarms.part.store.list().length === expected.length,
      30_000,
      'the standby to be told of every alarm',
    );
    const counts = (store: AlarmStore) =>
      Object.fromEntries(store.list().map((alarm) => [key(alarm), alarm.count]));
    expect(counts(leaderStore)).toEqual(Object.fromEntries(expected.map((e) => [e.key, e.count])));
    expect(counts(b.alarms.part.store)).toEqual(counts(leaderStore));

    // Notified: each creation and escalation the engine alone makes, once.
    const notifiable = singleChanges.filter((kind) => kind === 'created' || kind === 'escalated').length;
    await waitFor(() => rangers.received.length >= notifiable, 30_000, 'the notifications');
    const notified = rangers.received.map((request) => JSON.parse(request.body) as AlarmNotification);
    expect(
      notified
        .filter((n) => n.kind === 'created')
        .map((n) => key(n.alarm))
        .sort(),
    ).toEqual(expected.map((e) => e.key).sort());
    expect(notified).toHaveLength(notifiable);
    expect(new Set(notified.map((n) => n.id)).size).toBe(notified.length);
    await a.alarms.part.flushed();
    const created = await influx.client.query<{ alarm_id: string }>(
      `SELECT "alarm_id", "json" FROM "alarm_event" WHERE "kind" = 'created'`,
      { database },
    );
    expect(created).toHaveLength(expected.length);

    // Either instance's API knows the whole fleet.
    for (const instance of [a, b]) {
      const response = await fetch(`${instance.cloud.addresses.http}/api/v1/vessels`);
      const { vessels } = (await response.json()) as { vessels: VesselState[] };
      expect(vessels.length).toBe(new Set(scenario.positions.map((p) => p.mmsi)).size);
    }
  });

  it('a fire seen by towers on different instances is located, its files and cameras served by both', async () => {
    const database = 'cluster_peers_fire';
    const a = await startInstance('fire-a', database);
    const b = await startInstance('fire-b', database);
    const south = tower('cam-south', 200, 3.4, 0.35, 'Tháp Nam');
    const east = tower('cam-east', 100, 6.3, 0.7, 'Tháp Đông');
    const [onA, onB] = [await edgeOn(a, 'edge-south'), await edgeOn(b, 'edge-east')];

    // The east tower's inventory, published on B, is on A's camera list.
    const inventory: CameraInventory = {
      edgeId: 'edge-east',
      ts: Date.now(),
      cameras: [
        {
          cameraId: east.id,
          state: 'online',
          origin: 'url',
          name: east.name,
          since: Date.now(),
          failures: 0,
        },
      ],
    };
    await onB.publishAsync(topics.cameraInventory('edge-east'), JSON.stringify(inventory), {
      qos: 1,
      retain: true,
    });
    await waitFor(
      async () => {
        const response = await fetch(`${a.cloud.addresses.http}/api/v1/cameras`);
        return JSON.stringify(await response.json()).includes('cam-east');
      },
      20_000,
      "B's camera on A's list",
    );

    const t0 = Date.now() - 60_000;
    const snapshot = { jpeg: Buffer.from('not really a jpeg, but bytes'), width: 640, height: 360 };
    await onA.publishAsync(
      topics.fireAlert('edge-south'),
      JSON.stringify({ ...towerAlert(south, 0.35, 'new', t0, { snapshot }), edgeId: 'edge-south' }),
      { qos: 1 },
    );
    await onB.publishAsync(
      topics.fireAlert('edge-east'),
      JSON.stringify({ ...towerAlert(east, 0.7, 'new', t0 + 20_000, { snapshot }), edgeId: 'edge-east' }),
      { qos: 1 },
    );
    const located = await waitFor(
      async () => {
        const response = await fetch(`${a.cloud.addresses.http}/api/v1/fire/located`);
        const { fires } = (await response.json()) as { fires: LocatedFire[] };
        return fires.find((fire) => fire.method === 'intersection');
      },
      20_000,
      'a located fire from towers on two instances',
    );
    expect(distanceM(located.point!, FIRE)).toBeLessThan(150);
    expect(located.cameras.map((camera) => camera.edgeId).sort()).toEqual(['edge-east', 'edge-south']);

    // Each instance serves the snapshot of an alert the other received.
    const alarms = await waitFor(
      () => {
        const fires = a.alarms.part.store.list().filter((alarm) => alarm.type === 'fire');
        return fires.length === 2 ? fires : undefined;
      },
      20_000,
      'one fire alarm per camera on the leader',
    );
    for (const alarm of alarms) {
      const file = alarm.details.snapshot as string;
      for (const instance of [a, b]) {
        const response = await fetch(`${instance.cloud.addresses.http}/api/v1/fire/snapshots/${file}`);
        expect(response.status, `${file} on ${instance.cloud.config.cluster!.instanceId}`).toBe(200);
        expect(Buffer.from(await response.arrayBuffer())).toEqual(snapshot.jpeg);
      }
    }
  });
});
