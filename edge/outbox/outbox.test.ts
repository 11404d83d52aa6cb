import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { encodeRecord } from './format.js';
import { DiskOutbox, type OutboxOptions } from './outbox.js';

let dir: string;
const opened: DiskOutbox[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lookout-outbox-'));
});

afterEach(async () => {
  for (const outbox of opened.splice(0)) await outbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function open(options: Partial<OutboxOptions> = {}): Promise<DiskOutbox> {
  const outbox = new DiskOutbox(
    { dir, maxBytes: 1 << 20, whenFull: 'drop-oldest-telemetry', ...options },
    { log: silentLogger(), registry: createMetricsRegistry('edge-test', false) },
  );
  await outbox.start();
  opened.push(outbox);
  return outbox;
}

async function reopen(outbox: DiskOutbox, options: Partial<OutboxOptions> = {}): Promise<DiskOutbox> {
  await outbox.stop();
  return open(options);
}

const payloads = (outbox: DiskOutbox) => outbox.pendingAfter(0, 1_000_000).map((r) => r.payload.toString());
const segmentFiles = () =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.seg'))
    .sort();

describe('DiskOutbox', () => {
  it('gives records back in append order, with topic, kind and payload intact', async () => {
    const outbox = await open();
    for (let i = 0; i < 100; i++) outbox.enqueue(i % 10 === 0 ? 'alert' : 'telemetry', `t/${i % 3}`, `m${i}`);
    const records = outbox.pendingAfter(0, 1000);
    expect(records.map((r) => r.payload.toString())).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(records[10]).toMatchObject({ kind: 'alert', topic: 't/1' });
    expect(records[11]).toMatchObject({ kind: 'telemetry', topic: 't/2' });
    expect(outbox.pendingAfter(95, 3).map((r) => r.seq)).toEqual([96, 97, 98]);
  });

  it('removes a record only when acknowledged, in any ack order', async () => {
    const outbox = await open();
    for (let i = 0; i < 5; i++) outbox.enqueue('telemetry', 't', `m${i}`);
    outbox.ack(2);
    outbox.ack(4);
    expect(payloads(outbox)).toEqual(['m0', 'm2', 'm4']);
    expect(outbox.firstPendingSeq).toBe(1);
    outbox.ack(1);
    expect(outbox.firstPendingSeq).toBe(3);
    outbox.ack(999); // unknown: ignored
    outbox.ack(1); // twice: ignored
    expect(outbox.stats).toMatchObject({ messages: 2, acked: 3 });
  });

  it('survives a restart: unacknowledged records come back in order and sequence numbers continue', async () => {
    let outbox = await open({ segmentBytes: 500 });
    for (let i = 0; i < 50; i++) outbox.enqueue('telemetry', 'lookout/v1/x', `m${i}`);
    for (let seq = 1; seq <= 20; seq++) outbox.ack(seq);
    outbox = await reopen(outbox, { segmentBytes: 500 });
    expect(payloads(outbox)).toEqual(Array.from({ length: 30 }, (_, i) => `m${i + 20}`));
    expect(outbox.enqueue('telemetry', 'lookout/v1/x', 'after')).toEqual({ accepted: true, seq: 51 });
    expect(outbox.stats.messages).toBe(31);
  });

  it('deletes segment files once everything in them is acknowledged', async () => {
    const outbox = await open({ segmentBytes: 300 });
    for (let i = 0; i < 40; i++) outbox.enqueue('telemetry', 't', `message number ${i}`);
    expect(segmentFiles().length).toBeGreaterThan(3);
    for (let seq = 1; seq <= 40; seq++) outbox.ack(seq);
    expect(segmentFiles().length).toBe(1); // the tail stays open for appends
    expect(outbox.stats).toMatchObject({ messages: 0, bytes: 0 });
    outbox.enqueue('telemetry', 't', 'x'.repeat(400)); // rolls: the delivered tail goes away
    expect(segmentFiles().length).toBe(1);
    expect(payloads(outbox)).toEqual(['x'.repeat(400)]);
  });

  it.each([
    ['a partial header', 5],
    ['a partial body', 30],
  ])('recovers from a crash that left %s at the end of the last segment', async (_label, partialBytes) => {
    let outbox = await open();
    for (let i = 0; i < 10; i++) outbox.enqueue('telemetry', 't', `m${i}`);
    await outbox.stop();
    const last = path.join(dir, segmentFiles().at(-1)!);
    const goodSize = statSync(last).size;
    const next = encodeRecord({
      seq: 11,
      kind: 'telemetry',
      topic: 't',
      payload: Buffer.from('m10-never-finished'),
      enqueuedAtMs: 1,
    });
    appendFileSync(last, next.subarray(0, partialBytes));
    outbox = await open();
    expect(payloads(outbox)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(statSync(last).size).toBe(goodSize); // the partial record was cut off
    outbox.enqueue('telemetry', 't', 'after-crash');
    outbox = await reopen(outbox);
    expect(payloads(outbox).at(-1)).toBe('after-crash');
    expect(outbox.stats.messages).toBe(11);
  });

  it('drops a last record whose checksum does not match (torn write) and keeps the others', async () => {
    let outbox = await open();
    for (let i = 0; i < 3; i++) outbox.enqueue('telemetry', 't', `m${i}`);
    await outbox.stop();
    const last = path.join(dir, segmentFiles().at(-1)!);
    truncateSync(last, statSync(last).size - 1);
    appendFileSync(last, Buffer.from('X')); // same length, last byte changed
    outbox = await open();
    expect(payloads(outbox)).toEqual(['m0', 'm1']);
  });

  it('when full, drops the oldest telemetry and never an alert; the newest telemetry stays, in order', async () => {
    const maxBytes = 8192;
    const outbox = await open({ maxBytes, segmentBytes: 1024 });
    const alerts: string[] = [];
    for (let i = 0; i < 2000; i++) {
      if (i % 97 === 0) {
        alerts.push(`alert-${i}`);
        expect(outbox.enqueue('alert', 'a', `alert-${i}`).accepted).toBe(true);
      } else {
        expect(outbox.enqueue('telemetry', 't', `telemetry-${String(i).padStart(4, '0')}`).accepted).toBe(
          true,
        );
      }
      expect(outbox.stats.diskBytes).toBeLessThanOrEqual(maxBytes);
    }
    const kept = outbox.pendingAfter(0, 100_000);
    expect(kept.filter((r) => r.kind === 'alert').map((r) => r.payload.toString())).toEqual(alerts);
    const telemetry = kept
      .filter((r) => r.kind === 'telemetry')
      .map((r) => Number(r.payload.toString().slice(10)));
    expect(outbox.stats.dropped).toBeGreaterThan(1000);
    expect(telemetry.at(-1)).toBe(1999);
    // What is left is a contiguous run of the newest telemetry (dropping took the oldest).
    const expected = Array.from({ length: 2000 - telemetry[0]! }, (_, k) => telemetry[0]! + k).filter(
      (i) => i % 97 !== 0,
    );
    expect(telemetry).toEqual(expected);
    expect(kept.map((r) => r.seq)).toEqual([...kept.map((r) => r.seq)].sort((a, b) => a - b));
    expect(outbox.stats.dropped + kept.length).toBe(2000);
  });

  it('keeps the alerts kept by a full outbox across a restart', async () => {
    let outbox = await open({ maxBytes: 4096, segmentBytes: 512 });
    for (let i = 0; i < 500; i++) outbox.enqueue(i % 50 === 0 ? 'alert' : 'telemetry', 't', `r${i}`);
    const before = payloads(outbox);
    outbox = await reopen(outbox, { maxBytes: 4096, segmentBytes: 512 });
    expect(payloads(outbox)).toEqual(before);
    expect(before.filter((p) => ['r0', 'r50', 'r450'].includes(p))).toEqual(['r0', 'r50', 'r450']);
  });

  it('in refuse mode keeps the oldest telemetry and refuses new telemetry, but still takes alerts', async () => {
    const maxBytes = 4096;
    const outbox = await open({ maxBytes, segmentBytes: 512, whenFull: 'refuse-new-telemetry' });
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const result = outbox.enqueue('telemetry', 't', `telemetry-${i}`);
      if (result.accepted) accepted += 1;
      else refused += 1;
    }
    expect(refused).toBeGreaterThan(0);
    expect(payloads(outbox)).toEqual(Array.from({ length: accepted }, (_, i) => `telemetry-${i}`));
    expect(outbox.stats).toMatchObject({ refused, dropped: 0 });
    expect(outbox.enqueue('alert', 'a', 'fire!').accepted).toBe(true);
    expect(payloads(outbox).at(-1)).toBe('fire!');
    expect(outbox.stats.diskBytes).toBeLessThanOrEqual(maxBytes);
  });

  it('stores an alert beyond maxBytes when the outbox holds nothing but alerts', async () => {
    const outbox = await open({ maxBytes: 4096, segmentBytes: 512 });
    for (let i = 0; i < 200; i++) expect(outbox.enqueue('alert', 'a', `alert-${i}`).accepted).toBe(true);
    expect(outbox.stats.alertsOverBound).toBeGreaterThan(0);
    expect(payloads(outbox)).toHaveLength(200);
    expect(outbox.stats.diskBytes).toBeGreaterThan(4096);
    expect(outbox.enqueue('telemetry', 't', 'no room').accepted).toBe(false);
  });
});
