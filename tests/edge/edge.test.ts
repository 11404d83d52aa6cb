import { appendFileSync, readdirSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { Edge } from '../../edge/core.js';
import { encodeRecord } from '../../edge/outbox/format.js';
import { EdgeHealth, EdgeStatus } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { createFleetSimulator, type FleetSimulator } from '../../simulators/fleet/fleet.js';
import { TestBroker, startTestBroker } from '../support/aedes-broker.js';
import { compareWithSent, positionsIn, startTestEdge, tempOutboxDir } from '../support/edge-fixtures.js';
import { waitFor } from '../support/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const EDGE = 'edge-test';
const positionsTopic = topics.vesselPositions(EDGE);
const statusTopic = topics.edgeStatus(EDGE);

async function broker(): Promise<TestBroker> {
  const b = await startTestBroker();
  cleanups.push(() => b.stop());
  return b;
}

async function edgeOn(
  url: string,
  dir: string,
  overrides: Parameters<typeof startTestEdge>[2] = {},
): Promise<Edge> {
  const edge = await startTestEdge(url, dir, overrides);
  cleanups.push(() => edge.stop());
  return edge;
}

function outboxDir(): string {
  const { dir, remove } = tempOutboxDir();
  cleanups.push(remove);
  return dir;
}

async function fleet(
  edge: Edge,
  protocol: 'udp' | 'tcp',
  seed: number,
  options: { vessels: number; rate: number; maxPositions: number },
): Promise<FleetSimulator> {
  const port = protocol === 'udp' ? edge.ports.udp! : edge.ports.tcp!;
  const sim = createFleetSimulator({
    ...options,
    seed,
    target: { protocol, host: '127.0.0.1', port },
    recordPositions: true,
    staticIntervalS: 30,
  });
  cleanups.push(() => sim.stop());
  await sim.start();
  return sim;
}

const delivered = (b: TestBroker) => positionsIn(b.on(positionsTopic).map((p) => p.payload));

describe('edge with a real aedes broker', () => {
  it('delivers every position of fleets over UDP and over TCP as batches, values intact, in order per vessel', async () => {
    const b = await broker();
    const edge = await edgeOn(b.url, outboxDir());
    const overUdp = await fleet(edge, 'udp', 11, { vessels: 12, rate: 600, maxPositions: 900 });
    const overTcp = await fleet(edge, 'tcp', 22, { vessels: 8, rate: 600, maxPositions: 900 });
    // Bad input on the same listeners while the fleets send: counted, and the stream goes on.
    const garbage = createSocket('udp4');
    cleanups.push(() => new Promise((resolve) => garbage.close(() => resolve())));
    for (const datagram of [
      Buffer.from([0, 1, 2, 0xff]),
      '!AIVDM,1,1,,A,13u?etPv2;0n:dDPwUM1U1Cb069D,0*00\r\n',
      'hello\n',
    ]) {
      await new Promise((resolve) => garbage.send(datagram, edge.ports.udp!, '127.0.0.1', resolve));
    }
    await Promise.all([overUdp.done, overTcp.done]);
    const sent = [...overUdp.report().log, ...overTcp.report().log];
    expect(sent).toHaveLength(1800);
    await waitFor(() => delivered(b).length >= 1800, 30_000, 'all positions at the broker');
    const result = compareWithSent(sent, delivered(b));
    expect(result).toMatchObject({
      missing: [],
      unexpected: [],
      valueMismatches: [],
      outOfOrderVessels: [],
      duplicates: 0,
    });
    expect(b.on(positionsTopic).length).toBeGreaterThan(1); // batched, not one message
    expect(b.on(positionsTopic).length).toBeLessThan(1800);
    expect(b.on(topics.vesselStatics(EDGE)).length).toBeGreaterThan(0);

    const metrics = await (await fetch(`${edge.httpAddress}/metrics`)).text();
    expect(metrics).toMatch(
      /lookout_edge_ais_rejected_total\{stage="receiver",reason="not_text",service="edge"\} 1/,
    );
    expect(metrics).toMatch(
      /lookout_edge_ais_rejected_total\{stage="decoder",reason="checksum",service="edge"\} 1/,
    );
    expect(metrics).toMatch(/lookout_edge_ais_ignored_total\{service="edge"\} 1/);
    const health = await (await fetch(`${edge.httpAddress}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', edgeId: EDGE, outbox: { messages: 0 } });
  });

  it('keeps everything in the outbox while the broker is down and delivers it all, in order, when it is back', async () => {
    const b = await broker();
    const edge = await edgeOn(b.url, outboxDir(), { mqtt: { maxInFlight: 8 } });
    const sim = await fleet(edge, 'udp', 33, { vessels: 10, rate: 500, maxPositions: 1500 });
    await waitFor(() => delivered(b).length > 200, 30_000, 'first deliveries');
    await b.stop();
    await waitFor(() => !edge.uplink.connected, 30_000, 'the edge noticing the outage');
    const queuedBefore = edge.outbox.stats.messages;
    await waitFor(
      () => edge.outbox.stats.messages > queuedBefore + 3,
      30_000,
      'batches piling up in the outbox',
    );
    await b.start(); // same port
    await sim.done;
    await waitFor(
      () =>
        edge.outbox.stats.messages === 0 && edge.uplink.stats.inFlight === 0 && delivered(b).length >= 1500,
      60_000,
      'outbox drained',
    );
    const result = compareWithSent(sim.report().log, delivered(b));
    expect(result).toMatchObject({ missing: [], unexpected: [], valueMismatches: [], outOfOrderVessels: [] });
    expect(result.duplicates).toBeLessThanOrEqual(8 * 200); // at most the in-flight window resent, never a loss
    expect(edge.uplink.stats.connects).toBeGreaterThanOrEqual(2);
  });

  it('keeps the outbox across an edge restart while offline (even after a torn last write) and delivers all after', async () => {
    const b = await broker();
    const port = b.port;
    await b.stop();
    const dir = outboxDir();
    const first = await startTestEdge(b.url, dir);
    cleanups.push(() => first.stop());
    const sim = await fleet(first, 'tcp', 44, { vessels: 6, rate: 800, maxPositions: 600 });
    await sim.done;
    await waitFor(() => first.pipeline.positions >= 600, 30_000, 'the edge decoding every position');
    await first.stop(); // waiting batches are flushed to the outbox
    // A crash in the middle of the next append leaves a partial record at the end of the last segment.
    const lastSegment = readdirSync(dir)
      .filter((f) => f.endsWith('.seg'))
      .sort()
      .at(-1)!;
    const torn = encodeRecord({
      seq: 1_000_000,
      kind: 'telemetry',
      topic: positionsTopic,
      payload: Buffer.from('{"never":"finished"}'),
      enqueuedAtMs: Date.now(),
    });
    appendFileSync(path.join(dir, lastSegment), torn.subarray(0, 25));

    const second = await edgeOn(b.url, dir);
    expect(second.outbox.stats.messages).toBeGreaterThan(0);
    b.port = port;
    await b.start();
    await waitFor(
      () => second.outbox.stats.messages === 0 && delivered(b).length >= 600,
      30_000,
      'outbox drained after restart',
    );
    const result = compareWithSent(sim.report().log, delivered(b));
    expect(result).toMatchObject({
      missing: [],
      unexpected: [],
      valueMismatches: [],
      outOfOrderVessels: [],
      duplicates: 0,
    });
  });

  it('publishes a retained online birth, the broker publishes the last will when the link dies, and a clean stop says offline', async () => {
    const b = await broker();
    const edge = await edgeOn(b.url, outboxDir(), { health: { intervalS: 0.1 } });
    const statusSchema = compileSchema(EdgeStatus);
    const observer = await mqtt.connectAsync(b.url, { clientId: 'observer' });
    cleanups.push(() => observer.endAsync());
    const statuses: Array<{ status: EdgeStatus; retain: boolean }> = [];
    const healths: unknown[] = [];
    observer.on('message', (topic, payload, packet) => {
      if (topic === statusTopic) {
        const parsed = statusSchema.parseJson(payload);
        if (parsed.ok) statuses.push({ status: parsed.value, retain: packet.retain });
      } else healths.push(JSON.parse(payload.toString()));
    });
    await waitFor(() => edge.uplink.connected, 30_000, 'edge connected');
    await observer.subscribeAsync([statusTopic, topics.edgeHealth(EDGE)], { qos: 1 });
    await waitFor(() => statuses.length === 1, 30_000, 'retained birth');
    expect(statuses[0]).toMatchObject({ status: { state: 'online' }, retain: true }); // retained: sent on subscribe

    await waitFor(() => healths.length > 0, 30_000, 'a health message');
    const health = compileSchema(EdgeHealth).parseValue(healths[0]);
    expect(health.ok).toBe(true);

    expect(b.cutClient(`lookout-edge-${EDGE}`)).toBe(true);
    await waitFor(() => statuses.some((s) => s.status.reason === 'lost'), 30_000, 'last will');
    await waitFor(
      () => statuses.filter((s) => s.status.state === 'online').length === 2,
      30_000,
      'reconnected birth',
    );
    await edge.stop();
    await waitFor(() => statuses.some((s) => s.status.reason === 'shutdown'), 30_000, 'clean offline');
    expect(statuses.map((s) => `${s.status.state}/${s.status.reason ?? ''}`)).toEqual([
      'online/',
      'offline/lost',
      'online/',
      'offline/shutdown',
    ]);

    const late = await mqtt.connectAsync(b.url, { clientId: 'late-observer' });
    cleanups.push(() => late.endAsync());
    const retained = new Promise<{ payload: string; retain: boolean }>((resolve) =>
      late.on('message', (_t, payload, packet) =>
        resolve({ payload: payload.toString(), retain: packet.retain }),
      ),
    );
    await late.subscribeAsync(statusTopic, { qos: 1 });
    const last = await retained;
    expect(last.retain).toBe(true);
    expect(JSON.parse(last.payload)).toMatchObject({ state: 'offline', reason: 'shutdown' });
  });
});
