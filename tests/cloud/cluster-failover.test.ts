/**
 * Failover with real parts: redis-server, influxd, two `lookout cloud` processes in cluster mode, a few hundred
 * edges (the edge's own disk outbox and MQTT uplink, with both instances' URLs, spread over both), `kill -9` of
 * the leader mid-run. Every acknowledged position is stored exactly once (the killed instance replays its
 * journal when it comes back), a fire alert sent after the kill is alarmed once and notified once, and the
 * failover time is printed (never asserted).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createEdgeBus } from '../../edge/events.js';
import { DiskOutbox } from '../../edge/outbox/outbox.js';
import { MqttUplink } from '../../edge/uplink/mqtt-uplink.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { freePort } from '../../runtime/ports.js';
import { WebhookReceiver } from '../../simulators/notifications/webhook-receiver.js';
import { removeDir, tempDir } from '../support/cloud-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { scopeForFile } from '../support/scope.js';
import { waitFor } from '../support/wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scope = scopeForFile();
const EDGES = 200;
const POSITIONS_PER_BATCH = 5;
let influx: TestInfluxd;
let redis: TestRedis;
let postgres: TestPostgres;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  [influx, redis] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    scope.use(startTestRedis(), (started) => started.cleanup()),
    scope.use(receiver.start(), () => receiver.stop()),
  ]);
  postgres = await startTestPostgres(scope);
});

interface Instance {
  name: string;
  mqtt: string;
  http: string;
  start(): Promise<void>;
  kill(): Promise<void>;
}

/** A `lookout cloud` process in cluster mode; `start` again after `kill` keeps its ports and data (journal). */
async function cloudProcess(name: string, database: string): Promise<Instance> {
  const dir = await scope.use(tempDir(`cluster-${name}`), removeDir);
  const [mqttPort, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const configFile = path.join(dir, 'lookout.yaml');
  await writeFile(
    configFile,
    stringify({
      cloud: {
        mqtt: { port: mqttPort, wsPort },
        http: { port: httpPort },
        influx: { host: influx.influxd.host, port: influx.influxd.port, database },
        dataDir: path.join(dir, 'data'),
        cluster: { redis: redis.redis.url, instanceId: name, leaseMs: 3000 },
        registry: { database: { url: postgres.url } },
        notify: { webhooks: [{ name: 'rangers', url: receiver.url, format: 'json' }] },
      },
    }),
  );
  let child: ChildProcess | undefined;
  const http = `http://127.0.0.1:${httpPort}`;
  const instance: Instance = {
    name,
    mqtt: `mqtt://127.0.0.1:${mqttPort}`,
    http,
    async start() {
      const started = spawn(
        process.execPath,
        [path.join(root, 'cli/lookout.js'), 'cloud', '--config', configFile],
        {
          cwd: root,
          stdio: 'ignore',
        },
      );
      child = started;
      await waitFor(async () => (await fetch(`${http}/health`)).status > 0, 60_000, `${name} to answer`);
    },
    async kill() {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
  };
  scope.defer(() => instance.kill());
  return instance;
}

async function leads(instance: Instance): Promise<boolean> {
  const health = (await (await fetch(`${instance.http}/health`)).json()) as {
    features?: { cluster?: { leader: boolean } };
  };
  return health.features?.cluster?.leader === true;
}

/** An edge as deployed: disk outbox and MQTT uplink with both instances' URLs, `first` tried first. */
async function startEdge(index: number, urls: string[]) {
  const dir = mkdtempSync(path.join(tmpdir(), 'lookout-failover-edge-'));
  scope.defer(() => rmSync(dir, { recursive: true, force: true }));
  const bus = createEdgeBus();
  const log = silentLogger();
  const registry = createMetricsRegistry('edge-test', false);
  const outbox = new DiskOutbox(
    { dir, maxBytes: 8 << 20, whenFull: 'drop-oldest-telemetry' },
    { log, registry, onAppended: (seq) => bus.emit('outbox.appended', { seq }) },
  );
  await outbox.start();
  scope.defer(() => outbox.stop());
  const edgeId = `fo-${index}`;
  const uplink = new MqttUplink(
    {
      edgeId,
      url: urls[0]!,
      urls,
      keepaliveS: 5,
      connectTimeoutMs: 2000,
      reconnect: { minMs: 100, maxMs: 1000 },
      maxInFlight: 4,
      version: 'test',
    },
    { outbox, bus, log, registry },
  );
  await uplink.start();
  scope.defer(() => uplink.stop());
  let seq = 0;
  return {
    edgeId,
    outbox,
    uplink,
    /** Enqueues one batch of positions of this edge's own vessel; returns how many positions. */
    sendBatch(): number {
      const positions = Array.from({ length: POSITIONS_PER_BATCH }, (_, i) => ({
        mmsi: 574_500_000 + index,
        ts: 1_767_225_600_000 + (seq * POSITIONS_PER_BATCH + i) * 1000,
        lat: 8.6 + index * 0.001,
        lon: 104.7 + i * 0.0001,
        sog: 4,
        cog: 90,
        msgType: 1,
      }));
      outbox.enqueue(
        'telemetry',
        topics.vesselPositions(edgeId),
        JSON.stringify({ edgeId, seq: seq++, positions }),
      );
      return positions.length;
    },
  };
}

async function storedPositions(database: string): Promise<number> {
  const [row] = await influx.client.query<{ count: number }>('SELECT count(lat) FROM vessel_position', {
    database,
  });
  return row?.count ?? 0;
}

/** Two instances, edges on both, `kill -9` of one mid-run; then the checks of the file's comment. */
async function killOneMidRun(victim: 'leader' | 'standby', database: string): Promise<void> {
  receiver.received.splice(0);
  const a = await cloudProcess(`${database}-a`, database);
  const b = await cloudProcess(`${database}-b`, database);
  await a.start();
  await waitFor(() => leads(a), 30_000, 'cloud-a to lead');
  await b.start();
  const [leader, standby] = [a, b];

  const edges = await Promise.all(
    Array.from({ length: EDGES }, (_, index) =>
      startEdge(index, index % 2 === 0 ? [leader.mqtt, standby.mqtt] : [standby.mqtt, leader.mqtt]),
    ),
  );
  await waitFor(() => edges.every((edge) => edge.uplink.connected), 60_000, 'every edge connected');
  let sent = 0;
  const round = () => {
    for (const edge of edges) sent += edge.sendBatch();
  };
  for (let i = 0; i < 3; i++) round();
  await waitFor(
    () => edges.every((edge) => edge.outbox.stats.messages === 0),
    60_000,
    'the first rounds acknowledged',
  );

  // Mid-run: batches in flight on both instances when the leader dies.
  round();
  const [killed, survivor] = victim === 'leader' ? [leader, standby] : [standby, leader];
  await killed.kill();
  const killedAt = Date.now();
  round();
  await waitFor(() => leads(survivor), 60_000, 'the survivor to lead');
  const failoverMs = Date.now() - killedAt;

  // A fire after the kill, seen by an edge that was on the killed instance (now on the survivor).
  const witness = edges[victim === 'leader' ? 0 : 1]!;
  const fire: FireAlert = {
    edgeId: witness.edgeId,
    cameraId: 'cam-1',
    alertId: 'cam-1-failover-1',
    event: 'new',
    className: 'smoke',
    confidence: 0.9,
    boxes: [{ x1: 0.1, y1: 0.2, x2: 0.3, y2: 0.5, score: 0.9 }],
    firstSeenTs: Date.now(),
    ts: Date.now(),
    camera: { position: { lat: 9.24, lon: 104.93 } },
  };
  witness.outbox.enqueue('alert', topics.fireAlert(witness.edgeId), JSON.stringify(fire));
  round();
  await waitFor(
    () => edges.every((edge) => edge.outbox.stats.messages === 0),
    60_000,
    'everything acknowledged',
  );
  const switchedMs = Date.now() - killedAt;

  // The killed instance comes back (a killed process, not a lost disk): its journal replays what it had
  // acknowledged but not written; then every acknowledged position is in InfluxDB, once.
  await killed.start();
  await waitFor(
    async () => (await storedPositions(database)) === sent,
    60_000,
    `all ${sent} positions stored`,
  );
  const fireAlarms = async () =>
    ((await (await fetch(`${survivor.http}/api/v1/alarms?type=fire`)).json()) as { alarms: Alarm[] }).alarms;
  await waitFor(async () => (await fireAlarms()).length === 1, 30_000, 'the fire alarm');
  const fireId = (await fireAlarms())[0]!.id;
  const notified = () =>
    receiver.received.map((request) => (JSON.parse(request.body) as { alarm: Alarm }).alarm.id);
  await waitFor(() => notified().includes(fireId), 30_000, 'the fire notification');
  expect(await fireAlarms()).toHaveLength(1);
  // Other alarms may be notified too (an edge that moved can look silent for a moment); none twice, the fire once.
  expect(notified().filter((id) => id === fireId)).toHaveLength(1);
  expect(notified().filter((id, i, all) => all.indexOf(id) !== i)).toEqual([]);
  expect(await storedPositions(database)).toBe(sent);
  console.log(
    `kill -9 of the ${victim}: ${EDGES} edges, ${sent} positions; the survivor led ${failoverMs} ms after the ` +
      `kill (leaseMs 3000), every edge acknowledged again after ${switchedMs} ms`,
  );
  // Both stop: the next run's first instance takes the lease.
  await a.kill();
  await b.kill();
}

it('kill -9 of the leader: positions stored once, a fire alert after it alarmed and notified once', () =>
  killOneMidRun('leader', 'failover_leader'));

it('kill -9 of the standby: the same, the leader keeps the lead', () =>
  killOneMidRun('standby', 'failover_standby'));
