import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, type CorruptRegion } from './journal.js';

let dir: string;
const open = async (overrides: Partial<ConstructorParameters<typeof Journal>[0]> = {}) => {
  const journal = new Journal({
    dir,
    segmentBytes: 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    fsync: 'always',
    ...overrides,
  });
  await journal.open();
  return journal;
};
const readAll = async (journal: Journal) => {
  const all = [];
  for (let batch = await journal.read(); batch.length > 0; batch = await journal.read()) all.push(...batch);
  return all;
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lookout-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Journal', () => {
  it('returns appended records in order with consecutive seqs, and reading follows new appends', async () => {
    const journal = await open();
    const seqs = await Promise.all(
      Array.from({ length: 50 }, (_, i) => journal.append(`t/${i}`, Buffer.from(`payload ${i}`), 1000 + i)),
    );
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const records = await readAll(journal);
    expect(records.map((r) => r.topic)).toEqual(seqs.map((s) => `t/${s - 1}`));
    expect(records[7]).toEqual({ seq: 8, receivedAt: 1007, topic: 't/7', payload: Buffer.from('payload 7') });

    const woken = journal.waitForAppend();
    await journal.append('t/late', Buffer.from('x'));
    await woken;
    expect((await journal.read()).map((r) => r.seq)).toEqual([51]);
    await journal.close();
  });

  it('after a reopen replays exactly the records after the last commit', async () => {
    const first = await open();
    for (let i = 1; i <= 10; i++) await first.append('t', Buffer.from(String(i)));
    await readAll(first);
    first.commit(6);
    await first.close();

    const second = await open();
    expect(second.committedSeq).toBe(6);
    expect((await readAll(second)).map((r) => r.payload.toString())).toEqual(['7', '8', '9', '10']);
    expect(await second.append('t', Buffer.from('11'))).toBe(11);
    await second.close();
  });

  it('cuts off a torn record at the end (a crash during a write) and keeps every complete one', async () => {
    const first = await open();
    for (let i = 1; i <= 3; i++) await first.append('t', Buffer.from(String(i)));
    await first.close();
    const [segment] = (await readdir(dir)).filter((name) => name.endsWith('.seg'));
    await appendFile(path.join(dir, segment!), Buffer.from([40, 0, 0, 0, 1, 2, 3]));

    const second = await open();
    expect(second.lastSeq).toBe(3);
    expect(await second.append('t', Buffer.from('4'))).toBe(4);
    expect((await readAll(second)).map((r) => r.payload.toString())).toEqual(['1', '2', '3', '4']);
    await second.close();
  });

  // Every record here is 8 (header) + 18 (fixed body) + 1 (topic "t") + 4 (payload) = 31 bytes.
  const RECORD = 31;
  const payloadOf = (i: number) => Buffer.from(String(i).padStart(4, '0'));
  const damage = async (file: string, offset: number) => {
    const data = await readFile(file);
    data[offset] = data[offset]! ^ 0xff;
    await writeFile(file, data);
  };
  const segmentFiles = async () =>
    (await readdir(dir))
      .filter((name) => name.endsWith('.seg'))
      .sort()
      .map((name) => path.join(dir, name));

  it('skips a corrupt record in the middle of the last segment, counts it, and keeps every record after it', async () => {
    const first = await open();
    for (let i = 1; i <= 5; i++) await first.append('t', payloadOf(i));
    await first.close();
    const [segment] = await segmentFiles();
    await damage(segment!, 2 * RECORD + 28); // a payload byte of record 3

    const corrupt: CorruptRegion[] = [];
    const second = await open({ onCorrupt: (region) => corrupt.push(region) });
    expect(second.lastSeq).toBe(5);
    expect(await second.append('t', payloadOf(6))).toBe(6);
    expect((await readAll(second)).map((r) => r.seq)).toEqual([1, 2, 4, 5, 6]);
    expect(corrupt).toEqual([
      { file: segment, offset: 2 * RECORD, bytes: RECORD, firstLostSeq: 3, lastLostSeq: 3 },
    ]);
    await second.close();
  });

  it('skips a record whose length field is damaged in an older segment while the reader runs, and goes on', async () => {
    const corrupt: CorruptRegion[] = [];
    const journal = await open({
      segmentBytes: 10 * RECORD,
      fsync: 'never',
      onCorrupt: (region) => corrupt.push(region),
    });
    for (let i = 1; i <= 25; i++) await journal.append('t', payloadOf(i));
    const [oldest] = await segmentFiles();
    await damage(oldest!, 4 * RECORD + 1); // the length of record 5: it now claims more bytes than the segment has
    expect((await readAll(journal)).map((r) => r.seq)).toEqual(
      Array.from({ length: 25 }, (_, i) => i + 1).filter((seq) => seq !== 5),
    );
    expect(corrupt).toEqual([
      { file: oldest, offset: 4 * RECORD, bytes: RECORD, firstLostSeq: 5, lastLostSeq: 5 },
    ]);
    await journal.close();
  });

  it('rotates segments, deletes committed ones, and reports full until commits free room', async () => {
    const journal = await open({ segmentBytes: 2048, maxBytes: 8192, fsync: 'never' });
    const payload = Buffer.alloc(400, 'a');
    while (!journal.full) await journal.append('topic/x', payload);
    expect((await readdir(dir)).filter((name) => name.endsWith('.seg')).length).toBeGreaterThan(2);
    expect(await journal.waitForRoom(0)).toBe(false);

    const records = await readAll(journal);
    const room = journal.waitForRoom(30_000);
    journal.commit(records.at(-1)!.seq);
    expect(await room).toBe(true);
    expect(journal.full).toBe(false);
    expect(journal.pendingMessages).toBe(0);
    await journal.close();
    expect((await readdir(dir)).filter((name) => name.endsWith('.seg')).length).toBe(1);
  });

  it('keeps its read cursor right while committed segments are deleted under a concurrent reader', async () => {
    const journal = await open({ segmentBytes: 1024, maxBytes: 1024 * 1024, fsync: 'never' });
    const total = 3000;
    const seen: number[] = [];
    const reader = (async () => {
      while (seen.length < total) {
        const batch = await journal.read(300);
        if (batch.length === 0) {
          await journal.waitForAppend();
          continue;
        }
        for (const record of batch) seen.push(Number(record.payload.toString()));
        journal.commit(batch.at(-1)!.seq); // deletions run while the reader goes on
      }
    })();
    for (let i = 0; i < total; i++) {
      void journal.append('t', Buffer.from(String(i)));
      if (i % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await reader;
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
    await journal.close();
    expect((await readdir(dir)).filter((name) => name.endsWith('.seg')).length).toBe(1);
  });
});
