import path from 'node:path';
import type { Registry } from 'prom-client';
import type {
  VesselPosition,
  VesselPositionBatch,
  VesselStatic,
  VesselStaticBatch,
} from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import type { Logger } from '../../runtime/logger.js';
import { Counter } from '../../runtime/metrics.js';
import type { Part } from '../../runtime/service.js';
import { BurstLog } from '../../runtime/log-limits.js';
import { Batcher } from './batcher.js';
import { ReceiptLog } from './receipt-log.js';
import type { EdgeBus } from '../events.js';
import type { EnqueueResult, OutboxKind } from '../outbox/outbox.js';

/** The receipt log's file name (beside the outbox's segments, which it never touches). */
export const RECEIPT_LOG = 'received.log';

export interface VesselBatchingOptions {
  edgeId: string;
  maxPositions: number;
  maxDelayMs: number;
  /** Folder of the receipt log (`received.log`, where received items wait until they are in the outbox); absent = memory only. */
  receiptLogDir?: string;
}

/** What batching needs from the outbox. */
export interface OutboxSink {
  readonly nextSeq: number;
  enqueue(kind: OutboxKind, topic: string, payload: string | Buffer): EnqueueResult;
}

export interface VesselBatchingDeps {
  bus: EdgeBus;
  outbox: OutboxSink;
  log: Logger;
  registry: Registry;
}

/**
 * Positions and statics from the bus -> `VesselPositionBatch` / `VesselStaticBatch` records in the outbox
 * (telemetry). A batch's `seq` is its outbox sequence number, so a batch can be traced end to end.
 * With a receipt log, what waits for its batch is also on disk: a crashed edge's next start sends it (both
 * kinds go to the outbox together, then the log is cleared; a crash in between sends them twice, never zero).
 */
export class VesselBatching implements Part {
  readonly name = 'vessel-batching';
  readonly #positions: Batcher<VesselPosition>;
  readonly #statics: Batcher<VesselStatic>;
  readonly #unsubscribe: Array<() => void> = [];
  readonly #refused: Counter<'topic'>;
  readonly #failed: Counter<'topic'>;
  readonly #limitedLog: BurstLog;
  readonly #receipts: ReceiptLog | undefined;
  readonly #enqueueWaiting: (positions: VesselPosition[], statics: VesselStatic[]) => void;
  refusedBatches = 0;
  /** Items a crashed run had received but not batched, sent at this start. */
  recovered = 0;

  constructor(
    private readonly options: VesselBatchingOptions,
    private readonly deps: VesselBatchingDeps,
  ) {
    const positionsTopic = topics.vesselPositions(options.edgeId);
    const staticsTopic = topics.vesselStatics(options.edgeId);
    this.#receipts = options.receiptLogDir
      ? new ReceiptLog(path.join(options.receiptLogDir, RECEIPT_LOG))
      : undefined;
    this.#enqueueWaiting = (positions, statics) => {
      if (positions.length > 0)
        this.#enqueue(
          positionsTopic,
          { edgeId: options.edgeId, seq: deps.outbox.nextSeq, positions } satisfies VesselPositionBatch,
          positions.length,
        );
      if (statics.length > 0)
        this.#enqueue(
          staticsTopic,
          { edgeId: options.edgeId, seq: deps.outbox.nextSeq, statics } satisfies VesselStaticBatch,
          statics.length,
        );
      this.#receipts?.clear();
    };
    this.#positions = new Batcher(options.maxPositions, options.maxDelayMs, (positions) =>
      this.#enqueueWaiting(positions, this.#statics.take()),
    );
    this.#statics = new Batcher(options.maxPositions, options.maxDelayMs, (statics) =>
      this.#enqueueWaiting(this.#positions.take(), statics),
    );
    this.#refused = new Counter({
      name: 'lookout_edge_batches_refused_total',
      help: 'Telemetry batches the full outbox refused (refuse-new-telemetry policy)',
      labelNames: ['topic'],
      registers: [deps.registry],
    });
    this.#failed = new Counter({
      name: 'lookout_edge_batches_failed_total',
      help: 'Telemetry batches lost because the outbox could not write them (disk full, I/O error)',
      labelNames: ['topic'],
      registers: [deps.registry],
    });
    this.#limitedLog = new BurstLog(deps.log);
  }

  async start(): Promise<void> {
    const left = this.#receipts?.open() ?? [];
    if (left.length > 0) {
      const positions = left.flatMap((item) => (item.kind === 'position' ? [item.value] : []));
      const statics = left.flatMap((item) => (item.kind === 'static' ? [item.value] : []));
      for (let i = 0; i < Math.max(positions.length, statics.length); i += this.options.maxPositions) {
        this.#enqueueWaiting(
          positions.slice(i, i + this.options.maxPositions),
          statics.slice(i, i + this.options.maxPositions),
        );
      }
      this.recovered = left.length;
      this.deps.log.warn(
        { positions: positions.length, statics: statics.length },
        'sent what the previous run had received but not batched (it did not stop cleanly)',
      );
    }
    this.#unsubscribe.push(
      this.deps.bus.on('vessel.position', (position) => {
        this.#receipts?.append({ kind: 'position', value: position });
        this.#positions.add(position);
      }),
      this.deps.bus.on('vessel.static', (vesselStatic) => {
        this.#receipts?.append({ kind: 'static', value: vesselStatic });
        this.#statics.add(vesselStatic);
      }),
    );
  }

  /** Stops listening and writes what is still waiting to the outbox. */
  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#enqueueWaiting(this.#positions.take(), this.#statics.take());
    this.#receipts?.close();
  }

  /**
   * Called from a bus listener (a full batch) and from the batch timer: a failed outbox write (ENOSPC) is
   * handled here, explicitly, because a throw would crash the edge from the timer. The batch is lost, as it
   * would be in a crash, but the edge keeps receiving and sending what is already stored.
   */
  #enqueue(topic: string, batch: object, items: number): void {
    let result: EnqueueResult;
    try {
      result = this.deps.outbox.enqueue('telemetry', topic, JSON.stringify(batch));
    } catch (error) {
      this.#failed.inc({ topic });
      this.#limitedLog.error(
        'failed',
        { topic, items, err: error },
        'outbox write failed: telemetry batch lost',
      );
      return;
    }
    if (!result.accepted) {
      this.refusedBatches += 1;
      this.#refused.inc({ topic });
      this.#limitedLog.warn('refused', { topic, items }, 'outbox full: telemetry batch refused');
    }
  }
}
