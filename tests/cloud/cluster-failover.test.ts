/**
 * Failover with real parts: redis-server, influxd, two `lookout cloud` processes in cluster mode, the real
 * `lookout sim edges` process with a few hundred edges spread over both (each edge moves to the other URL when its
 * broker dies), `kill -9` of the leader, then of the standby, mid-run. Every position the simulator saw
 * acknowledged is stored exactly once (the killed instance replays its journal when it comes back), a fire alert
 * and a vessel entering a closed area, both sent after the kill by an edge as deployed (disk outbox and MQTT
 * uplink), are each alarmed once and notified once; the failover time and what a lost disk would have cost (the
 * acknowledged positions only in the killed instance's journal) are printed (never asserted).
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
import type { EdgeFleetSummary } from '../../simulators/edges/edge-fleet.js';
import { WebhookReceiver } from '../../simulators/notifications/webhook-receiver.js';
import { metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { startClusterServers } from '../support/cluster.js';
import type { TestInfluxd } from '../support/influxd.js';
import type { TestPostgres } from '../support/postgres.js';
import type { TestRedis } from '../support/redis.js';
import { scopeForFile } from '../support/scope.js';
import { waitFor } from '../support/wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scope = scopeForFile();
/** Simulated edges (`lookout sim edges`), half starting on each instance. */
const SIM_EDGES = 240;
/** Each reports this many positions at `SIM_RATE` per second: the run lasts about 12 s, the kill comes 2-3 s in. */
const POSITIONS_PER_EDGE = 48;
const SIM_RATE = 4;
const WITNESS_POSITIONS = 5;
let influx: TestInfluxd;
let redis: TestRedis;
let postgres: TestPostgres;
const receiver = new WebhookReceiver();

beforeAll(async () => {
  const [servers] = await Promise.all([
    startClusterServers(scope),
    scope.use(receiver.start(), () => receiver.stop()),
  ]);
  ({ influx, redis, postgres } = servers);
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

/** A progress line of `lookout sim edges` (pino JSON on stderr): the summary so far, with its time. */
type SimProgress = EdgeFleetSummary & { time: number; msg: string };

/**
 * The real `lookout sim edges` process with both instances' URLs (edge i starts on urls[i % 2]), each edge
 * reporting `POSITIONS_PER_EDGE` positions; it exits once all are acknowledged and prints its summary as JSON.
 */
async function startSimEdges(urls: string[], database: string) {
  const dir = await scope.use(tempDir(`sim-edges-${database}`), removeDir);
  const configFile = path.join(dir, 'lookout.yaml');
  await writeFile(
    configFile,
    stringify({
      simulators: {
        edges: {
          urls,
          count: SIM_EDGES,
          idPrefix: `${database.replace(/_/g, '-')}-sim-`,
          seed: 15,
          positionsPerEdge: POSITIONS_PER_EDGE,
          positionsPerSecond: SIM_RATE,
          rampUpS: 2,
          vesselsPerEdge: 4,
          batchIntervalMs: 500,
          healthIntervalS: 10,
          progressIntervalS: 0.25,
          credentials: { source: 'none' },
        },
      },
    }),
  );
  const child = spawn(
    process.execPath,
    [path.join(root, 'cli/lookout.js'), 'sim', 'edges', '--config', configFile, '--json'],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  scope.defer(() => void child.kill('SIGKILL'));
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const progress = (): SimProgress[] =>
    output.stderr
      .split('\n')
      .slice(0, -1) // the last piece is an unfinished line or ''
      .filter((line) => line.includes('"brokers"'))
      .map((line) => JSON.parse(line) as SimProgress);
  return {
    progress,
    /** The final summary, once the process has exited (every position acknowledged). */
    async summary(): Promise<EdgeFleetSummary> {
      const code = await exited;
      expect(code, output.stderr.slice(-3000)).toBe(0);
      return JSON.parse(output.stdout.trim()) as EdgeFleetSummary;
    },
  };
}

/** An edge as deployed: disk outbox and MQTT uplink with both instances' URLs, the first tried first. */
async function startEdge(edgeId: string, mmsi: number, urls: string[]) {
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
      const positions = Array.from({ length: WITNESS_POSITIONS }, (_, i) => ({
        mmsi,
        ts: 1_767_225_600_000 + (seq * WITNESS_POSITIONS + i) * 1000,
        lat: 8.6,
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
  try {
    await killMidRun(a, b, victim, database);
  } finally {
    // Both stop, also when a check failed: the next run's first instance must take the lease.
    await a.kill();
    await b.kill();
  }
}

async function killMidRun(a: Instance, b: Instance, victim: 'leader' | 'standby', database: string) {
  await a.start();
  await waitFor(() => leads(a), 30_000, 'cloud-a to lead');
  await b.start();
  const [leader, standby] = [a, b];
  const [killed, survivor] = victim === 'leader' ? [leader, standby] : [standby, leader];
  const killedIndex = killed === a ? 0 : 1;

  // Witnesses, one first on each instance: the one on the killed instance sends the fire alert after the kill.
  const witnesses = await Promise.all([
    startEdge(`${database}-w0`, 574_900_000, [a.mqtt, b.mqtt]),
    startEdge(`${database}-w1`, 574_900_001, [b.mqtt, a.mqtt]),
  ]);
  const witness = witnesses[killedIndex]!;
  await waitFor(() => witnesses.every((w) => w.uplink.connected), 30_000, 'the witness edges connected');

  const sim = await startSimEdges([a.mqtt, b.mqtt], database);
  const total = SIM_EDGES * POSITIONS_PER_EDGE;
  // Mid-run: every edge started and positions acknowledged on both instances (the summary's `moved` below shows
  // the killed instance still had its edges when it died).
  const before = await waitFor(
    () => {
      const last = sim.progress().at(-1);
      return (
        last !== undefined &&
        last.started === SIM_EDGES &&
        last.brokers.every((broker) => broker.positionsAcked > 0) &&
        last
      );
    },
    60_000,
    'sim edges acknowledged on both instances',
  );
  await killed.kill();
  const killedAt = Date.now();

  await waitFor(() => leads(survivor), 60_000, 'the survivor to lead');
  const failoverMs = Date.now() - killedAt;
  // Every edge connected again, all on the survivor: from the simulator's own progress lines (every 250 ms).
  const allMoved = await waitFor(
    () =>
      sim
        .progress()
        .find(
          (line) =>
            line.time > killedAt &&
            line.connected === SIM_EDGES &&
            line.brokers[killedIndex]!.connected === 0,
        ),
    60_000,
    'every sim edge connected to the survivor',
  );

  // A fire after the kill, seen by an edge that was on the killed instance (now on the survivor).
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
  // A scripted violation after the kill, heard through the same edge: a vessel into the Hòn Khoai closed area
  // (centre 104.83 E 8.43 N, 5 km), its last position inside.
  const intruder = 574_900_009;
  const now = Date.now();
  const violation = [
    { lon: 104.75, lat: 8.33, ts: now - 60_000 },
    { lon: 104.79, lat: 8.38, ts: now - 40_000 },
    { lon: 104.83, lat: 8.43, ts: now - 20_000 },
  ].map((p) => ({ mmsi: intruder, sog: 5, cog: 45, msgType: 1, ...p }));
  witness.outbox.enqueue(
    'telemetry',
    topics.vesselPositions(witness.edgeId),
    JSON.stringify({ edgeId: witness.edgeId, seq: 1_000, positions: violation }),
  );
  let witnessPositions = violation.length;
  for (const w of witnesses) witnessPositions += w.sendBatch();
  await waitFor(
    () => witnesses.every((w) => w.outbox.stats.messages === 0),
    60_000,
    'the witnesses acknowledged',
  );

  const summary = await sim.summary();
  expect(summary.positions).toMatchObject({ generated: total, acked: total, dropped: 0, undelivered: 0 });
  expect(summary).toMatchObject({ refused: 0, invalid: 0 });
  // Each edge of the killed instance moved to the survivor; none is left on the killed one.
  expect(summary.moved).toBeGreaterThanOrEqual(SIM_EDGES / 2);
  expect(summary.brokers[killedIndex]!.edges).toBe(0);
  expect(summary.brokers[1 - killedIndex]!.edges).toBe(SIM_EDGES);
  expect(summary.brokers.every((broker) => broker.positionsAcked > 0)).toBe(true);

  // What a lost machine (its disk gone, not only its process) would have cost: once the survivor has stored
  // everything it acknowledged, the positions missing from InfluxDB are only in the killed instance's journal.
  const expected = summary.positions.acked + witnessPositions;
  await waitFor(
    async () => {
      const metrics = await (await fetch(`${survivor.http}/metrics`)).text();
      return metricValue(metrics, 'lookout_cloud_buffer_disk_messages') === 0;
    },
    60_000,
    "the survivor's journal stored",
  );
  const onlyInKilledJournal = expected - (await storedPositions(database));

  // The killed instance comes back (a killed process, not a lost disk): its journal replays what it had
  // acknowledged but not written; then every acknowledged position is in InfluxDB, once.
  await killed.start();
  await waitFor(
    async () => (await storedPositions(database)) === expected,
    60_000,
    `all ${expected} positions stored`,
  );
  const fireAlarms = async () =>
    ((await (await fetch(`${survivor.http}/api/v1/alarms?type=fire`)).json()) as { alarms: Alarm[] }).alarms;
  await waitFor(async () => (await fireAlarms()).length === 1, 30_000, 'the fire alarm');
  const fireId = (await fireAlarms())[0]!.id;
  const notified = () =>
    receiver.received.map((request) => (JSON.parse(request.body) as { alarm: Alarm }).alarm.id);
  await waitFor(() => notified().includes(fireId), 30_000, 'the fire notification');
  expect(await fireAlarms()).toHaveLength(1);
  // Other alarms may be notified too (created, then escalated); no notification twice, the fire once.
  const notificationIds = receiver.received.map((request) => (JSON.parse(request.body) as { id: string }).id);
  expect(new Set(notificationIds).size).toBe(notificationIds.length);
  expect(notified().filter((id) => id === fireId)).toHaveLength(1);
  // The violation: one alarm, counted once, notified once.
  const closedArea = async () =>
    (
      (await (await fetch(`${survivor.http}/api/v1/alarms?type=closed_area`)).json()) as { alarms: Alarm[] }
    ).alarms.filter((alarm) => alarm.originator === `vessel:${intruder}`);
  const [violationAlarm] = await waitFor(
    async () => {
      const found = await closedArea();
      return found.length > 0 && found;
    },
    30_000,
    'the closed-area alarm',
  );
  await waitFor(() => notified().includes(violationAlarm!.id), 30_000, 'the closed-area notification');
  expect(await closedArea()).toMatchObject([{ id: violationAlarm!.id, count: 1 }]);
  expect(notified().filter((id) => id === violationAlarm!.id)).toHaveLength(1);
  expect(await storedPositions(database)).toBe(expected);
  console.log(
    `kill -9 of the ${victim}: ${SIM_EDGES} sim edges + 2 witnesses, ${expected} positions stored once ` +
      `(${before.positions.acked} acknowledged before the kill, ${summary.positions.resent} resent after it); ` +
      `the survivor led ${failoverMs} ms after the kill (leaseMs 3000); ${summary.moved} edges moved, all ` +
      `connected to the survivor by ${allMoved.time - killedAt} ms after the kill (progress every 250 ms); ` +
      `PUBACK p50 ${summary.pubackMs.p50} ms p99 ${summary.pubackMs.p99} ms max ${summary.pubackMs.max} ms over the run; ` +
      `${onlyInKilledJournal} acknowledged positions were only in the killed instance's journal (a lost disk's cost)`,
  );
}

it('kill -9 of the leader: positions stored once; a fire and a closed-area entry after it alarmed and notified once', () =>
  killOneMidRun('leader', 'failover_leader'));

it('kill -9 of the standby: the same, the leader keeps the lead', () =>
  killOneMidRun('standby', 'failover_standby'));
