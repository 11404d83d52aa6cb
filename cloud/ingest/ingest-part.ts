import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import type { EdgeHealth, EdgeStatus, VesselPositionBatch, VesselStaticBatch } from '../../protocols/mqtt/payloads.js';
import { parseEdgeTopic, TOPIC_ROOT, type ParsedEdgeTopic } from '../../protocols/mqtt/topics.js';
import { compileSchema, type CompiledSchema } from '../../protocols/validation.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { CloudBus, DurableSink, MessageOrigin } from '../events.js';
import { Journal, type JournalOptions, type JournalRecord } from '../journal/journal.js';
import type { CloudMetrics } from '../metrics.js';
import { edgePayloadSchemas, LIVE_KINDS } from './schemas.js';

export interface IngestOptions {
  journal: Omit<JournalOptions, 'log'>;
  /** How long a telemetry PUBLISH may wait for room in a full journal before it is refused. */
  fullWaitMs: number;
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

/**
 * Validates edge messages and turns them into bus events.
 *
 * Durable kinds go through the journal: `gate()` (called from the broker's authorizePublish, i.e. before
 * the PUBACK) appends the raw message; a single reader loop validates journalled records in order and emits
 * them; the journal checkpoint advances only below the oldest seq any DurableSink still holds. After a crash
 * the records after the checkpoint are read and emitted again (`replayed: true`).
 * Live kinds (status, health) are validated and emitted as they are published (`mqttPublished`).
 */
export class IngestPart implements Part {
  readonly name = 'ingest';
  readonly journal: Journal;
  readonly #sinks: DurableSink[] = [];
  readonly #validators = new Map<string, CompiledSchema<unknown>>();
  #stopped = true;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #dispatchedSeq = 0;
  #loopState = 'stopped';
  #replayUntilSeq = 0;
  #deadLetter: WriteStream | undefined;
  #unsubscribe: Array<() => void> = [];

  constructor(private readonly options: IngestOptions) {
    this.journal = new Journal({ ...options.journal, log: options.log });
    const schemas = { ...edgePayloadSchemas, ...options.schemas };
    for (const [kind, schema] of Object.entries(schemas)) if (schema) this.#validators.set(kind, compileSchema(schema));
  }

  /** Registers a sink whose pending work holds back the journal checkpoint (before start). */
  addSink(sink: DurableSink): void {
    this.#sinks.push(sink);
  }

  /** Where the reader loop is and where the journal stands, for diagnostics. */
  describe(): Record<string, unknown> {
    return { loop: this.#loopState, dispatchedSeq: this.#dispatchedSeq, journal: this.journal.describe() };
  }

  get dispatchedSeq(): number {
    return this.#dispatchedSeq;
  }

  async start(): Promise<void> {
    const { bus, deadLetterFile } = this.options;
    await this.journal.open();
    if (deadLetterFile) {
      await mkdir(path.dirname(deadLetterFile), { recursive: true });
      this.#deadLetter = createWriteStream(deadLetterFile, { flags: 'a' });
    }
    this.#dispatchedSeq = this.journal.committedSeq;
    this.#replayUntilSeq = this.journal.lastSeq;
    if (this.#replayUntilSeq > this.#dispatchedSeq) {
      this.options.log.info({ messages: this.#replayUntilSeq - this.#dispatchedSeq }, 'replaying journalled messages not yet stored');
    }
    this.#stopped = false;
    this.#unsubscribe = [
      bus.on('sinkProgress', () => {
        this.#commit();
        this.#wakeUp();
      }),
      bus.on('mqttPublished', (message) => this.#onPublished(message.topic, message.payload, message.receivedAt)),
    ];
    this.#loop = this.#run().catch((error: unknown) => {
      this.options.log.fatal({ err: error }, 'ingest loop failed; journalled messages will be replayed on restart');
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.journal.interruptWaiters();
    this.#wakeUp();
    await this.#loop;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    for (const sink of this.#sinks) await sink.flush?.(2000).catch(() => undefined);
    this.#commit();
    await this.journal.close();
    await new Promise<void>((resolve) => (this.#deadLetter ? this.#deadLetter.end(resolve) : resolve()));
    this.#deadLetter = undefined;
  }

  /**
   * Called by the broker before it acknowledges a PUBLISH. Durable edge messages resolve once journalled;
   * a full journal (after `fullWaitMs`) or a failed write rejects with PublishRefused.
   */
  gate = async (topic: string, payload: Buffer): Promise<void> => {
    if (!topic.startsWith(EDGE_PREFIX)) return;
    const parsed = parseEdgeTopic(topic);
    if (!parsed || LIVE_KINDS.has(parsed.kind)) return;
    if (this.#stopped) throw new PublishRefused('stopping');
    const deadline = Date.now() + this.options.fullWaitMs;
    // Re-checked synchronously right before the append, so that concurrent publishes cannot all slip in.
    while (this.journal.full) {
      if (!(await this.journal.waitForRoom(deadline - Date.now()))) {
        this.options.metrics.publishesRefused.inc({ reason: 'buffer_full' });
        throw new PublishRefused('buffer_full');
      }
    }
    try {
      await this.journal.append(topic, payload);
    } catch (error) {
      this.options.metrics.publishesRefused.inc({ reason: 'journal_error' });
      throw new PublishRefused(`journal_error: ${(error as Error).message}`);
    }
    this.#updateBufferGauges();
  };

  #onPublished(topic: string, payload: Buffer, receivedAt: number): void {
    if (!topic.startsWith(EDGE_PREFIX)) return;
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

  async #run(): Promise<void> {
    while (!this.#stopped) {
      if (!this.#sinks.every((sink) => sink.hasRoom())) {
        this.#loopState = 'waiting for sink room';
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      this.#loopState = 'reading';
      const records = await this.journal.read(READ_BYTES);
      if (records.length === 0) {
        this.#loopState = 'waiting for appends';
        await this.journal.waitForAppend();
        continue;
      }
      this.#loopState = 'dispatching';
      for (const record of records) this.#dispatch(record);
      this.#commit();
    }
  }

  #dispatch(record: JournalRecord): void {
    const parsed = parseEdgeTopic(record.topic);
    if (parsed) {
      const origin = { edgeId: parsed.edgeId, topic: record.topic, receivedAt: record.receivedAt, seq: record.seq, replayed: record.seq <= this.#replayUntilSeq };
      try {
        this.#handle(parsed, record.topic, record.payload, origin);
      } catch (error) {
        // A consumer threw: log it, never let one message stop the stream.
        this.options.log.error({ err: error, topic: record.topic, seq: record.seq }, 'event handler failed');
      }
    }
    this.#dispatchedSeq = record.seq;
  }

  #handle(parsed: ParsedEdgeTopic, topic: string, payload: Buffer, origin: MessageOrigin): void {
    const { bus } = this.options;
    const validator = this.#validators.get(parsed.kind);
    if (!validator) {
      this.#invalid(topic, parsed, 'no_schema', [`no schema for topic kind "${parsed.kind}"`], payload);
      return;
    }
    const result = validator.parseJson(payload);
    if (!result.ok) {
      const reason = result.errors[0]?.includes('invalid JSON') ? 'invalid_json' : 'schema';
      this.#invalid(topic, parsed, reason, result.errors, payload);
      return;
    }
    const value = result.value as Record<string, unknown>;
    if (typeof value.edgeId === 'string' && value.edgeId !== parsed.edgeId) {
      this.#invalid(topic, parsed, 'edge_id_mismatch', [`/edgeId: "${value.edgeId}" but the topic says "${parsed.edgeId}"`], payload);
      return;
    }
    switch (parsed.kind) {
      case 'vessels/positions':
        bus.emit('positions', { ...origin, seq: origin.seq ?? 0, positions: (value as VesselPositionBatch).positions });
        break;
      case 'vessels/static':
        bus.emit('statics', { ...origin, seq: origin.seq ?? 0, statics: (value as VesselStaticBatch).statics });
        break;
      case 'status':
        bus.emit('edgeStatus', { ...origin, status: value as EdgeStatus });
        break;
      case 'health':
        bus.emit('edgeHealth', { ...origin, health: value as EdgeHealth });
        break;
    }
    bus.emit('message', { ...origin, kind: parsed.kind, cameraId: parsed.cameraId, value });
  }

  #invalid(topic: string, parsed: ParsedEdgeTopic | undefined, reason: string, errors: string[], payload: Buffer): void {
    const kind = parsed?.kind ?? 'unknown';
    this.options.metrics.invalidPayloads.inc({ reason, kind });
    this.options.log.warn({ topic, reason, errors }, 'invalid edge message dropped');
    this.options.bus.emit('invalidMessage', { topic, edgeId: parsed?.edgeId, kind: parsed?.kind, reason, errors });
    this.#deadLetter?.write(
      `${JSON.stringify({ at: new Date().toISOString(), topic, reason, errors, payload: payload.toString('base64') })}\n`,
    );
  }

  #commit(): void {
    let floor = this.#dispatchedSeq;
    for (const sink of this.#sinks) {
      const oldest = sink.oldestPendingSeq();
      if (oldest !== undefined) floor = Math.min(floor, oldest - 1);
    }
    this.journal.commit(floor);
    this.#updateBufferGauges();
  }

  #updateBufferGauges(): void {
    this.options.metrics.bufferDiskBytes.set(this.journal.bytes);
    this.options.metrics.bufferDiskMessages.set(this.journal.pendingMessages);
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
