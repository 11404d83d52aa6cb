/**
 * Cluster benchmark (not a test): acknowledged positions/s and PUBACK latency of real `lookout cloud` processes,
 * in one run: (1) one instance, no cluster; (2) one instance in cluster mode (the Redis hop: aedes' emitter and
 * persistence on Redis); (3) two instances in cluster mode, the edges spread over both. Each phase starts its own
 * processes (fresh data folders) on a shared influxd and redis-server (and, in cluster mode, the PostgreSQL server
 * the registry must be on), and stops them after.
 *
 *   npx tsx cloud/bench/cluster-bench.ts [--edges 40] [--seconds 15] [--per-message 20] [--window 4]
 *
 * Each simulated edge publishes QoS 1 batches of `--per-message` positions, `--window` unacknowledged at a time,
 * for `--seconds`; latency is PUBLISH to PUBACK. On a 2-core machine two instances share the cores with the edges,
 * influxd and Redis: the figure says what the cluster costs here, not what two machines would give.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { topics } from '../../protocols/mqtt/topics.js';
import { LocalPostgres } from '../../runtime/local-postgres.js';
import { freePort } from '../../runtime/ports.js';
import { LocalRedis } from '../cluster/local-redis.js';
import { LocalInfluxd } from '../influxdb/local-influxd.js';

const { values: args } = parseArgs({
  options: {
    edges: { type: 'string', default: '40' },
    seconds: { type: 'string', default: '15' },
    'per-message': { type: 'string', default: '20' },
    window: { type: 'string', default: '4' },
  },
});
const EDGES = Number(args.edges);
const SECONDS = Number(args.seconds);
const PER_MESSAGE = Number(args['per-message']);
const WINDOW = Number(args.window);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Instance {
  mqtt: string;
  http: string;
  child: ChildProcess;
}

async function startInstance(
  dir: string,
  name: string,
  influxPort: number,
  shared?: { redis: string; postgres: string },
): Promise<Instance> {
  const [mqttPort, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = path.join(dir, name);
  const cloud = {
    mqtt: { port: mqttPort, wsPort, limits: { publishesPerSecond: 10_000, publishBurst: 10_000 } },
    http: { port: httpPort },
    influx: { port: influxPort, database: 'bench' },
    dataDir,
    ...(shared
      ? {
          cluster: { redis: shared.redis, instanceId: name },
          registry: { database: { url: shared.postgres } },
        }
      : {}),
  };
  const configFile = path.join(dir, `${name}.yaml`);
  await writeFile(configFile, stringify({ cloud }));
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'cli/lookout.js'), 'cloud', '--config', configFile],
    {
      cwd: ROOT,
      stdio: 'ignore',
    },
  );
  const http = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`${http}/health`).then(
      (response) => response.status < 500 || response.status === 503,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${name} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { mqtt: `mqtt://127.0.0.1:${mqttPort}`, http, child };
}

async function stopInstance(instance: Instance): Promise<void> {
  const exited = new Promise((resolve) => instance.child.once('exit', resolve));
  instance.child.kill('SIGTERM');
  await exited;
}

function batch(edgeId: string, seq: number): string {
  const ts = 1_767_225_600_000 + seq * 1000;
  const positions = Array.from({ length: PER_MESSAGE }, (_, i) => ({
    mmsi: 574_000_000 + (Number(edgeId.slice(5)) * PER_MESSAGE + i),
    ts,
    lat: 8.5 + i * 0.001,
    lon: 104.6 + (seq % 1000) * 0.0001,
    sog: 5,
    cog: 90,
    msgType: 1,
  }));
  return JSON.stringify({ edgeId, seq, positions });
}

/** Runs the edges for SECONDS against the instances (round robin); PUBACK latencies in ms. */
async function load(instances: Instance[]): Promise<{ acked: number; latencies: number[] }> {
  const latencies: number[] = [];
  let acked = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: EDGES }, async (_, index) => {
      const edgeId = `bench${index}`;
      const client = await mqtt.connectAsync(instances[index % instances.length]!.mqtt, {
        clientId: `lookout-edge-${edgeId}`,
        reconnectPeriod: 0,
      });
      let seq = 0;
      const lane = async () => {
        while (Date.now() < end) {
          const payload = batch(edgeId, seq++);
          const sent = performance.now();
          await client.publishAsync(topics.vesselPositions(edgeId), payload, { qos: 1 });
          latencies.push(performance.now() - sent);
          acked += PER_MESSAGE;
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, lane));
      await client.endAsync();
    }),
  );
  return { acked, latencies };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lookout-cluster-bench-'));
  const influxd = new LocalInfluxd({ dir: path.join(dir, 'influxdb') });
  const redis = new LocalRedis({ dir: path.join(dir, 'redis') });
  // Not inside `dir`: under root PostgreSQL runs as the postgres user, and mkdtemp's folder is closed to it.
  const postgresDir = await mkdtemp(path.join(tmpdir(), 'lookout-cluster-bench-postgres-'));
  const postgres = new LocalPostgres({ dir: postgresDir });
  const rows: string[] = [];
  try {
    await Promise.all([influxd.start(), redis.start(), postgres.start()]);
    const shared = { redis: redis.url, postgres: postgres.url };
    const phases: Array<{ name: string; instances: number; cluster: boolean; warmUp?: true }> = [
      // Not reported: the first phase otherwise also pays for influxd's first shard and the JIT.
      { name: 'warm-up', instances: 1, cluster: false, warmUp: true },
      { name: 'one instance, no cluster', instances: 1, cluster: false },
      { name: 'one instance, cluster mode (Redis)', instances: 1, cluster: true },
      { name: 'two instances, cluster mode', instances: 2, cluster: true },
    ];
    for (const [n, phase] of phases.entries()) {
      const instances: Instance[] = [];
      try {
        for (let i = 0; i < phase.instances; i++)
          instances.push(
            await startInstance(dir, `p${n}-i${i}`, influxd.port, phase.cluster ? shared : undefined),
          );
        const { acked, latencies } = await load(instances);
        latencies.sort((a, b) => a - b);
        const row = `| ${phase.name} | ${Math.round(acked / SECONDS)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${latencies.length} |`;
        console.log(row);
        if (!phase.warmUp) rows.push(row);
      } finally {
        for (const instance of instances) await stopInstance(instance);
      }
    }
  } finally {
    await influxd.stop();
    await redis.stop();
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(postgresDir, { recursive: true, force: true });
  }
  console.log(
    [
      '',
      `${EDGES} edges, ${WINDOW} in flight each, ${PER_MESSAGE} positions per PUBLISH, ${SECONDS} s per phase`,
      '| run | acknowledged positions/s | PUBACK p50 ms | PUBACK p99 ms | PUBLISHes |',
      '|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
}

await main();
