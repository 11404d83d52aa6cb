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
import type { EdgeBus } from '../events.js';
import type { EnqueueResult, OutboxKind } from '../outbox/outbox.js';

export interface VesselBatchingOptions {
  edgeId: string;
  maxPositions: number;
  maxDelayMs: number;
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
 */
export class VesselBatching implements Part {
  readonly name = 'vessel-batching';
  readonly #positions: Batcher<VesselPosition>;
  readonly #statics: Batcher<VesselStatic>;
  readonly #unsubscribe: Array<() => void> = [];
  readonly #refused: Counter<'topic'>;
  readonly #failed: Counter<'topic'>;
  readonly #limitedLog: BurstLog;
  refusedBatches = 0;

  constructor(
    private readonly options: VesselBatchingOptions,
    private readonly deps: VesselBatchingDeps,
  ) {
    const positionsTopic = topics.vesselPositions(options.edgeId);
    const staticsTopic = topics.vesselStatics(options.edgeId);
    this.#positions = new Batcher(options.maxPositions, options.maxDelayMs, (positions) => {
      const batch: VesselPositionBatch = { edgeId: options.edgeId, seq: deps.outbox.nextSeq, positions };
      this.#enqueue(positionsTopic, batch, positions.length);
    });
    this.#statics = new Batcher(options.maxPositions, options.maxDelayMs, (statics) => {
      const batch: VesselStaticBatch = { edgeId: options.edgeId, seq: deps.outbox.nextSeq, statics };
      this.#enqueue(staticsTopic, batch, statics.length);
    });
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
    this.#unsubscribe.push(
      this.deps.bus.on('vessel.position', (position) => this.#positions.add(position)),
      this.deps.bus.on('vessel.static', (vesselStatic) => this.#statics.add(vesselStatic)),
    );
  }

  /** Stops listening and writes what is still waiting to the outbox. */
  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#positions.flush();
    this.#statics.flush();
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
