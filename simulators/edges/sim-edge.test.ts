/** One simulated edge's broker list and in-flight messages, on fake MQTT connections the test drives. */
import { EventEmitter } from 'node:events';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { silentLogger } from '../../runtime/logger.js';
import { waitFor } from '../../tests/support/wait.js';
import { Random } from '../fleet/random.js';
import { createEdgeFleetSimulator } from './edge-fleet.js';
import { LatencyHistogram } from './latency.js';
import { emptyCounters, SimEdge } from './sim-edge.js';

type PublishCallback = (error?: Error) => void;

/** A connection as mqtt.js gives it, opened and answered by the test (CONNACK, PUBACK, close). */
class FakeConnection extends EventEmitter {
  readonly published: Array<{ topic: string; payload: Buffer; callback: PublishCallback }> = [];
  readonly stream = { destroy: () => this.close() };
  #closed = false;

  constructor(readonly url: string) {
    super();
  }

  /** Statuses and health are acknowledged at once; position batches when the test says so. */
  publish(topic: string, payload: Buffer, _options: unknown, callback: PublishCallback): this {
    this.published.push({ topic, payload, callback });
    if (!topic.endsWith('/vessels/positions')) queueMicrotask(() => callback());
    return this;
  }

  end(_force?: boolean, _options?: unknown, callback?: () => void): this {
    this.close();
    callback?.();
    return this;
  }

  accept(): void {
    this.emit('connect');
  }

  refuse(): void {
    this.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    this.close();
  }

  /** The broker's process died: the socket closes, no PUBACK comes for what was in flight. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
  }

  /** Sequence numbers of the position batches published on this connection, in order. */
  batches(): number[] {
    return this.published
      .filter((p) => p.topic.endsWith('/vessels/positions'))
      .map((p) => (JSON.parse(p.payload.toString()) as { seq: number }).seq);
  }

  /** PUBACKs the position batches with these sequence numbers. */
  ackBatches(...seqs: number[]): void {
    for (const p of this.published.filter((p) => p.topic.endsWith('/vessels/positions')))
      if (seqs.includes((JSON.parse(p.payload.toString()) as { seq: number }).seq)) p.callback();
  }
}

const URLS = ['mqtt://a:1883', 'mqtt://b:1883', 'mqtt://c:1883'];
let edges: SimEdge[] = [];
afterEach(async () => {
  await Promise.all(edges.map((edge) => edge.stop()));
  edges = [];
});

function simEdge(firstUrl: number, maxInFlight = 16) {
  const connections: FakeConnection[] = [];
  const counters = emptyCounters(URLS.length);
  const edge = new SimEdge({
    identity: { edgeId: 'unit-1' },
    urls: URLS,
    firstUrl,
    version: 'test',
    keepaliveS: 30,
    maxInFlight,
    queueMaxMessages: 100,
    maxBatchPositions: 1, // one position, one batch: batch seq n carries position n
    batchIntervalMs: 1000,
    healthIntervalMs: 0,
    fireAlertsPerHour: 0,
    churn: { dropsPerHour: 0, downMinS: 0, downMaxS: 0 },
    location: [105, 9],
    random: new Random(1),
    counters,
    latency: [new LatencyHistogram()],
    log: silentLogger(),
    connect: (url: string, _options: IClientOptions) => {
      const connection = new FakeConnection(url);
      connections.push(connection);
      return connection as unknown as MqttClient;
    },
  });
  edges.push(edge);
  const nextConnection = (count: number) =>
    waitFor(() => connections.length >= count && connections[count - 1], 5000, `connection ${count}`);
  return { edge, counters, connections, nextConnection };
}

const position = (n: number): VesselPosition => ({
  mmsi: 574_000_001,
  ts: 1_767_225_600_000 + n * 1000,
  lat: 8.9,
  lon: 104.8,
  msgType: 1,
});

describe('a simulated edge with several brokers', () => {
  it('starts on its own broker and moves on to the next, in list order and wrapping, at each failure', async () => {
    const { edge, counters, nextConnection } = simEdge(1);
    edge.start(Date.now());
    const first = await nextConnection(1);
    expect(first.url).toBe('mqtt://b:1883');
    first.refuse();
    const second = await nextConnection(2);
    expect(second.url).toBe('mqtt://c:1883');
    second.accept();
    expect([edge.connected, edge.moved, edge.lastConnectedUrl]).toEqual([true, true, 2]);
    second.close(); // lost after it connected
    const third = await nextConnection(3);
    expect(third.url).toBe('mqtt://a:1883');
    third.refuse();
    const fourth = await nextConnection(4);
    expect(fourth.url).toBe('mqtt://b:1883');
    fourth.accept();
    expect(counters.brokers.map((b) => b.connects)).toEqual([0, 1, 1]);
    expect([counters.connects, counters.reconnects, counters.lost]).toEqual([2, 1, 1]);
  });

  it('an edge that only ever connects to its first broker has not moved', async () => {
    const { edge, nextConnection } = simEdge(4); // 4 mod 3: the second URL
    edge.start(Date.now());
    const first = await nextConnection(1);
    expect(first.url).toBe('mqtt://b:1883');
    first.accept();
    expect([edge.moved, edge.lastConnectedUrl, edge.url]).toEqual([false, 1, 'mqtt://b:1883']);
  });

  it('sends again, first and in order, what was in flight when its broker died; counts only PUBACKs', async () => {
    const { edge, counters, nextConnection } = simEdge(0, 3);
    edge.start(Date.now());
    const a = await nextConnection(1);
    a.accept();
    for (let n = 0; n < 5; n++) edge.addPosition(position(n), Date.now());
    edge.tick(Date.now(), false);
    expect(a.batches()).toEqual([0, 1, 2]); // maxInFlight 3
    a.ackBatches(0);
    expect(a.batches()).toEqual([0, 1, 2, 3]);
    expect(edge.undeliveredPositions).toBe(4);

    a.close(); // 1, 2, 3 in flight, 4 queued
    expect(counters.positions).toMatchObject({ acked: 1, resent: 3 });
    const b = await nextConnection(2);
    expect(b.url).toBe('mqtt://b:1883');
    // A PUBACK of the dead connection arriving late changes nothing: the batch is sent again on the next one.
    a.ackBatches(1);
    expect(counters.positions.acked).toBe(1);
    b.accept();
    expect(b.batches()).toEqual([1, 2, 3]);
    b.ackBatches(1, 2, 3);
    expect(b.batches()).toEqual([1, 2, 3, 4]);
    b.ackBatches(4);
    expect(edge.undeliveredPositions).toBe(0);
    expect(counters.positions).toMatchObject({ acked: 5, resent: 3, dropped: 0 });
    expect(counters.brokers.map((broker) => broker.positionsAcked)).toEqual([1, 4, 0]);
    expect(counters.messages.positions).toBe(5);
  });

  it('a publish refused on a live connection cuts it; everything in flight goes again in its order', async () => {
    const { edge, counters, nextConnection } = simEdge(0, 3);
    edge.start(Date.now());
    const a = await nextConnection(1);
    a.accept();
    for (let n = 0; n < 3; n++) edge.addPosition(position(n), Date.now());
    edge.tick(Date.now(), false);
    const batches = a.published.filter((p) => p.topic.endsWith('/vessels/positions'));
    // Put back one by one in front of the queue, 0 then 1 would come out as 1, 0.
    batches[0]!.callback(new Error('client disconnecting'));
    batches[1]!.callback(new Error('client disconnecting'));
    expect(edge.connected).toBe(false);
    const b = await nextConnection(2);
    b.accept();
    expect(b.batches()).toEqual([0, 1, 2]);
    b.ackBatches(0, 1, 2);
    expect(counters.positions).toMatchObject({ acked: 3, resent: 3 });
    expect(counters.errors).toBe(1);
  });
});

describe('an edge fleet over several brokers', () => {
  it('puts edge i on urls[i mod n]; `url` alone is a one-broker list', () => {
    const identities = Array.from({ length: 5 }, (_, i) => ({ edgeId: `f-${i}` }));
    const fleet = createEdgeFleetSimulator({ identities, urls: URLS.slice(0, 2) });
    expect(fleet.edges.map((edge) => edge.url)).toEqual([
      'mqtt://a:1883',
      'mqtt://b:1883',
      'mqtt://a:1883',
      'mqtt://b:1883',
      'mqtt://a:1883',
    ]);
    const single = createEdgeFleetSimulator({ identities, url: 'mqtt://only:1883' });
    expect(single.urls).toEqual(['mqtt://only:1883']);
    expect(single.summary().brokers).toEqual([
      { url: 'mqtt://only:1883', edges: 0, connected: 0, connects: 0, positionsAcked: 0 },
    ]);
  });
});
