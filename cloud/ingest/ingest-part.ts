import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import type {
  EdgeHealth,
  EdgeStatus,
  FireAlert,
  VesselPositionBatch,
  VesselStaticBatch,
} from '../../protocols/mqtt/payloads.js';
import {
  isCloudToEdgeTopic,
  parseEdgeTopic,
  TOPIC_ROOT,
  type ParsedEdgeTopic,
} from '../../protocols/mqtt/topics.js';
import { compileSchema, type CompiledSchema } from '../../protocols/validation.js';
import { recordTimeProblem } from '../../protocols/record-time.js';
import { BurstLog, clipForLog } from '../../runtime/log-limits.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import {
  ingestLaneOf,
  type CloudBus,
  type DurableSink,
  type IngestLane,
  type MessageOrigin,
} from '../events.js';
import { Journal, type CorruptRegion, type JournalOptions, type JournalRecord } from '../journal/journal.js';
import type { CloudMetrics } from '../metrics.js';
import { edgePayloadSchemas, LIVE_KINDS } from './schemas.js';

export interface IngestOptions {
  /** Telemetry (and alerts when `alertsJournal` is absent). */
  journal: Omit<JournalOptions, 'log' | 'onCorrupt'>;
  /** Alerts' own journal, read on its own (`IngestLane`). */
  alertsJournal?: Omit<JournalOptions, 'log' | 'onCorrupt'>;
  /** How long a telemetry PUBLISH may wait for room in a full journal before it is refused. */
  fullWaitMs: number;
  /** A position or static report more than this far ahead of the broker's receive time is dropped and counted. */
  maxFutureSkewMs: number;
  /** File for invalid payloads (NDJSON), or undefined for none. */
  deadLetterFile?: string;
  /** Extra or replacing schemas per topic kind. */
  schemas?: Partial<Record<string, TSchema>>;
  bus: CloudBus;
  metrics: CloudMetrics;
  log: Logger;
}

/** Thrown to aedes from `authorizePublish`: the PUBLISH is not acknowledged and the edge keeps it. */
export class PublishRefused extends Error {
  constructor(readonly reason: string) {
    super(`publish refused: ${reason}`);
    this.name = 'PublishRefused';
  }
}

const EDGE_PREFIX = `${TOPIC_ROOT}/edge/`;
const READ_BYTES = 1024 * 1024;
/** Invalid messages of one reason and kind log once per this window, then one line with how many more. */
const INVALID_LOG_WINDOW_MS = 60_000;
/** JSON-path errors one log line carries for an invalid message. */
const LOGGED_ERRORS_MAX = 5;

type Validation =
  { ok: true; value: Record<string, unknown> } | { ok: false; reason: string; errors: string[] };

/** One journal with its reader loop, its sinks and where its dispatching stands. */
class Lane {
  readonly sinks: DurableSink[] = [];
  dispatchedSeq = 0;
  replayUntilSeq = 0;
  loop: Promise<void> | undefined;
  wake: (() => void) | undefined;
  state = 'stopped';

  constructor(
    readonly name: IngestLane,
    readonly journal: Journal,
  ) {}

  wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * Validates edge messages and turns them into bus events.
 *
 * Durable kinds go through a journal: `gate()` (called from the broker's authorizePublish, i.e. before
 * the PUBACK) appends the raw message; a reader loop per journal validates its records in order and emits
 * them; a journal's checkpoint advances only below the oldest seq its DurableSinks still hold. After a crash
 * the records after the checkpoint are read and emitted again (`replayed: true`). Alerts have a journal of
 * their own (`IngestLane`), so a telemetry backlog never holds a fire alert back.
 * Live kinds (status, health) are validated and emitted as they are published (`mqttPublished`).
 */
export class IngestPart implements Part {
  readonly name = 'ingest';
  /** The telemetry journal (the disk buffer in `/health`). */
  readonly journal: Journal;
  readonly alertsJournal: Journal | undefined;
  readonly #lanes: Lane[];
  readonly #validators = new Map<string, CompiledSchema<unknown>>();
  #stopped = true;
  #deadLetter: WriteStream | undefined;
  #unsubscribe: Array<() => void> = [];
  readonly #invalidLog: BurstLog;

  constructor(private readonly options: IngestOptions) {
    this.#invalidLog = new BurstLog(options.log, { windowMs: INVALID_LOG_WINDOW_MS });
    const countCorrupt = (lane: IngestLane) => (region: CorruptRegion) =>
      options.metrics.journalCorruptRecords.inc(
        { lane },
        Math.max(0, region.lastLostSeq - region.firstLostSeq + 1),
      );
    this.journal = new Journal({
      ...options.journal,
      log: options.log,
      onCorrupt: countCorrupt('telemetry'),
    });
    this.alertsJournal = options.alertsJournal
      ? new Journal({
          ...options.alertsJournal,
          log: options.log.child({ journal: 'alerts' }),
          onCorrupt: countCorrupt('alerts'),
        })
      : undefined;
    this.#lanes = [
      new Lane('telemetry', this.journal),
      ...(this.alertsJournal ? [new Lane('alerts', this.alertsJournal)] : []),
    ];
    this.addSchemas({ ...edgePayloadSchemas, ...options.schemas });
  }

  /** Validates these topic kinds with these schemas (replacing the core's own for a kind); before start. */
  addSchemas(schemas: Partial<Record<string, TSchema>>): void {
    for (const [kind, schema] of Object.entries(schemas))
      if (schema) this.#validators.set(kind, compileSchema(schema));
  }

  /** Registers a sink whose pending work holds back its lane's journal checkpoint (before start). */
  addSink(sink: DurableSink): void {
    this.#lane(sink.lane ?? 'telemetry').sinks.push(sink);
  }

  /** Where each reader loop is and where its journal stands, for diagnostics. */
  describe(): Record<string, unknown> {
    return Object.fromEntries(
      this.#lanes.map((lane) => [
        lane.name,
        { loop: lane.state, dispatchedSeq: lane.dispatchedSeq, journal: lane.journal.describe() },
      ]),
    );
  }

  #lane(name: IngestLane): Lane {
    return this.#lanes.find((lane) => lane.name === name) ?? this.#lanes[0]!;
  }

  async start(): Promise<void> {
    const { bus, deadLetterFile } = this.options;
    for (const lane of this.#lanes) await lane.journal.open();
    if (deadLetterFile) {
      await mkdir(path.dirname(deadLetterFile), { recursive: true });
      this.#deadLetter = createWriteStream(deadLetterFile, { flags: 'a' });
    }
    for (const lane of this.#lanes) {
      lane.dispatchedSeq = lane.journal.committedSeq;
      lane.replayUntilSeq = lane.journal.lastSeq;
      if (lane.replayUntilSeq > lane.dispatchedSeq) {
        this.options.log.info(
          { lane: lane.name, messages: lane.replayUntilSeq - lane.dispatchedSeq },
          'replaying journalled messages not yet stored',
        );
      }
    }
    this.#stopped = false;
    this.#unsubscribe = [
      bus.on('sinkProgress', () => {
        for (const lane of this.#lanes) {
          this.#commit(lane);
          lane.wakeUp();
        }
      }),
      bus.on('mqttPublished', (message) =>
        message.remote
          ? this.#onRemotePublished(message.topic, message.payload, message.receivedAt)
          : this.#onPublished(message.topic, message.payload, message.receivedAt),
      ),
    ];
    for (const lane of this.#lanes) {
      lane.loop = this.#run(lane).catch((error: unknown) => {
        this.options.log.fatal(
          { err: error, lane: lane.name },
          'ingest loop failed; journalled messages will be replayed on restart',
        );
      });
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const lane of this.#lanes) {
      lane.journal.interruptWaiters();
      lane.wakeUp();
    }
    await Promise.all(this.#lanes.map((lane) => lane.loop));
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const lane of this.#lanes) {
      for (const sink of lane.sinks) await sink.flush?.(2000).catch(() => undefined);
      this.#commit(lane);
      await lane.journal.close();
    }
    await new Promise<void>((resolve) => (this.#deadLetter ? this.#deadLetter.end(resolve) : resolve()));
    this.#deadLetter = undefined;
    this.#invalidLog.flush();
  }

  /**
   * May the broker keep this PUBLISH as a retained message? Only what would pass validation: the broker retains
   * before the journal reader validates, and every new subscriber would get an invalid retained message. An empty
   * payload (deleting a retained message) and topics outside `lookout/v1/` are the broker's business.
   */
  retainable = (topic: string, payload: Buffer): boolean => {
    if (payload.length === 0 || !topic.startsWith(`${TOPIC_ROOT}/`)) return true;
    const parsed = parseEdgeTopic(topic);
    return parsed !== undefined && this.#validate(parsed, payload).ok;
  };

  /**
   * Called by the broker before it acknowledges a PUBLISH. Durable edge messages resolve once journalled;
   * a full journal (after `fullWaitMs`) or a failed write rejects with PublishRefused.
   */
  gate = async (topic: string, payload: Buffer): Promise<void> => {
    if (!topic.startsWith(EDGE_PREFIX)) return;
    const parsed = parseEdgeTopic(topic);
    if (!parsed || LIVE_KINDS.has(parsed.kind)) return;
    if (this.#stopped) throw new PublishRefused('stopping');
    const { journal } = this.#lane(ingestLaneOf(parsed.kind));
    const deadline = Date.now() + this.options.fullWaitMs;
    // Re-checked synchronously right before the append, so that concurrent publishes cannot all slip in.
    while (journal.full) {
      if (!(await journal.waitForRoom(deadline - Date.now()))) {
        this.options.metrics.publishesRefused.inc({ reason: 'buffer_full' });
        throw new PublishRefused('buffer_full');
      }
    }
    try {
      await journal.append(topic, payload);
    } catch (error) {
      this.options.metrics.publishesRefused.inc({ reason: 'journal_error' });
      throw new PublishRefused(`journal_error: ${(error as Error).message}`);
    }
    this.#updateBufferGauges();
  };

  #onPublished(topic: string, payload: Buffer, receivedAt: number): void {
    // The cloud's own desired state for an edge is not a message from that edge.
    if (!topic.startsWith(EDGE_PREFIX) || isCloudToEdgeTopic(topic)) return;
    const parsed = parseEdgeTopic(topic);
    if (!parsed) {
      this.options.metrics.messagesIn.inc({ kind: 'unknown' });
      this.#invalid(topic, undefined, 'unknown_topic', [`${topic}: not a topic of ${TOPIC_ROOT}`], payload);
      return;
    }
    this.options.bus.emit('edgeActivity', { edgeId: parsed.edgeId, at: receivedAt });
    this.options.metrics.messagesIn.inc({ kind: parsed.kind });
    if (LIVE_KINDS.has(parsed.kind)) {
      this.#handle(parsed, topic, payload, { edgeId: parsed.edgeId, topic, receivedAt, replayed: false });
    }
  }

  /**
   * A message another cluster instance received (cloud/cluster), which journals and stores it. Live kinds are
   * handled here too, so that presence and the dashboard of every instance know every edge and camera; positions
   * and fire alerts go out as `peer*` events, only for the rules and the fire locator, which see everything on
   * every instance. Not counted: an invalid message, or a record with an unusable time, is that instance's to report.
   */
  #onRemotePublished(topic: string, payload: Buffer, receivedAt: number): void {
    const parsed = parseEdgeTopic(topic);
    if (!parsed) return;
    const live = LIVE_KINDS.has(parsed.kind);
    if (!live && parsed.kind !== 'vessels/positions' && parsed.kind !== 'alerts/fire') return;
    const validation = this.#validate(parsed, payload);
    if (!validation.ok) return;
    const { bus, maxFutureSkewMs } = this.options;
    const edgeId = parsed.edgeId;
    bus.emit('edgeActivity', { edgeId, at: receivedAt });
    if (live) {
      this.#emitValid(parsed, validation.value, { edgeId, topic, receivedAt, replayed: false });
    } else if (parsed.kind === 'vessels/positions') {
      const positions = (validation.value as VesselPositionBatch).positions.filter(
        (position) => recordTimeProblem(position.ts, receivedAt, maxFutureSkewMs) === undefined,
      );
      bus.emit('peerPositions', { edgeId, receivedAt, positions });
    } else {
      const alert = validation.value as FireAlert;
      if (recordTimeProblem(alert.ts, receivedAt, maxFutureSkewMs) !== undefined) alert.ts = receivedAt;
      bus.emit('peerFireAlert', { edgeId, receivedAt, alert });
    }
  }

  async #run(lane: Lane): Promise<void> {
    while (!this.#stopped) {
      if (!lane.sinks.every((sink) => sink.hasRoom())) {
        lane.state = 'waiting for sink room';
        await new Promise<void>((resolve) => (lane.wake = resolve));
        continue;
      }
      lane.state = 'reading';
      const records = await lane.journal.read(READ_BYTES);
      if (records.length === 0) {
        lane.state = 'waiting for appends';
        await lane.journal.waitForAppend();
        continue;
      }
      lane.state = 'dispatching';
      for (const record of records) this.#dispatch(lane, record);
      this.#commit(lane);
    }
  }

  #dispatch(lane: Lane, record: JournalRecord): void {
    const parsed = parseEdgeTopic(record.topic);
    if (parsed) {
      const origin = {
        edgeId: parsed.edgeId,
        topic: record.topic,
        receivedAt: record.receivedAt,
        seq: record.seq,
        replayed: record.seq <= lane.replayUntilSeq,
      };
      try {
        this.#handle(parsed, record.topic, record.payload, origin);
      } catch (error) {
        // Validation or the dead-letter write threw (a consumer's error stays on the bus, counted there):
        // log it, never let one message stop the stream.
        this.options.log.error({ err: error, topic: record.topic, seq: record.seq }, 'event handler failed');
      }
    }
    lane.dispatchedSeq = record.seq;
  }

  #validate(parsed: ParsedEdgeTopic, payload: Buffer): Validation {
    const validator = this.#validators.get(parsed.kind);
    if (!validator)
      return { ok: false, reason: 'no_schema', errors: [`no schema for topic kind "${parsed.kind}"`] };
    const result = validator.parseJson(payload);
    if (!result.ok)
      return {
        ok: false,
        reason: result.errors[0]?.includes('invalid JSON') ? 'invalid_json' : 'schema',
        errors: result.errors,
      };
    const value = result.value as Record<string, unknown>;
    if (typeof value.edgeId === 'string' && value.edgeId !== parsed.edgeId) {
      return {
        ok: false,
        reason: 'edge_id_mismatch',
        errors: [`/edgeId: "${value.edgeId}" but the topic says "${parsed.edgeId}"`],
      };
    }
    return { ok: true, value };
  }

  #handle(parsed: ParsedEdgeTopic, topic: string, payload: Buffer, origin: MessageOrigin): void {
    const validation = this.#validate(parsed, payload);
    if (!validation.ok) {
      this.#invalid(topic, parsed, validation.reason, validation.errors, payload);
      return;
    }
    this.#emitValid(parsed, validation.value, origin);
  }

  /** A message that passed its schema, to the bus: its own event (positions, statics, status...) and `message`. */
  #emitValid(parsed: ParsedEdgeTopic, value: Record<string, unknown>, origin: MessageOrigin): void {
    const { bus } = this.options;
    if (parsed.kind.startsWith('alerts/')) this.#restampUnusableTime(parsed.kind, value, origin.receivedAt);
    switch (parsed.kind) {
      case 'vessels/positions': {
        const batch = value as VesselPositionBatch;
        batch.positions = this.#withStorableTimes(parsed.kind, batch.positions, origin.receivedAt);
        bus.emit('positions', { ...origin, seq: origin.seq ?? 0, positions: batch.positions });
        break;
      }
      case 'vessels/static': {
        const batch = value as VesselStaticBatch;
        batch.statics = this.#withStorableTimes(parsed.kind, batch.statics, origin.receivedAt);
        bus.emit('statics', { ...origin, seq: origin.seq ?? 0, statics: batch.statics });
        break;
      }
      case 'status':
        bus.emit('edgeStatus', { ...origin, status: value as EdgeStatus });
        break;
      case 'health':
        bus.emit('edgeHealth', { ...origin, health: value as EdgeHealth });
        break;
    }
    bus.emit('message', { ...origin, kind: parsed.kind, cameraId: parsed.cameraId, value });
  }

  /**
   * Drops the records whose time is too far ahead of the broker's receive time (the journal keeps it, so a
   * replay judges the same) or beyond InfluxDB's range; counts them by reason. The rest of the message goes on:
   * refusing the whole PUBLISH instead would make the edge send it again forever (its outbox is ordered).
   */
  #withStorableTimes<T extends { ts: number; mmsi: number }>(
    kind: string,
    records: T[],
    receivedAt: number,
  ): T[] {
    const maxFutureSkewMs = this.options.maxFutureSkewMs;
    if (records.every((record) => recordTimeProblem(record.ts, receivedAt, maxFutureSkewMs) === undefined))
      return records;
    return records.filter((record) => {
      const reason = recordTimeProblem(record.ts, receivedAt, maxFutureSkewMs);
      if (reason === undefined) return true;
      this.options.metrics.invalidRecords.inc({ reason, kind });
      this.#invalidLog.warn(
        reason,
        { kind, reason, mmsi: record.mmsi, ts: record.ts, receivedAt },
        'record with an unusable time dropped',
      );
      return false;
    });
  }

  /**
   * An alert is never dropped: one whose `ts` cannot be stored (beyond InfluxDB, or too far ahead) is kept at the
   * broker's receive time instead, counted like a dropped record. Stored as it came, it would fail its InfluxDB
   * write for ever and hold every later alert of the lane behind it.
   */
  #restampUnusableTime(kind: string, value: Record<string, unknown>, receivedAt: number): void {
    if (typeof value.ts !== 'number') return;
    const reason = recordTimeProblem(value.ts, receivedAt, this.options.maxFutureSkewMs);
    if (reason === undefined) return;
    this.options.metrics.invalidRecords.inc({ reason, kind });
    this.#invalidLog.warn(
      `${kind}:${reason}`,
      { kind, reason, ts: value.ts, receivedAt },
      'alert with an unusable time kept at its receive time',
    );
    value.ts = receivedAt;
  }

  #invalid(
    topic: string,
    parsed: ParsedEdgeTopic | undefined,
    reason: string,
    errors: string[],
    payload: Buffer,
  ): void {
    const kind = parsed?.kind ?? 'unknown';
    this.options.metrics.invalidPayloads.inc({ reason, kind });
    const logged = {
      topic: clipForLog(topic),
      reason,
      kind,
      errors: errors.slice(0, LOGGED_ERRORS_MAX).map((error) => clipForLog(error)),
    };
    this.#invalidLog.warn(`${reason}|${kind}`, logged, 'invalid edge message dropped');
    this.options.bus.emit('invalidMessage', {
      topic,
      edgeId: parsed?.edgeId,
      kind: parsed?.kind,
      reason,
      errors,
    });
    this.#deadLetter?.write(
      `${JSON.stringify({ at: new Date().toISOString(), topic, reason, errors, payload: payload.toString('base64') })}\n`,
    );
  }

  #commit(lane: Lane): void {
    let floor = lane.dispatchedSeq;
    for (const sink of lane.sinks) {
      const oldest = sink.oldestPendingSeq();
      if (oldest !== undefined) floor = Math.min(floor, oldest - 1);
    }
    lane.journal.commit(floor);
    this.#updateBufferGauges();
  }

  /** Both journals together: what waits on this cloud's disk. */
  #updateBufferGauges(): void {
    this.options.metrics.bufferDiskBytes.set(this.#lanes.reduce((sum, lane) => sum + lane.journal.bytes, 0));
    this.options.metrics.bufferDiskMessages.set(
      this.#lanes.reduce((sum, lane) => sum + lane.journal.pendingMessages, 0),
    );
  }
}
