import {
  mkdir,
  open,
  readdir,
  rename,
  rm,
  stat,
  writeFile,
  readFile,
  type FileHandle,
} from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from '../../runtime/logger.js';

/**
 * An append-only journal of accepted MQTT messages, in segment files `<firstSeq>.seg`.
 *
 * Record = [u32 body length][u32 crc32(body)] body; body = [f64 seq][f64 receivedAt][u16 topic length] topic payload.
 * Appends are group-committed: every append waiting while a write runs goes into the next single `writev`
 * (plus one `fdatasync` with fsync `always`), so the cost of a sync is shared by all messages of that moment.
 * A torn record at the end of the last segment (crash in the middle of a write) is cut off on open: it was
 * never acknowledged, since `append` resolves only after the write (and sync) completed. A damaged record
 * with intact records after it (a bad disk block, not a torn write) is skipped: the reader finds the next
 * intact record by its length and CRC, reports the region (`onCorrupt`) and goes on.
 *
 * Reading is a single cursor (`read`) that follows the appends; `commit(seq)` says everything up to `seq`
 * is fully processed: the checkpoint file remembers it, and segments entirely below it are deleted.
 */
export interface JournalOptions {
  dir: string;
  segmentBytes: number;
  /** `full` is true from this many bytes on disk. */
  maxBytes: number;
  fsync: 'always' | 'never';
  log?: Logger;
  /** Called for each damaged region the reader skips (the records in it are lost). */
  onCorrupt?: (region: CorruptRegion) => void;
}

/** Bytes skipped by the reader because no intact record starts in them, and the seqs they held. */
export interface CorruptRegion {
  file: string;
  offset: number;
  bytes: number;
  /** `lastLostSeq < firstLostSeq` when the region held no record that was missed (garbage between records). */
  firstLostSeq: number;
  lastLostSeq: number;
}

export interface JournalRecord {
  seq: number;
  receivedAt: number;
  topic: string;
  payload: Buffer;
}

interface Segment {
  firstSeq: number;
  file: string;
  bytes: number;
}

interface PendingAppend {
  topic: string;
  payload: Buffer;
  receivedAt: number;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

const HEADER = 8;
const BODY_FIXED = 18;
const READ_CHUNK = 1024 * 1024;
const CHECKPOINT = 'checkpoint.json';

export class Journal {
  readonly #options: JournalOptions;
  readonly #segmentBytes: number;
  #segments: Segment[] = [];
  #active: FileHandle | undefined;
  #lastSeq = 0;
  #committedSeq = 0;
  #checkpointedSeq = 0;
  #pending: PendingAppend[] = [];
  /** Bytes of appends accepted but not yet written: they count towards `full`. */
  #pendingBytes = 0;
  #flushing = false;
  #closed = true;
  #read = { segment: 0, offset: 0 };
  /** Seq of the last record the cursor passed, to name what a corrupt region lost. */
  #lastReadSeq = 0;
  #readHandle: { file: string; handle: FileHandle } | undefined;
  #roomWaiters = new Set<() => void>();
  #appendWaiters = new Set<() => void>();
  #checkpointTimer: NodeJS.Timeout | undefined;
  #checkpointWrite: Promise<void> = Promise.resolve();

  constructor(options: JournalOptions) {
    this.#options = options;
    // The journal shrinks only by whole segments: keep several segments within the limit.
    this.#segmentBytes = Math.max(1024, Math.min(options.segmentBytes, Math.floor(options.maxBytes / 4)));
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }
  get committedSeq(): number {
    return this.#committedSeq;
  }
  /** Messages appended but not yet committed. */
  get pendingMessages(): number {
    return this.#lastSeq - this.#committedSeq;
  }
  get bytes(): number {
    return this.#segments.reduce((sum, segment) => sum + segment.bytes, 0);
  }
  /** At or above the limit, counting appends still being written. */
  get full(): boolean {
    return this.bytes + this.#pendingBytes >= this.#options.maxBytes;
  }

  /** Internal positions, for diagnostics. */
  describe(): Record<string, unknown> {
    return {
      segments: this.#segments.map((segment) => ({ firstSeq: segment.firstSeq, bytes: segment.bytes })),
      read: { ...this.#read },
      lastSeq: this.#lastSeq,
      committedSeq: this.#committedSeq,
      checkpointedSeq: this.#checkpointedSeq,
      pendingAppends: this.#pending.length,
      appendWaiters: this.#appendWaiters.size,
    };
  }

  async open(): Promise<void> {
    const dir = this.#options.dir;
    await mkdir(dir, { recursive: true });
    this.#committedSeq = await this.#readCheckpoint();
    const names = (await readdir(dir)).filter((name) => /^\d{16}\.seg$/.test(name)).sort();
    this.#segments = [];
    for (const name of names) {
      const file = path.join(dir, name);
      this.#segments.push({ firstSeq: Number(name.slice(0, 16)), file, bytes: (await stat(file)).size });
    }
    const last = this.#segments.at(-1);
    if (last) {
      const { lastSeq, validBytes } = await this.#scanSegment(last);
      if (validBytes < last.bytes) {
        this.#options.log?.warn(
          { file: last.file, validBytes, bytes: last.bytes },
          'journal: cutting off a torn record at the end',
        );
        const handle = await open(last.file, 'r+');
        await handle.truncate(validBytes);
        await handle.close();
        last.bytes = validBytes;
      }
      this.#lastSeq = lastSeq ?? last.firstSeq - 1;
    }
    const first = this.#segments[0];
    if (first && this.#committedSeq < first.firstSeq - 1) this.#committedSeq = first.firstSeq - 1;
    if (this.#committedSeq > this.#lastSeq) this.#lastSeq = this.#committedSeq;
    this.#checkpointedSeq = this.#committedSeq;
    await this.#deleteCommittedSegments();
    this.#read = { segment: 0, offset: 0 };
    this.#lastReadSeq = (this.#segments[0]?.firstSeq ?? 1) - 1;
    this.#closed = false;
    this.#options.log?.info(
      { dir, segments: this.#segments.length, committedSeq: this.#committedSeq, lastSeq: this.#lastSeq },
      'journal opened',
    );
  }

  /** Resolves with the record's seq once it is written (and synced with fsync `always`). */
  append(topic: string, payload: Buffer, receivedAt = Date.now()): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('journal is closed'));
    return new Promise((resolve, reject) => {
      this.#pending.push({ topic, payload, receivedAt, resolve, reject });
      this.#pendingBytes += HEADER + BODY_FIXED + Buffer.byteLength(topic) + payload.length;
      if (!this.#flushing) {
        this.#flushing = true;
        setImmediate(() => void this.#flushPending());
      }
    });
  }

  /**
   * Resolves true as soon as the journal is below its limit, false after `timeoutMs`. Check `full` again
   * right before appending: several waiters are woken at once.
   */
  waitForRoom(timeoutMs: number): Promise<boolean> {
    if (!this.full) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.#roomWaiters.delete(onRoom);
        resolve(value);
      };
      const onRoom = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#roomWaiters.add(onRoom);
    });
  }

  /** Resolves when something was appended after the reader's position (or immediately if it already was). */
  waitForAppend(): Promise<void> {
    if (this.#readerBehind()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#appendWaiters.add(resolve);
    });
  }

  /** Wakes every `waitForAppend` (used on stop). */
  interruptWaiters(): void {
    for (const wake of this.#appendWaiters) wake();
    this.#appendWaiters.clear();
  }

  /** Reads the next records after the cursor, up to about `maxBytes`; [] when the reader is at the end. */
  async read(maxBytes = READ_CHUNK): Promise<JournalRecord[]> {
    const records: JournalRecord[] = [];
    let budget = maxBytes;
    while (budget > 0 && !this.#closed) {
      const segment = this.#segments[this.#read.segment];
      if (!segment) break;
      if (this.#read.offset >= segment.bytes) {
        if (this.#read.segment >= this.#segments.length - 1) break;
        this.#read = { segment: this.#read.segment + 1, offset: 0 };
        continue;
      }
      const handle = await this.#readHandleFor(segment.file);
      const header = Buffer.alloc(HEADER);
      await handle.read(header, 0, HEADER, this.#read.offset);
      const length = header.readUInt32LE(0);
      const want = Math.min(
        segment.bytes - this.#read.offset,
        Math.max(HEADER + length, Math.min(budget, READ_CHUNK)),
      );
      const chunk = Buffer.allocUnsafe(want);
      const { bytesRead } = await handle.read(chunk, 0, want, this.#read.offset);
      let offset = 0;
      let damaged = false;
      while (offset + HEADER <= bytesRead) {
        const bodyLength = chunk.readUInt32LE(offset);
        const end = offset + HEADER + bodyLength;
        if (bodyLength < BODY_FIXED || this.#read.offset + end > segment.bytes) {
          damaged = true;
          break;
        }
        if (end > bytesRead) break;
        const body = chunk.subarray(offset + HEADER, end);
        if (crc32(body) !== chunk.readUInt32LE(offset + 4)) {
          damaged = true;
          break;
        }
        const record = decodeBody(body);
        offset = end;
        this.#lastReadSeq = record.seq;
        if (record.seq > this.#committedSeq) records.push(record);
      }
      this.#read.offset += offset;
      budget -= offset;
      // offset 0 without damage: fewer than a header's bytes left in the segment, which is damage too.
      if (damaged || offset === 0) await this.#skipDamage(segment);
    }
    return records;
  }

  /** Moves the cursor from a damaged record to the next intact one in its segment (or its end), and reports it. */
  async #skipDamage(segment: Segment): Promise<void> {
    const from = this.#read.offset;
    const handle = await this.#readHandleFor(segment.file);
    const rest = Buffer.alloc(segment.bytes - from);
    await handle.read(rest, 0, rest.length, from);
    const next = nextIntactRecord(rest, 1);
    const nextSeq =
      next === undefined
        ? (this.#segments[this.#read.segment + 1]?.firstSeq ?? this.#lastSeq + 1)
        : rest.readDoubleLE(next + HEADER);
    const region: CorruptRegion = {
      file: segment.file,
      offset: from,
      bytes: next ?? rest.length,
      firstLostSeq: this.#lastReadSeq + 1,
      lastLostSeq: nextSeq - 1,
    };
    this.#read.offset = from + region.bytes;
    this.#lastReadSeq = region.lastLostSeq;
    this.#options.log?.error(region, 'journal: skipped a damaged region; the records in it are lost');
    this.#options.onCorrupt?.(region);
  }

  /** Everything up to `seq` is fully processed. */
  commit(seq: number): void {
    if (seq <= this.#committedSeq) return;
    this.#committedSeq = Math.min(seq, this.#lastSeq);
    this.#checkpointTimer ??= setTimeout(() => {
      this.#checkpointTimer = undefined;
      this.#checkpointWrite = this.#checkpointWrite.then(() => this.#persistCommit());
    }, 100);
  }

  /** Finishes pending appends, writes the checkpoint and closes the files. */
  async close(): Promise<void> {
    if (this.#closed) return;
    while (this.#flushing) await new Promise((resolve) => setImmediate(resolve));
    this.#closed = true;
    this.interruptWaiters();
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
    await this.#checkpointWrite;
    await this.#persistCommit();
    await this.#active?.close();
    this.#active = undefined;
    await this.#readHandle?.handle.close();
    this.#readHandle = undefined;
  }

  async #flushPending(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      const firstSeq = this.#lastSeq + 1;
      const buffers = batch.map((entry, index) => encodeRecord(firstSeq + index, entry));
      const size = buffers.reduce((sum, buffer) => sum + buffer.length, 0);
      try {
        const segment = await this.#segmentForAppend(firstSeq);
        const handle = this.#active!;
        try {
          await writeAll(handle, buffers, segment.bytes, size);
          if (this.#options.fsync === 'always') await handle.datasync();
        } catch (error) {
          await handle.truncate(segment.bytes).catch(() => undefined);
          throw error;
        }
        segment.bytes += size;
        this.#pendingBytes -= size;
        this.#lastSeq = firstSeq + batch.length - 1;
      } catch (error) {
        this.#pendingBytes -= size;
        this.#options.log?.error({ err: error }, 'journal append failed');
        for (const entry of batch) entry.reject(error as Error);
        continue;
      }
      batch.forEach((entry, index) => entry.resolve(firstSeq + index));
      for (const wake of this.#appendWaiters) wake();
      this.#appendWaiters.clear();
    }
    this.#flushing = false;
  }

  async #segmentForAppend(nextSeq: number): Promise<Segment> {
    const current = this.#segments.at(-1);
    if (current && this.#active && current.bytes < this.#segmentBytes) return current;
    if (current && !this.#active && current.bytes < this.#segmentBytes) {
      this.#active = await open(current.file, 'r+');
      return current;
    }
    await this.#active?.close();
    const file = path.join(this.#options.dir, `${String(nextSeq).padStart(16, '0')}.seg`);
    this.#active = await open(file, 'w');
    // A new file's directory entry must be durable too, or a power loss could forget the whole segment.
    if (this.#options.fsync === 'always') await syncDirectory(this.#options.dir);
    const segment = { firstSeq: nextSeq, file, bytes: 0 };
    this.#segments.push(segment);
    return segment;
  }

  async #persistCommit(): Promise<void> {
    const seq = this.#committedSeq;
    if (seq !== this.#checkpointedSeq) {
      const file = path.join(this.#options.dir, CHECKPOINT);
      await writeFile(`${file}.tmp`, JSON.stringify({ committedSeq: seq }));
      await rename(`${file}.tmp`, file);
      this.#checkpointedSeq = seq;
    }
    await this.#deleteCommittedSegments();
  }

  async #deleteCommittedSegments(): Promise<void> {
    const doomed: Segment[] = [];
    const handles: FileHandle[] = [];
    // The segment list and the read cursor change together, synchronously: the reader runs concurrently
    // and must never see a list without the cursor fixed up (it would think it reached the end).
    // A segment is done when the next one starts at or below committed + 1; the last one is kept for appends.
    while (this.#segments.length > 1 && this.#segments[1]!.firstSeq <= this.#checkpointedSeq + 1) {
      if (this.#read.segment === 0 && this.#read.offset < this.#segments[0]!.bytes && !this.#closed) break;
      const segment = this.#segments.shift()!;
      if (this.#read.segment > 0) this.#read.segment -= 1;
      else this.#read.offset = 0;
      if (this.#readHandle?.file === segment.file) {
        handles.push(this.#readHandle.handle);
        this.#readHandle = undefined;
      }
      doomed.push(segment);
    }
    if (doomed.length === 0) return;
    for (const handle of handles) await handle.close().catch(() => undefined);
    for (const segment of doomed) await rm(segment.file, { force: true });
    if (!this.full) {
      for (const wake of this.#roomWaiters) wake();
      this.#roomWaiters.clear();
    }
  }

  async #readCheckpoint(): Promise<number> {
    try {
      const parsed = JSON.parse(await readFile(path.join(this.#options.dir, CHECKPOINT), 'utf8')) as {
        committedSeq?: unknown;
      };
      return typeof parsed.committedSeq === 'number' && parsed.committedSeq >= 0 ? parsed.committedSeq : 0;
    } catch {
      return 0;
    }
  }

  /**
   * The last intact seq of a segment and where its torn tail starts. A damaged record followed by intact ones is
   * not a torn write: it is kept for the reader to skip (and count), and the scan goes on after it.
   */
  async #scanSegment(segment: Segment): Promise<{ lastSeq: number | undefined; validBytes: number }> {
    const data = await readFile(segment.file);
    let offset = 0;
    let lastSeq: number | undefined;
    while (offset < data.length) {
      const end = intactRecordEnd(data, offset);
      if (end === undefined) {
        const next = nextIntactRecord(data, offset + 1);
        if (next === undefined) break;
        this.#options.log?.warn(
          { file: segment.file, offset, bytes: next - offset },
          'journal: damaged record in the middle of a segment',
        );
        offset = next;
        continue;
      }
      lastSeq = data.readDoubleLE(offset + HEADER);
      offset = end;
    }
    return { lastSeq, validBytes: offset };
  }

  async #readHandleFor(file: string): Promise<FileHandle> {
    if (this.#readHandle?.file === file) return this.#readHandle.handle;
    await this.#readHandle?.handle.close();
    this.#readHandle = { file, handle: await open(file, 'r') };
    return this.#readHandle.handle;
  }

  #readerBehind(): boolean {
    const segment = this.#segments[this.#read.segment];
    if (!segment) return false;
    return this.#read.offset < segment.bytes || this.#read.segment < this.#segments.length - 1;
  }
}

/** Where the record at `offset` ends if it is whole and its CRC matches. */
function intactRecordEnd(data: Buffer, offset: number): number | undefined {
  if (offset + HEADER + BODY_FIXED > data.length) return undefined;
  const length = data.readUInt32LE(offset);
  const end = offset + HEADER + length;
  if (length < BODY_FIXED || end > data.length) return undefined;
  if (crc32(data.subarray(offset + HEADER, end)) !== data.readUInt32LE(offset + 4)) return undefined;
  const seq = data.readDoubleLE(offset + HEADER);
  return Number.isSafeInteger(seq) && seq > 0 ? end : undefined;
}

/** The first offset from `from` on where an intact record starts (a CRC-32 match by chance is 1 in 4 billion). */
function nextIntactRecord(data: Buffer, from: number): number | undefined {
  for (let offset = from; offset + HEADER + BODY_FIXED <= data.length; offset++) {
    if (intactRecordEnd(data, offset) !== undefined) return offset;
  }
  return undefined;
}

const MAX_IOVECS = 512;

async function writeAll(
  handle: FileHandle,
  buffers: Buffer[],
  position: number,
  size: number,
): Promise<void> {
  let written = 0;
  for (let i = 0; i < buffers.length; i += MAX_IOVECS) {
    const { bytesWritten } = await handle.writev(buffers.slice(i, i + MAX_IOVECS), position + written);
    written += bytesWritten;
  }
  if (written !== size) throw new Error(`journal: short write (${written} of ${size} bytes)`);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function encodeRecord(seq: number, entry: { topic: string; payload: Buffer; receivedAt: number }): Buffer {
  const topicLength = Buffer.byteLength(entry.topic);
  const bodyLength = BODY_FIXED + topicLength + entry.payload.length;
  const record = Buffer.allocUnsafe(HEADER + bodyLength);
  record.writeUInt32LE(bodyLength, 0);
  record.writeDoubleLE(seq, HEADER);
  record.writeDoubleLE(entry.receivedAt, HEADER + 8);
  record.writeUInt16LE(topicLength, HEADER + 16);
  record.write(entry.topic, HEADER + BODY_FIXED);
  entry.payload.copy(record, HEADER + BODY_FIXED + topicLength);
  record.writeUInt32LE(crc32(record.subarray(HEADER)), 4);
  return record;
}

function decodeBody(body: Buffer): JournalRecord {
  const topicLength = body.readUInt16LE(16);
  return {
    seq: body.readDoubleLE(0),
    receivedAt: body.readDoubleLE(8),
    topic: body.toString('utf8', BODY_FIXED, BODY_FIXED + topicLength),
    payload: Buffer.from(body.subarray(BODY_FIXED + topicLength)),
  };
}
