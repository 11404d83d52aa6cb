import type { Registry } from 'prom-client';
import { AisDecoder } from '../../protocols/ais/decoder.js';
import { toVesselPosition, toVesselStatic } from '../../protocols/ais/vessel.js';
import { recordTimeProblem } from '../../protocols/record-time.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { AisLine, EdgeBus } from '../events.js';
import { BurstLog } from '../../runtime/log-limits.js';
import { aisMetrics, type AisMetrics } from './ais-metrics.js';

export interface AisPipelineOptions {
  /** A message heard again (same payload, e.g. from two receivers) within this window is dropped; 0 = off. */
  dedupeWindowMs: number;
  /** At most one position per vessel per this many seconds; 0 = off. */
  downsampleMinIntervalS: number;
  maxPartialAgeMs: number;
  /** A message whose (tag-block) time is more than this far ahead of its receive time is refused and counted. */
  maxFutureSkewS: number;
}

export interface AisPipelineDeps {
  bus: EdgeBus;
  log: Logger;
  registry: Registry;
}

/**
 * `ais.line` -> decode (protocols/ais, multi-sentence messages reassembled per source) -> time check (a tag-block
 * time too far ahead, e.g. a receiver clock in 2100, would freeze the vessel at the cloud) -> duplicate drop ->
 * per-vessel downsampling -> `vessel.position` / `vessel.static`. A position's time is the tag-block `c:` time
 * when the line had one, else receive time.
 *
 * Duplicates are whole messages, after the checksum check: a fragment is not a message (part 2 of a type 5 is
 * often byte-identical across vessels, `!AIVDM,2,2,0,A,00000000000,2*24`), and a line with a bad checksum is
 * a `checksum` rejection however often it comes.
 */
export class AisPipeline implements Part {
  readonly name = 'ais-pipeline';
  readonly decoder: AisDecoder;
  readonly #dedupe: DuplicateFilter;
  readonly #downsampler: Downsampler;
  readonly #metrics: AisMetrics;
  readonly #limitedLog: BurstLog;
  #unsubscribe: (() => void) | undefined;
  duplicates = 0;
  downsampled = 0;
  /** Positions and statics handed on to the bus. */
  positions = 0;
  statics = 0;

  constructor(
    private readonly options: AisPipelineOptions,
    private readonly deps: AisPipelineDeps,
  ) {
    this.decoder = new AisDecoder({ maxPartialAgeMs: options.maxPartialAgeMs });
    this.#dedupe = new DuplicateFilter(options.dedupeWindowMs);
    this.#downsampler = new Downsampler(options.downsampleMinIntervalS * 1000);
    this.#metrics = aisMetrics(deps.registry);
    this.#metrics.decoderStats = this.decoder.stats;
    this.#limitedLog = new BurstLog(deps.log);
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.deps.bus.on('ais.line', (line) => this.handle(line));
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
  }

  handle({ line, receivedAtMs, source }: AisLine): void {
    const result = this.decoder.decode(line, receivedAtMs, source);
    switch (result.status) {
      case 'message':
        break;
      case 'rejected':
        this.#limitedLog.warn(
          `decoder:${result.reason}`,
          { source, reason: result.reason, detail: result.detail, line: line.slice(0, 120) },
          'AIS sentence rejected',
        );
        return;
      default:
        return;
    }
    const { message, timestampMs } = result;
    const timeProblem = recordTimeProblem(timestampMs, receivedAtMs, this.options.maxFutureSkewS * 1000);
    if (timeProblem) {
      this.#metrics.countPipelineRejected(timeProblem);
      this.#limitedLog.warn(
        `pipeline:${timeProblem}`,
        { source, reason: timeProblem, timestampMs, receivedAtMs, line: line.slice(0, 120) },
        'AIS message with an unusable time refused',
      );
      return;
    }
    if (this.#dedupe.isDuplicate(result.payload, receivedAtMs)) {
      this.duplicates += 1;
      this.#metrics.duplicates.inc();
      return;
    }
    this.#metrics.messages.inc({ type: String(message.type) });
    const position = toVesselPosition(message, timestampMs);
    if (position) {
      if (this.#downsampler.keep(position)) {
        this.positions += 1;
        this.deps.bus.emit('vessel.position', position);
      } else {
        this.downsampled += 1;
        this.#metrics.downsampled.inc();
      }
      return;
    }
    const vesselStatic = toVesselStatic(message, timestampMs);
    if (vesselStatic) {
      this.statics += 1;
      this.deps.bus.emit('vessel.static', vesselStatic);
    }
  }
}

/** Remembers message keys for `windowMs` (by receive time); memory is bounded by what arrives in one window. */
export class DuplicateFilter {
  readonly #seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  isDuplicate(sentence: string, atMs: number): boolean {
    if (this.windowMs <= 0) return false;
    this.#expire(atMs);
    const seenAt = this.#seen.get(sentence);
    if (seenAt !== undefined && atMs - seenAt <= this.windowMs) return true;
    this.#seen.delete(sentence); // re-insert: the Map stays in time order
    this.#seen.set(sentence, atMs);
    return false;
  }

  #expire(nowMs: number): void {
    for (const [sentence, at] of this.#seen) {
      if (nowMs - at <= this.windowMs) break;
      this.#seen.delete(sentence);
    }
  }
}

/** Keeps at most one position per vessel per interval (by position time). */
export class Downsampler {
  readonly #last = new Map<number, number>();

  constructor(private readonly intervalMs: number) {}

  keep(position: VesselPosition): boolean {
    if (this.intervalMs <= 0) return true;
    const last = this.#last.get(position.mmsi);
    if (last !== undefined && Math.abs(position.ts - last) < this.intervalMs) return false;
    this.#last.set(position.mmsi, Math.max(last ?? 0, position.ts));
    return true;
  }
}
