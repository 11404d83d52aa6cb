import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VesselPositionBatch } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { capturingLogger, metricValue } from '../../tests/support/cloud-fixtures.js';
import { createEdgeBus } from '../events.js';
import { DiskOutbox } from '../outbox/outbox.js';
import { RECEIPT_LOG, VesselBatching } from './vessel-batching.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  maxPositions: number,
  maxDelayMs: number,
  dir = mkdtempSync(path.join(tmpdir(), 'lookout-batching-')),
) {
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const log = silentLogger();
  const registry = createMetricsRegistry('edge-test', false);
  const bus = createEdgeBus();
  const outbox = new DiskOutbox(
    { dir, maxBytes: 1 << 20, whenFull: 'drop-oldest-telemetry' },
    { log, registry },
  );
  await outbox.start();
  cleanups.push(() => outbox.stop());
  const batching = new VesselBatching(
    { edgeId: 'e1', maxPositions, maxDelayMs, receiptLogDir: dir },
    { bus, outbox, log, registry },
  );
  await batching.start();
  cleanups.push(() => batching.stop());
  return { bus, outbox, batching, dir };
}

const schema = compileSchema(VesselPositionBatch);
const emit = (bus: ReturnType<typeof createEdgeBus>, i: number) =>
  bus.emit('vessel.position', {
    mmsi: 574000000 + (i % 3),
    ts: 1_700_000_000_000 + i,
    lat: 8.5,
    lon: 104.5,
    msgType: 1,
  });

describe('VesselBatching', () => {
  it('cuts batches by count, then by delay, as valid VesselPositionBatch records in the outbox', async () => {
    const { bus, outbox } = await setup(10, 50);
    for (let i = 0; i < 25; i++) emit(bus, i);
    expect(outbox.stats.messages).toBe(2); // two full batches at once; 5 wait for the delay
    const deadline = Date.now() + 15_000;
    while (outbox.stats.messages < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    const records = outbox.pendingAfter(0, 10);
    expect(records.map((r) => r.topic)).toEqual(Array(3).fill(topics.vesselPositions('e1')));
    const batches = records.map((r) => {
      const parsed = schema.parseJson(r.payload);
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      return parsed.value;
    });
    expect(batches.map((b) => b.positions.length)).toEqual([10, 10, 5]);
    expect(batches.map((b) => b.seq)).toEqual(records.map((r) => r.seq));
    expect(batches.flatMap((b) => b.positions.map((p) => p.ts - 1_700_000_000_000))).toEqual(
      Array.from({ length: 25 }, (_, i) => i),
    );
  });

  it('flushes what waits into the outbox on stop', async () => {
    const { bus, outbox, batching } = await setup(100, 60_000);
    for (let i = 0; i < 7; i++) emit(bus, i);
    expect(outbox.stats.messages).toBe(0);
    await batching.stop();
    expect(outbox.stats.messages).toBe(1);
  });

  it('keeps what waits in the receipt log until it is in the outbox, and a new start sends what a crash left there', async () => {
    const { bus, outbox, dir } = await setup(100, 60_000);
    for (let i = 0; i < 7; i++) emit(bus, i);
    bus.emit('vessel.static', { mmsi: 574000001, ts: 1_700_000_000_000, msgType: 5, shipname: 'CM-1' });
    expect(outbox.stats.messages).toBe(0);
    const log = readFileSync(path.join(dir, RECEIPT_LOG), 'utf8');
    expect(log.split('\n').filter(Boolean)).toHaveLength(8);

    // As if the process died here: a new run on a copy of what is on disk, with a line torn by the crash.
    const next = mkdtempSync(path.join(tmpdir(), 'lookout-batching-'));
    appendFileSync(path.join(next, RECEIPT_LOG), `${log}P{"mmsi":5740`);
    const restarted = await setup(100, 60_000, next);
    expect(restarted.batching.recovered).toBe(8);
    const records = restarted.outbox.pendingAfter(0, 10);
    expect(records.map((r) => r.topic)).toEqual([topics.vesselPositions('e1'), topics.vesselStatics('e1')]);
    expect(
      (JSON.parse(records[0]!.payload.toString()) as VesselPositionBatch).positions.map(
        (p) => p.ts - 1_700_000_000_000,
      ),
    ).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(readFileSync(path.join(next, RECEIPT_LOG), 'utf8')).toBe('');
  });

  it('loses a batch the outbox cannot write (disk full), counted and logged, without throwing at the emitter', async () => {
    const registry = createMetricsRegistry('edge-test', false);
    const { log, lines } = capturingLogger('warn');
    const bus = createEdgeBus({ registry, log });
    const diskFull = {
      nextSeq: 1,
      enqueue(): never {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    const batching = new VesselBatching(
      { edgeId: 'e1', maxPositions: 2, maxDelayMs: 10 },
      { bus, outbox: diskFull, log, registry },
    );
    await batching.start();
    for (let i = 0; i < 3; i++) emit(bus, i); // one full batch from the listener, one from the timer
    await expect
      .poll(async () => metricValue(await registry.metrics(), 'lookout_edge_batches_failed_total'))
      .toBe(2);
    await batching.stop();
    expect(metricValue(await registry.metrics(), 'lookout_edge_bus_listener_errors_total')).toBeUndefined();
    expect(lines.filter((line) => line.msg === 'outbox write failed: telemetry batch lost')).toHaveLength(1);
  });
});
