import type { Registry } from 'prom-client';
import { Counter, Gauge } from '../../runtime/metrics.js';

/** The AIS counters of one edge, shared by the receivers and the decode pipeline (one set per registry). */
export interface AisMetrics {
  bytes: Counter<'receiver'>;
  lines: Counter<'receiver'>;
  messages: Counter<'type'>;
  duplicates: Counter;
  downsampled: Counter;
  tcpConnections: Gauge;
  /** Receiver-stage rejections by reason (line_too_long, not_text). */
  readonly receiverRejected: Map<string, number>;
  /** Pipeline-stage rejections of decoded messages by reason (future_time, time_out_of_range). */
  readonly pipelineRejected: Map<string, number>;
  /** The decoder's own tally (set by the pipeline): `rejected` by reason, `ignored`. */
  decoderStats:
    { rejected: Record<string, number>; ignored: number; sentences: number; messages: number } | undefined;
  countReceiverRejected(reason: string): void;
  countPipelineRejected(reason: string): void;
  /** Everything rejected so far, both stages. */
  rejectedTotal(): number;
}

const byRegistry = new WeakMap<Registry, AisMetrics>();

export function aisMetrics(registry: Registry): AisMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const receiverRejected = new Map<string, number>();
  const pipelineRejected = new Map<string, number>();
  const metrics: AisMetrics = {
    bytes: new Counter({
      name: 'lookout_edge_ais_received_bytes_total',
      help: 'Bytes received by the AIS listeners',
      labelNames: ['receiver'],
      registers,
    }),
    lines: new Counter({
      name: 'lookout_edge_ais_lines_total',
      help: 'Text lines framed by the AIS listeners',
      labelNames: ['receiver'],
      registers,
    }),
    messages: new Counter({
      name: 'lookout_edge_ais_messages_total',
      help: 'AIS messages decoded, by type',
      labelNames: ['type'],
      registers,
    }),
    duplicates: new Counter({
      name: 'lookout_edge_ais_duplicates_total',
      help: 'Duplicate AIS messages dropped (the same transmission from two receivers), whole messages after the checksum check',
      registers,
    }),
    downsampled: new Counter({
      name: 'lookout_edge_ais_downsampled_total',
      help: 'Positions skipped by per-vessel downsampling',
      registers,
    }),
    tcpConnections: new Gauge({
      name: 'lookout_edge_ais_tcp_connections',
      help: 'Open AIS TCP connections',
      registers,
    }),
    receiverRejected,
    pipelineRejected,
    decoderStats: undefined,
    countReceiverRejected(reason) {
      receiverRejected.set(reason, (receiverRejected.get(reason) ?? 0) + 1);
    },
    countPipelineRejected(reason) {
      pipelineRejected.set(reason, (pipelineRejected.get(reason) ?? 0) + 1);
    },
    rejectedTotal() {
      let total = 0;
      for (const count of receiverRejected.values()) total += count;
      for (const count of pipelineRejected.values()) total += count;
      for (const count of Object.values(metrics.decoderStats?.rejected ?? {})) total += count;
      return total;
    },
  };
  new Counter({
    name: 'lookout_edge_ais_rejected_total',
    help: 'AIS input discarded, by stage (receiver: framing; decoder: checksum, syntax, expired fragments...; pipeline: time too far ahead) and reason',
    labelNames: ['stage', 'reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, count] of receiverRejected) this.inc({ stage: 'receiver', reason }, count);
      for (const [reason, count] of pipelineRejected) this.inc({ stage: 'pipeline', reason }, count);
      for (const [reason, count] of Object.entries(metrics.decoderStats?.rejected ?? {}))
        this.inc({ stage: 'decoder', reason }, count);
    },
  });
  new Counter({
    name: 'lookout_edge_ais_ignored_total',
    help: 'Lines that are not AIS (other NMEA sentences, comments, junk): skipped',
    registers,
    collect() {
      this.reset();
      this.inc(metrics.decoderStats?.ignored ?? 0);
    },
  });
  byRegistry.set(registry, metrics);
  return metrics;
}
