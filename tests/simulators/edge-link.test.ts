/** One simulated edge's link against a real aedes broker over TCP: what it does while down, and after. */
import { afterEach, describe, expect, it } from 'vitest';
import { EdgeStatus, VesselPositionBatch } from '../../protocols/mqtt/payloads.js';
import { compileSchema } from '../../protocols/validation.js';
import { createEdgeFleetSimulator, type EdgeFleetOptions } from '../../simulators/edges/edge-fleet.js';
import { startTestBroker, type TestBroker } from '../support/aedes-broker.js';
import { waitFor } from '../support/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(options: Partial<EdgeFleetOptions>) {
  const broker = await startTestBroker();
  cleanups.push(() => broker.stop());
  const sim = createEdgeFleetSimulator({
    url: broker.url,
    identities: [{ edgeId: 'link-1' }],
    rampUpS: 0,
    progressIntervalS: 0,
    healthIntervalS: 0,
    ...options,
  });
  cleanups.push(() => sim.stop());
  await sim.start();
  return { broker, sim };
}

const batches = (broker: TestBroker) =>
  broker.on('lookout/v1/edge/link-1/vessels/positions').map((p) => {
    const parsed = compileSchema(VesselPositionBatch).parseJson(p.payload);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    return parsed.value;
  });

const statuses = (broker: TestBroker) =>
  broker.on('lookout/v1/edge/link-1/status').map((p) => {
    const parsed = compileSchema(EdgeStatus).parseJson(p.payload);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    return `${parsed.value.state}${parsed.value.reason ? `:${parsed.value.reason}` : ''}`;
  });

describe('a simulated edge link', () => {
  it('while dropped it queues at most queueMaxMessages batches (oldest dropped, counted), then sends them in order', async () => {
    const { broker, sim } = await setUp({
      positionsPerSecond: 100,
      batchIntervalMs: 50,
      queueMaxMessages: 4,
      churn: { dropsPerHour: 0, downMinS: 0.8, downMaxS: 0.8 },
    });
    const edge = sim.edges[0]!;
    // Cut while nothing is in flight: a batch the broker got but whose PUBACK was cut off would be resent, not missing.
    await waitFor(
      () => edge.connected && batches(broker).length >= 3 && edge.inFlight === 0,
      10_000,
      'first batches acknowledged',
    );
    expect(edge.drop()).toBe(true);
    await waitFor(() => statuses(broker).includes('offline:lost'), 15_000, 'the last will');
    await waitFor(() => edge.connected, 10_000, 'the reconnect');
    await waitFor(
      () => sim.summary().positions.dropped > 0 && edge.undeliveredPositions < 10,
      10_000,
      'queue delivered',
    );
    await sim.stop();

    const summary = sim.summary();
    // aedes acknowledges before it emits the publish: the broker's record may trail the PUBACK a little.
    await waitFor(() => statuses(broker).length >= 4, 15_000, 'the shutdown status at the broker');
    expect(statuses(broker)).toEqual(['online', 'offline:lost', 'online', 'offline:shutdown']);
    // Every generated position was acknowledged or dropped from the full queue, nothing else.
    expect(summary.positions.acked + summary.positions.dropped).toBe(summary.positions.generated);
    expect(summary.positions.undelivered).toBe(0);
    // First arrivals in batch order; the only gap is the dropped (oldest) batches of the outage.
    const seqs = batches(broker).map((b) => b.seq);
    const firstArrivals = seqs.filter((seq, i) => seqs.indexOf(seq) === i);
    expect([...firstArrivals].sort((a, b) => a - b)).toEqual(firstArrivals);
    const missing = firstArrivals.at(-1)! + 1 - firstArrivals.length;
    expect(missing).toBe(edge.queue.dropped.messages);
    expect(missing).toBeGreaterThan(0);
    const delivered = batches(broker)
      .filter((b, i) => seqs.indexOf(b.seq) === i)
      .reduce((n, b) => n + b.positions.length, 0);
    expect(delivered).toBe(summary.positions.acked);
  });

  it('reconnects with backoff after the broker goes away, and delivers what waited, nothing lost', async () => {
    const { broker, sim } = await setUp({
      positionsPerSecond: 50,
      batchIntervalMs: 50,
      positionsPerEdge: 120,
    });
    const edge = sim.edges[0]!;
    await waitFor(() => batches(broker).length >= 2, 10_000, 'first batches');
    await broker.stop();
    await waitFor(
      () => !edge.connected && edge.undeliveredPositions > 20,
      10_000,
      'positions waiting while the broker is down',
    );
    await broker.start();
    await sim.done;
    await sim.stop();
    const summary = sim.summary();
    expect(summary.positions).toMatchObject({ generated: 120, acked: 120, dropped: 0, undelivered: 0 });
    expect(summary.lost).toBe(1);
    expect(summary.reconnects).toBe(1);
    const received = () =>
      new Set(batches(broker).flatMap((b) => b.positions.map((p) => `${p.mmsi}@${p.ts}`)));
    await waitFor(
      () => statuses(broker).at(-1) === 'offline:shutdown',
      15_000,
      'the shutdown status at the broker',
    );
    expect(received().size).toBe(120); // the broker's record spans its restart
  });
});
