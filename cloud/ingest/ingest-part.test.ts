import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '../../protocols/mqtt/topics.js';
import { silentLogger } from '../../runtime/logger.js';
import { makePositions, tempDir } from '../../tests/support/cloud-fixtures.js';
import { waitFor } from '../../tests/support/wait.js';
import { createCloudBus, type CloudEvents, type DurableSink } from '../events.js';
import { createCloudMetrics } from '../metrics.js';
import { IngestPart } from './ingest-part.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

class HoldingSink implements DurableSink {
  readonly name = 'holding';
  held: number[] = [];
  room = true;
  oldestPendingSeq = () => this.held[0];
  hasRoom = () => this.room;
}

async function startIngest(dir?: string, deadLetterFile?: string) {
  const journalDir = dir ?? (await tempDir('ingest'));
  if (!dir) cleanups.push(() => rm(journalDir, { recursive: true, force: true }));
  const bus = createCloudBus();
  const metrics = createCloudMetrics();
  const ingest = new IngestPart({
    journal: { dir: journalDir, segmentBytes: 1 << 20, maxBytes: 1 << 26, fsync: 'never' },
    fullWaitMs: 0,
    maxFutureSkewMs: 300_000,
    deadLetterFile,
    bus,
    metrics,
    log: silentLogger(),
  });
  const sink = new HoldingSink();
  ingest.addSink(sink);
  const positions: Array<CloudEvents['positions']> = [];
  bus.on('positions', (event) => {
    positions.push(event);
    sink.held.push(event.seq);
  });
  await ingest.start();
  let stopped = false;
  const stop = async () => {
    if (!stopped) await ingest.stop();
    stopped = true;
  };
  cleanups.push(stop);
  const publish = async (topic: string, payload: string) => {
    await ingest.gate(topic, Buffer.from(payload));
    bus.emit('mqttPublished', {
      topic,
      payload: Buffer.from(payload),
      retain: false,
      receivedAt: Date.now(),
    });
  };
  return { ingest, bus, metrics, sink, positions, publish, stop, journalDir };
}

const batch = (seq: number) =>
  JSON.stringify({
    edgeId: 'e1',
    seq,
    positions: makePositions(3, { startTs: 1_700_000_000_000 + seq * 10_000 }),
  });

describe('IngestPart', () => {
  it('journals durable kinds only, emits validated events in order with their journal seq', async () => {
    const { ingest, bus, positions, publish } = await startIngest();
    const statuses: string[] = [];
    bus.on('edgeStatus', ({ status }) => statuses.push(status.state));
    await publish(topics.vesselPositions('e1'), batch(1));
    await publish(topics.edgeStatus('e1'), '{"state":"online","ts":5}');
    await publish('some/other/topic', 'anything');
    await publish(topics.vesselPositions('e1'), batch(2));
    expect(ingest.journal.lastSeq).toBe(2);
    await waitFor(() => positions.length === 2, 15_000, 'two position events');
    expect(positions.map((p) => [p.seq, p.edgeId, p.positions.length, p.replayed])).toEqual([
      [1, 'e1', 3, false],
      [2, 'e1', 3, false],
    ]);
    expect(statuses).toEqual(['online']);
  });

  it('checkpoints only below what a sink still holds, and replays the rest after a restart', async () => {
    const first = await startIngest();
    for (let seq = 1; seq <= 4; seq++) await first.publish(topics.vesselPositions('e1'), batch(seq));
    await waitFor(() => first.positions.length === 4, 15_000, 'four events');
    first.sink.held = [3, 4]; // 1 and 2 are stored, 3 and 4 are not
    first.bus.emit('sinkProgress', { sink: 'holding' });
    expect(first.ingest.journal.committedSeq).toBe(2);
    await first.stop();

    const second = await startIngest(first.journalDir);
    await waitFor(() => second.positions.length === 2, 15_000, 'the replay');
    expect(second.positions.map((p) => [p.seq, p.replayed])).toEqual([
      [3, true],
      [4, true],
    ]);
  });

  it('stops reading the journal while a sink has no room, and resumes on sinkProgress', async () => {
    const { sink, bus, positions, publish } = await startIngest();
    sink.room = false;
    await publish(topics.vesselPositions('e1'), batch(1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(positions).toHaveLength(0);
    sink.room = true;
    bus.emit('sinkProgress', { sink: 'holding' });
    await waitFor(() => positions.length === 1, 15_000, 'the event after room appeared');
  });

  it('skips a corrupt record in the middle of the journal, counts it, and keeps reading what follows', async () => {
    const { sink, bus, metrics, positions, publish, journalDir } = await startIngest();
    sink.room = false; // the reader waits while the journal gets damaged under it
    for (let seq = 1; seq <= 3; seq++) await publish(topics.vesselPositions('e1'), batch(seq));
    const [segment] = (await readdir(journalDir)).filter((name) => name.endsWith('.seg'));
    const file = path.join(journalDir, segment!);
    const data = await readFile(file);
    const secondRecordStart = 8 + data.readUInt32LE(0);
    data[secondRecordStart + 100] = data[secondRecordStart + 100]! ^ 0xff;
    await writeFile(file, data);

    sink.room = true;
    bus.emit('sinkProgress', { sink: 'holding' });
    await waitFor(() => positions.length === 2, 15_000, 'the records around the corrupt one');
    await publish(topics.vesselPositions('e1'), batch(4));
    await waitFor(() => positions.length === 3, 15_000, 'a record appended after the corrupt one');
    expect(positions.map((p) => p.seq)).toEqual([1, 3, 4]);
    const corrupt = (await metrics.journalCorruptRecords.get()).values.map((v) => [v.labels.lane, v.value]);
    expect(corrupt).toEqual([['telemetry', 1]]);
  });

  it('counts invalid messages by reason and kind, including topics the tree does not know', async () => {
    const { metrics, publish, positions } = await startIngest();
    await publish(topics.vesselPositions('e1'), 'not json');
    await publish(topics.vesselStatics('e1'), JSON.stringify({ edgeId: 'e1', seq: 0, statics: [] }));
    await publish('lookout/v1/edge/e1/nonsense', '{}');
    await publish(topics.edgeHealth('e1'), '{"ts":1}');
    await publish(topics.vesselPositions('e1'), batch(9));
    await waitFor(() => positions.length === 1, 15_000, 'the valid batch');
    const values = (await metrics.invalidPayloads.get()).values.map((v) => [
      v.labels.reason,
      v.labels.kind,
      v.value,
    ]);
    expect(values).toEqual(
      expect.arrayContaining([
        ['invalid_json', 'vessels/positions', 1],
        ['schema', 'vessels/static', 1],
        ['unknown_topic', 'unknown', 1],
        ['schema', 'health', 1],
      ]),
    );
  });

  it('appends dropped payloads to the dead-letter file with topic, reason and errors', async () => {
    const dir = await tempDir('dead-letter');
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'dead-letter.ndjson');
    const { publish, stop, bus } = await startIngest(undefined, file);
    let rejected = 0;
    bus.on('invalidMessage', () => rejected++);
    await publish(topics.vesselPositions('e1'), '{"broken":');
    await publish(topics.edgeStatus('e1'), '{"state":"sleeping","ts":1}');
    await waitFor(() => rejected === 2, 15_000, 'both payloads rejected'); // the line is written in the same turn
    await stop();
    const lines = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line.topic, line.reason])).toEqual([
      [topics.edgeStatus('e1'), 'schema'],
      [topics.vesselPositions('e1'), 'invalid_json'],
    ]);
    expect(Buffer.from(String(lines[1]!.payload), 'base64').toString()).toBe('{"broken":');
    expect(String((lines[0]!.errors as string[])[0])).toMatch(/^\/state/);
  });
});
