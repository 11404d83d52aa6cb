/**
 * QoS 1 PUBACK latency while the HTTP API takes a wrong-password flood (issue 13, item 1). Starts its own cloud
 * (fsync always, one scrypt operator, InfluxDB absent: the PUBACK needs only the journal), publishes 100-position
 * batches one at a time and records each PUBACK latency, first idle, then during 600 Basic-auth requests with bad
 * passwords, 64 at a time. `--lockout off` switches the login lockout off (a flood from many addresses).
 *
 *   npx tsx cloud/bench/auth-flood-bench.ts [--lockout on|off]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { topics } from '../../protocols/mqtt/topics.js';
import { freePort } from '../../runtime/ports.js';
import { cloudConfig, createCloud } from '../core.js';
import { hashPassword } from '../http/auth.js';

const lockout = process.argv.includes('--lockout')
  ? process.argv[process.argv.indexOf('--lockout') + 1] !== 'off'
  : true;
const dataDir = await mkdtemp(path.join(tmpdir(), 'lookout-auth-flood-'));
const http: Record<string, unknown> = {
  port: 0,
  operators: [
    { username: 'officer.lan', passwordHash: await hashPassword('operator-pass'), role: 'operator' },
  ],
};
if (!lockout) http.limits = { logins: { maxFailuresPerUser: 0, maxFailuresPerAddress: 0 } };
const cloud = createCloud(
  cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http,
    influx: { port: await freePort() },
    buffer: { fsync: 'always' },
    dataDir,
  }),
);
await cloud.start();
const edge = await mqtt.connectAsync(cloud.addresses.mqtt, {
  reconnectPeriod: 0,
  clientId: 'lookout-edge-bench',
});
const payload = JSON.stringify({
  edgeId: 'bench',
  seq: 1,
  positions: Array.from({ length: 100 }, (_, i) => ({
    mmsi: 574_000_000 + i,
    ts: Date.now(),
    lat: 8.8,
    lon: 104.4,
    sog: 5,
    cog: 90,
    msgType: 1,
  })),
});

async function pubackLatencies(until: () => boolean, atLeast: number): Promise<number[]> {
  const latencies: number[] = [];
  while (latencies.length < atLeast || !until()) {
    const start = performance.now();
    await edge.publishAsync(topics.vesselPositions('bench'), payload, { qos: 1 });
    latencies.push(performance.now() - start);
  }
  return latencies;
}

const idle = await pubackLatencies(() => true, 50);
const statuses = new Map<number, number>();
let next = 0;
let done = false;
const floodStart = performance.now();
const flood = Promise.all(
  Array.from({ length: 64 }, async () => {
    while (next < 600) {
      next += 1;
      const response = await fetch(`${cloud.addresses.http}/api/v1/edges`, {
        headers: { authorization: `Basic ${Buffer.from(`officer.lan:guess-${next}`).toString('base64')}` },
      });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  }),
).then(() => (done = true));
const during = await pubackLatencies(() => done, 1);
await flood;
const floodS = (performance.now() - floodStart) / 1000;

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
const summary = (values: number[]) =>
  `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms (${values.length} PUBACKs)`;
console.log(`lockout ${lockout ? 'on (default)' : 'off'}`);
console.log(`idle:         ${summary(idle)}`);
console.log(`during flood: ${summary(during)}`);
console.log(
  `flood: 600 requests in ${floodS.toFixed(1)} s, answers ${JSON.stringify(Object.fromEntries(statuses))}`,
);
await edge.endAsync(true);
await cloud.stop();
await rm(dataDir, { recursive: true, force: true });
