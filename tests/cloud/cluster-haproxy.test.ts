/**
 * The load balancer the cloud README documents, run as shipped (cloud/cluster/haproxy.example.cfg, Debian's
 * haproxy) in front of two cluster instances: an edge with one broker address, a browser's WebSocket and the HTTP
 * API go through it; the instance the edge is on stops, and the edge reconnects through the same address to the
 * other instance, which stores what it publishes.
 */
import mqtt from 'mqtt';
import { beforeAll, expect, it } from 'vitest';
import { clusterFeature } from '../../cloud/cluster/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { edgeClientId, filters, topics } from '../../protocols/mqtt/topics.js';
import { silentLogger } from '../../runtime/logger.js';
import { makePositions, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { TestHaproxy } from '../support/haproxy.js';
import { startClusterServers } from '../support/cluster.js';
import type { TestInfluxd } from '../support/influxd.js';
import type { TestPostgres } from '../support/postgres.js';
import type { TestRedis } from '../support/redis.js';
import { scopeForFile } from '../support/scope.js';
import { waitFor } from '../support/wait.js';

const scope = scopeForFile();
const DATABASE = 'cluster_haproxy';
let influx: TestInfluxd;
let redis: TestRedis;
let postgres: TestPostgres;

beforeAll(async () => {
  ({ influx, redis, postgres } = await startClusterServers(scope));
});

async function startInstance(instanceId: string): Promise<Cloud> {
  const dataDir = await scope.use(tempDir(`haproxy-${instanceId}`), removeDir);
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database: DATABASE },
    ingest: { batchSize: 500, flushIntervalMs: 50 },
    dataDir,
    cluster: { redis: redis.redis.url, instanceId, leaseMs: 3000 },
    registry: { database: { url: postgres.url } },
  });
  const cloud = createCloud(config, { log: silentLogger(), features: [clusterFeature(config.cluster!)] });
  scope.defer(() => cloud.stop());
  await cloud.start();
  return cloud;
}

async function stored(): Promise<number> {
  const [row] = await influx.client.query<{ count: number }>('SELECT count(lat) FROM vessel_position', {
    database: DATABASE,
  });
  return row?.count ?? 0;
}

it('one address for edges, browsers and the API; an edge moves through it when its instance stops', async () => {
  const clouds = [await startInstance('lb-a'), await startInstance('lb-b')] as const;
  const dir = await scope.use(tempDir('haproxy'), removeDir);
  const balancer = new TestHaproxy(dir, [clouds[0].addresses, clouds[1].addresses]);
  await scope.use(balancer.start(), () => balancer.stop());

  // A browser: MQTT over WebSocket through the balancer hears what the edge publishes.
  const browser = await mqtt.connectAsync(balancer.wsUrl, { clientId: 'dashboard-lb', reconnectPeriod: 0 });
  scope.defer(() => browser.endAsync(true));
  let heard = 0;
  browser.on('message', () => heard++);
  await browser.subscribeAsync(filters.allEdges, { qos: 0 });

  const edgeId = 'edge-lb';
  // Which instance the balancer gave the edge: each instance's bus says who connected to it.
  let edgeOn: Cloud | undefined;
  for (const cloud of clouds)
    cloud.bus.on('clientConnected', ({ clientId }) => {
      if (clientId === edgeClientId(edgeId)) edgeOn = cloud;
    });
  const edge = await mqtt.connectAsync(balancer.url, {
    clientId: edgeClientId(edgeId),
    clean: false,
    reconnectPeriod: 200,
  });
  scope.defer(() => edge.endAsync(true));
  let seq = 0;
  const publish = () =>
    edge.publishAsync(
      topics.vesselPositions(edgeId),
      JSON.stringify({
        edgeId,
        seq: seq++,
        positions: makePositions(10, { startTs: 1_767_225_600_000 + seq * 60_000 }),
      }),
      { qos: 1 },
    );
  await publish();
  await waitFor(async () => (await stored()) === 10, 20_000, 'the first batch stored');
  await waitFor(() => heard >= 1, 20_000, 'the browser to hear it');

  // The instance the edge landed on stops; the edge comes back through the same address, on the other one.
  const stopped = await waitFor(() => edgeOn, 20_000, 'the edge on an instance');
  const survivor = stopped === clouds[0] ? clouds[1] : clouds[0];
  const reconnected = new Promise<void>((resolve) => edge.once('connect', () => resolve()));
  await stopped.stop();
  await reconnected;
  await waitFor(() => edgeOn === survivor, 20_000, 'the edge on the other instance');
  await publish();
  await waitFor(async () => (await stored()) === 20, 20_000, 'the batch after the move stored');

  // The API through the balancer answers from the survivor.
  const health = await waitFor(
    async () => {
      const response = await fetch(`${balancer.httpUrl}/health`);
      const body = (await response.json()) as { features?: { cluster?: { instance: string } } };
      return response.ok && body.features?.cluster?.instance === survivor.config.cluster!.instanceId && body;
    },
    20_000,
    "the survivor's /health through the balancer",
  );
  expect(health.features?.cluster?.instance).toBe(survivor.config.cluster!.instanceId);
});
