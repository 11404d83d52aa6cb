import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '../../protocols/mqtt/topics.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { freePort } from '../../runtime/ports.js';
import { TestBroker, startTestBroker } from '../../tests/support/aedes-broker.js';
import { createEdgeBus } from '../events.js';
import { DiskOutbox } from '../outbox/outbox.js';
import { MqttUplink } from './mqtt-uplink.js';
import { waitFor } from '../../tests/support/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(url: string, maxInFlight = 4) {
  const dir = mkdtempSync(path.join(tmpdir(), 'lookout-uplink-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const bus = createEdgeBus();
  const log = silentLogger();
  const registry = createMetricsRegistry('edge-test', false);
  const outbox = new DiskOutbox(
    { dir, maxBytes: 1 << 20, whenFull: 'drop-oldest-telemetry' },
    { log, registry, onAppended: (seq) => bus.emit('outbox.appended', { seq }) },
  );
  await outbox.start();
  cleanups.push(() => outbox.stop());
  const uplink = new MqttUplink(
    {
      edgeId: 'e-test',
      url,
      keepaliveS: 5,
      connectTimeoutMs: 2000,
      reconnect: { minMs: 20, maxMs: 200 },
      maxInFlight,
      version: 'test',
    },
    { outbox, bus, log, registry },
  );
  await uplink.start();
  cleanups.push(() => uplink.stop());
  return { outbox, uplink };
}

const positionsTopic = topics.vesselPositions('e-test');
const statusTopic = topics.edgeStatus('e-test');
const delivered = (broker: TestBroker) => broker.on(positionsTopic).map((p) => p.payload.toString());

describe('MqttUplink', () => {
  it('publishes outbox records in order with a bounded window and empties the outbox on PUBACK', async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.stop());
    const { outbox, uplink } = await setup(broker.url);
    await waitFor(() => uplink.connected, 15_000, 'connection');
    for (let i = 0; i < 200; i++) outbox.enqueue('telemetry', positionsTopic, `r${i}`);
    await waitFor(() => outbox.stats.messages === 0, 15_000, 'outbox drained');
    expect(delivered(broker)).toEqual(Array.from({ length: 200 }, (_, i) => `r${i}`));
    const birth = broker.on(statusTopic)[0]!;
    expect(birth.retain).toBe(true);
    expect(JSON.parse(birth.payload.toString())).toMatchObject({ state: 'online', version: 'test' });
  });

  it('keeps records while the broker is away, reconnects with backoff and sends them in order', async () => {
    const port = await freePort();
    const { outbox, uplink } = await setup(`mqtt://127.0.0.1:${port}`);
    for (let i = 0; i < 50; i++) outbox.enqueue('telemetry', positionsTopic, `r${i}`);
    await waitFor(() => uplink.stats.lastError?.includes('ECONNREFUSED'), 15_000, 'a refused connection');
    expect(uplink.connected).toBe(false);
    expect(outbox.stats.messages).toBe(50);
    const broker = new TestBroker();
    broker.port = port;
    await broker.start();
    cleanups.push(() => broker.stop());
    await waitFor(() => outbox.stats.messages === 0, 15_000, 'outbox drained');
    expect(delivered(broker)).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
  });

  it('after a broker outage resends what was not acknowledged, from the oldest, without gaps', async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.stop());
    const { outbox, uplink } = await setup(broker.url, 8);
    await waitFor(() => uplink.connected, 15_000, 'connection');
    let next = 0;
    const pump = setInterval(() => {
      for (let k = 0; k < 5; k++) outbox.enqueue('telemetry', positionsTopic, `r${next++}`);
    }, 2);
    cleanups.push(() => clearInterval(pump));
    await waitFor(() => delivered(broker).length > 100, 15_000, 'first deliveries');
    await broker.stop();
    await waitFor(() => !uplink.connected, 15_000, 'disconnect');
    const queuedAt = next;
    await waitFor(() => next > queuedAt + 100, 15_000, 'more records while offline');
    await broker.start();
    await waitFor(() => uplink.connected, 15_000, 'reconnection');
    clearInterval(pump);
    await waitFor(() => outbox.stats.messages === 0, 15_000, 'outbox drained');
    const got = delivered(broker).map((p) => Number(p.slice(1)));
    // At least once, in order: removing duplicates leaves exactly 0..next-1 in order.
    const firstSeen = got.filter((n, i) => got.indexOf(n) === i);
    expect(firstSeen).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('publishes a retained offline status on stop, and the broker publishes the last will when the link dies', async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.stop());
    const { uplink } = await setup(broker.url);
    // The birth must be in before the cut: connected only means the CONNACK came back, and a birth still on the
    // wire when the link is cut is lost (the next connection sends its own).
    await waitFor(
      () => broker.on(statusTopic).some((p) => p.payload.toString().includes('online')),
      15_000,
      'birth',
    );
    expect(broker.cutClient('lookout-edge-e-test')).toBe(true); // its will is published
    await waitFor(
      () => broker.on(statusTopic).some((p) => p.payload.toString().includes('"lost"')),
      15_000,
      'last will',
    );
    await waitFor(
      () => broker.on(statusTopic).filter((p) => p.payload.toString().includes('online')).length === 2,
      15_000,
      'reconnect birth',
    );
    await uplink.stop();
    await waitFor(
      () => broker.on(statusTopic).some((p) => p.payload.toString().includes('"shutdown"')),
      15_000,
      'clean offline',
    );
    const states = broker
      .on(statusTopic)
      .map((p) => [
        JSON.parse(p.payload.toString()).state,
        JSON.parse(p.payload.toString()).reason,
        p.retain,
      ]);
    expect(states).toEqual([
      ['online', undefined, true],
      ['offline', 'lost', true],
      ['online', undefined, true],
      ['offline', 'shutdown', true],
    ]);
    const subscriber = await mqtt.connectAsync(broker.url, { clientId: 'observer' });
    cleanups.push(() => subscriber.endAsync());
    const retained = new Promise<string>((resolve) =>
      subscriber.on('message', (_t, payload) => resolve(payload.toString())),
    );
    await subscriber.subscribeAsync(statusTopic, { qos: 1 });
    expect(JSON.parse(await retained)).toMatchObject({ state: 'offline', reason: 'shutdown' });
  });
});
