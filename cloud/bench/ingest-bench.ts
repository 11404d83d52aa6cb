/**
 * Ingest benchmark (not a test): simulated edges publish position batches over MQTT (QoS 1) as fast as the
 * cloud acknowledges them; we measure the sustained rate of points written to InfluxDB end to end, next to
 * the raw ceiling measured in the same run (before and after it; the better one counts): the same number of
 * points written straight to InfluxDB as line protocol in large batches over one connection.
 *
 *   npx tsx cloud/bench/ingest-bench.ts [--points 200000] [--edges 4] [--per-message 500] [--window 8]
 *                                        [--influx-batch 5000] [--fsync always|never] [--raw-batch 5000]
 *
 * It starts its own influxd (temp folder, free port) and its own cloud, and removes both at the end.
 * Payloads are serialised before the clock starts, so the publishers cost little CPU next to the cloud.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { topics } from '../../protocols/mqtt/topics.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { createLogger, silentLogger } from '../../runtime/logger.js';
import { cloudConfig, createCloud } from '../core.js';
import { LocalInfluxd } from '../influxdb/local-influxd.js';

const { values: args } = parseArgs({
  options: {
    points: { type: 'string', default: '200000' },
    edges: { type: 'string', default: '4' },
    'per-message': { type: 'string', default: '500' },
    window: { type: 'string', default: '8' },
    'influx-batch': { type: 'string', default: '5000' },
    'raw-batch': { type: 'string', default: '5000' },
    fsync: { type: 'string', default: 'always' },
  },
});
const totalPoints = Number(args.points);
const edges = Number(args.edges);
const perMessage = Number(args['per-message']);
const window = Number(args.window);
const influxBatch = Number(args['influx-batch']);
const rawBatch = Number(args['raw-batch']);
const fsync = args.fsync === 'never' ? 'never' : 'always';
const VESSELS = 1000;
const START_TS = 1_767_225_600_000;

function position(i: number): VesselPosition {
  const vessel = i % VESSELS;
  const step = Math.floor(i / VESSELS);
  return {
    mmsi: 574_000_000 + vessel,
    ts: START_TS + step * 1000,
    lat: 8.5 + vessel * 0.0005 + step * 0.00001,
    lon: 104.6 + vessel * 0.0005 - step * 0.00001,
    sog: (vessel % 120) / 10,
    cog: (vessel * 7 + step) % 360,
    heading: (vessel * 7 + step) % 360,
    navStatus: 0,
    msgType: vessel % 4 === 0 ? 18 : 1,
  };
}

function lineOf(p: VesselPosition, edgeId: string): string {
  return `vessel_position,mmsi=${p.mmsi} lat=${p.lat},lon=${p.lon},sog=${p.sog},cog=${p.cog},heading=${p.heading}i,nav_status=${p.navStatus}i,msg_type=${p.msgType}i,edge="${edgeId}" ${p.ts}`;
}

async function query(influxd: LocalInfluxd, database: string, q: string): Promise<unknown> {
  const response = await fetch(`${influxd.url}/query?db=${database}&q=${encodeURIComponent(q)}`);
  return response.json();
}

async function countPoints(influxd: LocalInfluxd, database: string): Promise<number> {
  const result = (await query(influxd, database, 'SELECT count(lat) FROM vessel_position')) as {
    results: Array<{ series?: Array<{ values: Array<[string, number]> }> }>;
  };
  return result.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
}

async function rawCeiling(influxd: LocalInfluxd, database: string): Promise<number> {
  await fetch(`${influxd.url}/query?q=${encodeURIComponent(`CREATE DATABASE ${database}`)}`, {
    method: 'POST',
  });
  const bodies: string[] = [];
  for (let i = 0; i < totalPoints; i += rawBatch) {
    const lines: string[] = [];
    for (let j = i; j < Math.min(totalPoints, i + rawBatch); j++) lines.push(lineOf(position(j), 'raw'));
    bodies.push(lines.join('\n'));
  }
  const t0 = performance.now();
  for (const body of bodies) {
    const response = await fetch(`${influxd.url}/write?db=${database}&precision=ms`, {
      method: 'POST',
      body,
    });
    if (response.status !== 204)
      throw new Error(`raw write failed: ${response.status} ${await response.text()}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const stored = await countPoints(influxd, database);
  if (stored !== totalPoints)
    throw new Error(`${database}: ${stored} points stored, expected ${totalPoints}`);
  return totalPoints / seconds;
}

async function endToEnd(influxd: LocalInfluxd, dataDir: string) {
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influxd.host, port: influxd.port, database: 'e2e' },
    ingest: { batchSize: influxBatch, flushIntervalMs: 200 },
    buffer: { fsync, memoryPoints: Math.max(50_000, influxBatch * 4) },
    dataDir,
  });
  const cloud = createCloud(config, {
    log: process.env.BENCH_LOG ? createLogger('bench-cloud') : silentLogger(),
  });
  await cloud.start();

  // Each edge gets its share of the points as pre-serialised messages.
  const messages: string[][] = Array.from({ length: edges }, () => []);
  let seq = 0;
  for (let i = 0, m = 0; i < totalPoints; i += perMessage, m++) {
    const edge = m % edges;
    const positions: VesselPosition[] = [];
    for (let j = i; j < Math.min(totalPoints, i + perMessage); j++) positions.push(position(j));
    messages[edge]!.push(JSON.stringify({ edgeId: `bench-${edge}`, seq: seq++, positions }));
  }
  const clients = await Promise.all(
    messages.map((_, edge) =>
      mqtt.connectAsync(cloud.addresses.mqtt, { clientId: `bench-${edge}`, reconnectPeriod: 0 }),
    ),
  );

  // A publisher that loses its connection would wait for PUBACKs forever: fail loudly instead.
  let finished = false;
  const connectionLost = new Promise<never>((_, reject) => {
    for (const client of clients)
      client.on(
        'close',
        () => finished || reject(new Error(`${client.options.clientId} lost its connection`)),
      );
  });
  const written = async () =>
    (await cloud.metrics.pointsWritten.get()).values.reduce((sum, v) => sum + v.value, 0);
  const t0 = performance.now();
  let ackedAt = 0;
  const publishing = clients.map(async (client, edge) => {
    const topic = topics.vesselPositions(`bench-${edge}`);
    const queue = messages[edge]!;
    let next = 0;
    // `window` messages in flight per edge, like an outbox sender waiting for PUBACKs.
    await Promise.all(
      Array.from({ length: window }, async () => {
        while (next < queue.length) {
          const payload = queue[next++]!;
          await client.publishAsync(topic, payload, { qos: 1 });
        }
      }),
    );
  });
  await Promise.race([Promise.all(publishing), connectionLost]);
  ackedAt = performance.now();
  let last = -1;
  let lastChange = performance.now();
  for (let now = await written(); now < totalPoints; now = await written()) {
    if (now !== last) [last, lastChange] = [now, performance.now()];
    if (performance.now() - lastChange > 20_000) {
      throw new Error(
        `no progress for 20 s at ${now} points written: ${JSON.stringify(await cloud.health())}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const doneAt = performance.now();

  finished = true;
  await Promise.all(clients.map((client) => client.endAsync()));
  const metricsText = await cloud.registry.metrics();
  await cloud.stop();
  const stored = await countPoints(influxd, 'e2e');
  if (stored !== totalPoints) throw new Error(`end to end: ${stored} points stored, expected ${totalPoints}`);
  const journalMaxBytes = /lookout_cloud_buffer_disk_bytes\{[^}]*\} (\d+)/.exec(metricsText)?.[1];
  return {
    ackedPerSecond: totalPoints / ((ackedAt - t0) / 1000),
    writtenPerSecond: totalPoints / ((doneAt - t0) / 1000),
    seconds: (doneAt - t0) / 1000,
    journalBytesAtEnd: Number(journalMaxBytes ?? 0),
  };
}

const dir = await mkdtemp(path.join(tmpdir(), 'lookout-bench-'));
const influxd = new LocalInfluxd({ dir: path.join(dir, 'influxd') });
try {
  await influxd.start();
  console.log(
    `ingest benchmark: ${totalPoints} positions, ${edges} edges, ${perMessage} positions/message, window ${window}, ` +
      `cloud batch ${influxBatch}, fsync ${fsync}, raw batch ${rawBatch}`,
  );
  // The raw ceiling is measured before and after the end-to-end run (the machine is shared; the better one counts).
  const rawBefore = await rawCeiling(influxd, 'raw_before');
  const e2e = await endToEnd(influxd, path.join(dir, 'cloud'));
  const rawAfter = await rawCeiling(influxd, 'raw_after');
  const raw = Math.max(rawBefore, rawAfter);
  console.log(
    `raw ceiling (line protocol, ${rawBatch}/request, 1 connection): ${Math.round(raw)} points/s (before ${Math.round(rawBefore)}, after ${Math.round(rawAfter)})`,
  );
  console.log(
    `end to end (MQTT QoS 1 -> journal -> InfluxDB):       ${Math.round(e2e.writtenPerSecond)} points/s (${e2e.seconds.toFixed(1)} s; acked ${Math.round(e2e.ackedPerSecond)} points/s)`,
  );
  console.log(`ratio end to end / raw: ${(e2e.writtenPerSecond / raw).toFixed(2)}`);
  console.log(`all ${totalPoints} points verified in InfluxDB (count) for every run`);
} finally {
  await influxd.stop();
  await rm(dir, { recursive: true, force: true });
}
