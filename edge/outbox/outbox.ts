import {
  closeSync,
  fdatasyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from '../../runtime/logger.js';
import { Counter, Gauge } from '../../runtime/metrics.js';
import type { Part } from '../../runtime/service.js';
import { decodeRecord, encodeRecord, recordSize, type OutboxKind, type OutboxRecord } from './format.js';

export type { OutboxKind, OutboxRecord };

export type WhenFull = 'drop-oldest-telemetry' | 'refuse-new-telemetry';

export interface OutboxOptions {
  dir: string;
  maxBytes: number;
  whenFull: WhenFull;
  fsync?: boolean;
  /** A segment file is closed and a new one started beyond this size; default maxBytes / 16 (at most 16 MiB). */
  segmentBytes?: number;
}

export interface OutboxDeps {
  log: Logger;
  registry?: Registry;
  /** Called after each append (the uplink wakes up). */
  onAppended?: (seq: number) => void;
}

export type EnqueueResult = { accepted: true; seq: number } | { accepted: false; reason: 'full' };

export interface OutboxStats {
  /** Records waiting for a PUBACK. */
  messages: number;
  /** Bytes of those records. */
  bytes: number;
  /** Bytes of the segment files on disk (what `maxBytes` bounds). */
  diskBytes: number;
  dropped: number;
  refused: number;
  alertsOverBound: number;
  appended: number;
  acked: number;
}

interface Segment {
  firstSeq: number;
  file: string;
  fd: number;
  bytes: number;
  live: number;
  liveAlertBytes: number;
}

interface Entry {
  seq: number;
  kind: OutboxKind;
  size: number;
  offset: number;
  segment: Segment;
  acked: boolean;
}

const SEGMENT_SUFFIX = '.seg';
const CURSOR_FILE = 'acked';

/**
 * Store-and-forward outbox: an append-only log of segment files. Records leave it only when `ack(seq)`
 * says the broker acknowledged them (or when the full policy drops telemetry). See edge/README.md.
 */
export class DiskOutbox implements Part {
  readonly name = 'outbox';
  readonly #options: Required<OutboxOptions>;
  readonly #log: Logger;
  readonly #onAppended: ((seq: number) => void) | undefined;
  #segments: Segment[] = [];
  #tail: Segment | undefined;
  #entries: Entry[] = [];
  #head = 0;
  #bySeq = new Map<number, Entry>();
  #nextSeq = 1;
  #ackedThrough = 0;
  #persistedThrough = 0;
  #cursorTimer: NodeJS.Timeout | undefined;
  #open = false;
  readonly #stats = {
    dropped: 0,
    refused: 0,
    alertsOverBound: 0,
    appended: 0,
    acked: 0,
    bytes: 0,
    diskBytes: 0,
  };
  readonly #metrics;

  constructor(options: OutboxOptions, deps: OutboxDeps) {
    // Small segments make the full policy drop little at a time: it drops telemetry a segment at once.
    const segmentBytes =
      options.segmentBytes ?? Math.min(16 << 20, Math.max(256, Math.floor(options.maxBytes / 16)));
    this.#options = { fsync: false, ...options, segmentBytes };
    this.#log = deps.log.child({ part: 'outbox' });
    this.#onAppended = deps.onAppended;
    this.#metrics = deps.registry ? createOutboxMetrics(deps.registry, this) : undefined;
  }

  get stats(): OutboxStats {
    return {
      messages: this.#bySeq.size,
      bytes: this.#stats.bytes,
      diskBytes: this.#stats.diskBytes,
      dropped: this.#stats.dropped,
      refused: this.#stats.refused,
      alertsOverBound: this.#stats.alertsOverBound,
      appended: this.#stats.appended,
      acked: this.#stats.acked,
    };
  }

  /** The sequence number the next accepted record will get. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Sequence number of the oldest record still waiting, or undefined when empty. */
  get firstPendingSeq(): number | undefined {
    this.#skipAckedHead();
    return this.#entries[this.#head]?.seq;
  }

  async start(): Promise<void> {
    mkdirSync(this.#options.dir, { recursive: true });
    this.#ackedThrough = this.#readCursor();
    this.#persistedThrough = this.#ackedThrough;
    this.#recover();
    this.#open = true;
    this.#log.info({ dir: this.#options.dir, ...this.stats, nextSeq: this.#nextSeq }, 'outbox opened');
  }

  async stop(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    clearTimeout(this.#cursorTimer);
    this.#persistCursor();
    for (const segment of this.#segments) closeSync(segment.fd);
    this.#segments = [];
    this.#tail = undefined;
    this.#entries = [];
    this.#head = 0;
    this.#bySeq.clear();
  }

  /**
   * Appends a record. Telemetry may be refused or may push out older telemetry when the outbox is full
   * (per `whenFull`); an alert is always accepted, even beyond `maxBytes` when nothing else can go.
   */
  enqueue(kind: OutboxKind, topic: string, payload: Buffer | string): EnqueueResult {
    if (!this.#open) throw new Error('outbox is not open');
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const size = recordSize(topic, bytes.length);
    if (!this.#hasRoomFor(size)) {
      if (kind === 'telemetry' && this.#options.whenFull === 'refuse-new-telemetry') {
        this.#stats.refused += 1;
        this.#metrics?.refused.inc();
        return { accepted: false, reason: 'full' };
      }
      this.#makeRoom(size);
      if (!this.#hasRoomFor(size)) {
        if (kind === 'telemetry') {
          this.#stats.refused += 1;
          this.#metrics?.refused.inc();
          return { accepted: false, reason: 'full' };
        }
        this.#stats.alertsOverBound += 1;
        this.#log.warn(
          { diskBytes: this.#stats.diskBytes, maxBytes: this.#options.maxBytes },
          'outbox holds only alerts: alert stored beyond maxBytes',
        );
      }
    }
    const seq = this.#nextSeq++;
    const segment = this.#tailFor(size, seq);
    const encoded = encodeRecord({ seq, kind, topic, payload: bytes, enqueuedAtMs: Date.now() });
    const offset = segment.bytes;
    writeSync(segment.fd, encoded);
    if (this.#options.fsync) fdatasyncSync(segment.fd);
    segment.bytes += size;
    this.#stats.diskBytes += size;
    this.#addEntry({ seq, kind, size, offset, segment, acked: false });
    this.#stats.appended += 1;
    this.#metrics?.appended.inc({ kind });
    this.#onAppended?.(seq);
    return { accepted: true, seq };
  }

  /** Up to `limit` waiting records with a sequence number above `afterSeq`, oldest first. */
  pendingAfter(afterSeq: number, limit: number): OutboxRecord[] {
    const result: OutboxRecord[] = [];
    for (let i = this.#firstIndexAbove(afterSeq); i < this.#entries.length && result.length < limit; i++) {
      const entry = this.#entries[i]!;
      if (entry.acked) continue;
      result.push(this.#read(entry));
    }
    return result;
  }

  /** The broker acknowledged `seq`: the record leaves the outbox (unknown or already dropped: ignored). */
  ack(seq: number): void {
    const entry = this.#bySeq.get(seq);
    if (!entry || entry.acked) return;
    entry.acked = true;
    this.#removeLive(entry);
    this.#stats.acked += 1;
    this.#metrics?.acked.inc();
    this.#skipAckedHead();
    this.#releaseEmptySegments();
    this.#scheduleCursorWrite();
  }

  // ---- room and the full policy ----

  #hasRoomFor(size: number): boolean {
    return this.#stats.diskBytes + size <= this.#options.maxBytes;
  }

  /** Frees disk by deleting fully delivered segments and rewriting the oldest ones without their telemetry. */
  #makeRoom(size: number): void {
    const dropped0 = this.#stats.dropped;
    for (const segment of [...this.#segments]) {
      if (this.#hasRoomFor(size)) break;
      if (segment.bytes === segment.liveAlertBytes) continue; // only live alerts: nothing to gain
      if (segment === this.#tail) this.#tail = undefined; // new records go to a new segment
      this.#compact(segment);
    }
    this.#skipAckedHead();
    const dropped = this.#stats.dropped - dropped0;
    if (dropped > 0)
      this.#log.warn({ dropped, totalDropped: this.#stats.dropped }, 'outbox full: dropped oldest telemetry');
  }

  /** Rewrites a segment with only its live alerts (atomic rename); its live telemetry is dropped. */
  #compact(segment: Segment): void {
    const kept: Entry[] = [];
    for (const entry of this.#liveEntriesOf(segment)) {
      if (entry.kind === 'alert') {
        kept.push(entry);
      } else {
        this.#removeLive(entry);
        this.#stats.dropped += 1;
        this.#metrics?.dropped.inc({ kind: 'telemetry' });
      }
    }
    if (kept.length === 0) {
      this.#deleteSegment(segment);
      return;
    }
    const records = kept.map((entry) => this.#readRaw(entry));
    const temporary = `${segment.file}.tmp`;
    writeFileSync(temporary, Buffer.concat(records));
    if (this.#options.fsync) {
      const fd = openSync(temporary, 'r');
      fdatasyncSync(fd);
      closeSync(fd);
    }
    renameSync(temporary, segment.file);
    closeSync(segment.fd);
    segment.fd = openSync(segment.file, 'a+');
    let offset = 0;
    for (const entry of kept) {
      entry.offset = offset;
      offset += entry.size;
    }
    this.#stats.diskBytes -= segment.bytes - offset;
    segment.bytes = offset;
  }

  #liveEntriesOf(segment: Segment): Entry[] {
    const result: Entry[] = [];
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i]!;
      if (!entry.acked && entry.segment === segment) result.push(entry);
    }
    return result;
  }

  // ---- segments ----

  #tailFor(size: number, seq: number): Segment {
    const tail = this.#tail;
    if (tail && (tail.bytes === 0 || tail.bytes + size <= this.#options.segmentBytes)) return tail;
    const file = path.join(this.#options.dir, `${String(seq).padStart(20, '0')}${SEGMENT_SUFFIX}`);
    const segment: Segment = {
      firstSeq: seq,
      file,
      fd: openSync(file, 'a+'),
      bytes: 0,
      live: 0,
      liveAlertBytes: 0,
    };
    this.#segments.push(segment);
    this.#tail = segment;
    this.#releaseEmptySegments();
    return segment;
  }

  #releaseEmptySegments(): void {
    for (const segment of [...this.#segments]) {
      if (segment.live === 0 && segment !== this.#tail) this.#deleteSegment(segment);
    }
  }

  #deleteSegment(segment: Segment): void {
    // The cursor must be on disk before the records it covers disappear, or a restart would reuse their seqs.
    this.#persistCursor();
    closeSync(segment.fd);
    unlinkSync(segment.file);
    this.#stats.diskBytes -= segment.bytes;
    this.#segments = this.#segments.filter((s) => s !== segment);
    if (this.#tail === segment) this.#tail = undefined;
  }

  // ---- entries ----

  #addEntry(entry: Entry): void {
    this.#entries.push(entry);
    this.#bySeq.set(entry.seq, entry);
    entry.segment.live += 1;
    if (entry.kind === 'alert') entry.segment.liveAlertBytes += entry.size;
    this.#stats.bytes += entry.size;
  }

  #removeLive(entry: Entry): void {
    entry.acked = true;
    this.#bySeq.delete(entry.seq);
    entry.segment.live -= 1;
    if (entry.kind === 'alert') entry.segment.liveAlertBytes -= entry.size;
    this.#stats.bytes -= entry.size;
  }

  #skipAckedHead(): void {
    while (this.#head < this.#entries.length && this.#entries[this.#head]!.acked) {
      this.#ackedThrough = Math.max(this.#ackedThrough, this.#entries[this.#head]!.seq);
      this.#head += 1;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  #firstIndexAbove(seq: number): number {
    let low = this.#head;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#entries[middle]!.seq <= seq) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #readRaw(entry: Entry): Buffer {
    const buffer = Buffer.allocUnsafe(entry.size);
    const read = readSync(entry.segment.fd, buffer, 0, entry.size, entry.offset);
    if (read !== entry.size)
      throw new Error(`outbox: short read of record ${entry.seq} in ${entry.segment.file}`);
    return buffer;
  }

  #read(entry: Entry): OutboxRecord {
    const decoded = decodeRecord(this.#readRaw(entry), 0);
    if (!decoded.ok)
      throw new Error(
        `outbox: record ${entry.seq} in ${entry.segment.file} is damaged on disk (${decoded.reason})`,
      );
    return decoded.record;
  }

  // ---- the acknowledged cursor ----

  #readCursor(): number {
    try {
      const value = Number(readFileSync(path.join(this.#options.dir, CURSOR_FILE), 'utf8').trim());
      return Number.isSafeInteger(value) && value >= 0 ? value : 0;
    } catch {
      return 0;
    }
  }

  #scheduleCursorWrite(): void {
    if (this.#cursorTimer) return;
    this.#cursorTimer = setTimeout(() => {
      this.#cursorTimer = undefined;
      if (this.#open) this.#persistCursor();
    }, 200);
    this.#cursorTimer.unref();
  }

  #persistCursor(): void {
    if (this.#ackedThrough === this.#persistedThrough) return;
    const file = path.join(this.#options.dir, CURSOR_FILE);
    writeFileSync(`${file}.tmp`, `${this.#ackedThrough}\n`);
    renameSync(`${file}.tmp`, file);
    this.#persistedThrough = this.#ackedThrough;
  }

  // ---- recovery ----

  #recover(): void {
    const dir = this.#options.dir;
    const names = readdirSync(dir).sort();
    for (const name of names) if (name.endsWith('.tmp')) rmSync(path.join(dir, name), { force: true });
    let lastSeq = this.#ackedThrough;
    for (const name of names.filter((n) => n.endsWith(SEGMENT_SUFFIX))) {
      const file = path.join(dir, name);
      const content = readFileSync(file);
      const segment: Segment = {
        firstSeq: Number(name.slice(0, -SEGMENT_SUFFIX.length)),
        file,
        fd: -1,
        bytes: 0,
        live: 0,
        liveAlertBytes: 0,
      };
      let offset = 0;
      while (offset < content.length) {
        const decoded = decodeRecord(content, offset);
        if (!decoded.ok) {
          this.#log.warn(
            { file, offset, reason: decoded.reason, discardedBytes: content.length - offset },
            'outbox: damaged or partial record, truncating the segment there',
          );
          this.#metrics?.truncated.inc({ reason: decoded.reason });
          break;
        }
        const { record, size } = decoded;
        if (record.seq > this.#ackedThrough && record.seq > lastSeq) {
          this.#addEntry({ seq: record.seq, kind: record.kind, size, offset, segment, acked: false });
        }
        lastSeq = Math.max(lastSeq, record.seq);
        offset += size;
      }
      segment.fd = openSync(file, 'a+');
      if (offset < content.length) ftruncateSync(segment.fd, offset);
      segment.bytes = offset;
      this.#stats.diskBytes += offset;
      this.#segments.push(segment);
    }
    this.#nextSeq = lastSeq + 1;
    this.#tail = this.#segments.at(-1);
    this.#releaseEmptySegments();
  }
}

function createOutboxMetrics(registry: Registry, outbox: DiskOutbox) {
  new Gauge({
    name: 'lookout_edge_outbox_messages',
    help: 'Records in the outbox waiting for a broker acknowledgement',
    registers: [registry],
    collect() {
      this.set(outbox.stats.messages);
    },
  });
  new Gauge({
    name: 'lookout_edge_outbox_bytes',
    help: 'Bytes of the records waiting in the outbox',
    registers: [registry],
    collect() {
      this.set(outbox.stats.bytes);
    },
  });
  new Gauge({
    name: 'lookout_edge_outbox_disk_bytes',
    help: 'Bytes of outbox segment files on disk (bounded by outbox.maxBytes)',
    registers: [registry],
    collect() {
      this.set(outbox.stats.diskBytes);
    },
  });
  return {
    appended: new Counter({
      name: 'lookout_edge_outbox_appended_total',
      help: 'Records appended to the outbox',
      labelNames: ['kind'],
      registers: [registry],
    }),
    acked: new Counter({
      name: 'lookout_edge_outbox_acked_total',
      help: 'Records acknowledged by the broker and removed',
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'lookout_edge_outbox_dropped_total',
      help: 'Records dropped because the outbox was full',
      labelNames: ['kind'],
      registers: [registry],
    }),
    refused: new Counter({
      name: 'lookout_edge_outbox_refused_total',
      help: 'Telemetry refused because the outbox was full',
      registers: [registry],
    }),
    truncated: new Counter({
      name: 'lookout_edge_outbox_truncated_total',
      help: 'Damaged or partial records cut off when opening the outbox',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
