/**
 * What durability of every received position costs (a measurement, not a test), for edge/README.md "Durability":
 * the disk writes the edge would make per position if each were stored on receipt, next to what batching
 * costs per position today. Real outbox (DiskOutbox) in a temporary folder on this machine's disk.
 *
 *   npx tsx tests/bench/edge-receipt-durability.ts [seconds per case=3]
 */
import { appendFileSync, closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VesselBatching } from '../../edge/batching/vessel-batching.js';
import { createEdgeBus } from '../../edge/events.js';
import { DiskOutbox } from '../../edge/outbox/outbox.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { silentLogger } from '../../runtime/logger.js';

const secondsPerCase = Number(process.argv[2] ?? 3);
const position = (i: number): VesselPosition => ({
  mmsi: 574_000_000 + (i % 500),
  ts: 1_772_323_200_000 + i,
  lat: 8.51234,
  lon: 104.81234,
  sog: 6.2,
  cog: 231.4,
  heading: 230,
  navStatus: 7,
  msgType: 1,
  aisClass: 'A',
});

/** Runs `step(i)` (which handles `per` positions) for about `secondsPerCase`; positions per second. */
function rate(per: number, step: (i: number) => void): number {
  const until = performance.now() + secondsPerCase * 1000;
  const started = performance.now();
  let positions = 0;
  for (let i = 0; performance.now() < until; i++) {
    step(i);
    positions += per;
  }
  return Math.round(positions / ((performance.now() - started) / 1000));
}

async function outboxRate(fsync: boolean, perRecord: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lookout-receipt-bench-'));
  const outbox = new DiskOutbox(
    { dir, maxBytes: 4 * 2 ** 30, whenFull: 'drop-oldest-telemetry', fsync },
    { log: silentLogger() },
  );
  await outbox.start();
  const result = rate(perRecord, (i) => {
    const positions = Array.from({ length: perRecord }, (_, k) => position(i * perRecord + k));
    outbox.enqueue(
      'telemetry',
      'lookout/v1/edge/e/vessels/positions',
      JSON.stringify({ edgeId: 'e', seq: i, positions }),
    );
  });
  if (outbox.stats.appended === 0) throw new Error('nothing appended');
  await outbox.stop();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

function receiptLogRate(fsync: boolean): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'lookout-receipt-bench-'));
  const file = path.join(dir, 'receipts.ndjson');
  appendFileSync(file, '');
  const fd = openSync(file, 'a');
  const result = rate(1, (i) => {
    writeSync(fd, `${JSON.stringify(position(i))}\n`);
    if (fsync) fdatasyncSync(fd);
  });
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/**
 * The edge's own path from a decoded position to the outbox (bus -> VesselBatching -> DiskOutbox, batches of 500,
 * no fsync) with and without the receipt log: CPU microseconds per position (CPU time, not wall time, so that
 * other work on a shared machine counts less).
 */
async function batchingCpuMicros(durableOnReceipt: boolean, positions = 200_000): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lookout-receipt-bench-'));
  const bus = createEdgeBus();
  const registry = createMetricsRegistry('bench', false);
  const outbox = new DiskOutbox(
    { dir, maxBytes: 4 * 2 ** 30, whenFull: 'drop-oldest-telemetry' },
    { log: silentLogger(), registry },
  );
  await outbox.start();
  const batching = new VesselBatching(
    { edgeId: 'e', maxPositions: 500, maxDelayMs: 1000, receiptLogDir: durableOnReceipt ? dir : undefined },
    { bus, outbox, log: silentLogger(), registry },
  );
  await batching.start();
  const items = Array.from({ length: positions }, (_, i) => position(i));
  const before = process.cpuUsage();
  for (const item of items) bus.emit('vessel.position', item);
  const used = process.cpuUsage(before);
  await batching.stop();
  await outbox.stop();
  rmSync(dir, { recursive: true, force: true });
  return +((used.user + used.system) / positions).toFixed(2);
}

for (let round = 0; round < 3; round++) {
  console.log(
    `batching path, CPU µs per position: receipt log ${await batchingCpuMicros(true)}, without ${await batchingCpuMicros(false)}`,
  );
}

const results = {
  'today: batches of 500 into the outbox, no fsync (default)': await outboxRate(false, 500),
  'today: batches of 500 into the outbox, outbox.fsync true': await outboxRate(true, 500),
  'on receipt: one outbox record per position, no fsync': await outboxRate(false, 1),
  'on receipt: one outbox record per position, fsync': await outboxRate(true, 1),
  'on receipt: one line per position in a receipt log, no fsync': receiptLogRate(false),
  'on receipt: one line per position in a receipt log, fdatasync each': receiptLogRate(true),
};
for (const [what, perSecond] of Object.entries(results))
  console.log(`${String(perSecond).padStart(9)} positions/s  ${what}`);
