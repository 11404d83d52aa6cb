import type { Registry } from 'prom-client';
import type { Logger } from '../../runtime/logger.js';
import { Counter, Gauge } from '../../runtime/metrics.js';

/** The AIS counters of one edge, shared by the receivers and the decode pipeline (one set per registry). */
export interface AisMetrics {
  bytes: Counter<'receiver'>;
  lines: Counter<'receiver'>;
  rejected: Counter<'stage' | 'reason'>;
  messages: Counter<'type'>;
  duplicates: Counter;
  downsampled: Counter;
  tcpConnections: Gauge;
}

const byRegistry = new WeakMap<Registry, AisMetrics>();

export function aisMetrics(registry: Registry): AisMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: AisMetrics = {
    bytes: new Counter({ name: 'lookout_edge_ais_received_bytes_total', help: 'Bytes received by the AIS listeners', labelNames: ['receiver'], registers }),
    lines: new Counter({ name: 'lookout_edge_ais_lines_total', help: 'Text lines framed by the AIS listeners', labelNames: ['receiver'], registers }),
    rejected: new Counter({
      name: 'lookout_edge_ais_rejected_total',
      help: 'Input discarded, by stage (receiver framing, decoder) and reason',
      labelNames: ['stage', 'reason'],
      registers,
    }),
    messages: new Counter({ name: 'lookout_edge_ais_messages_total', help: 'AIS messages decoded, by type', labelNames: ['type'], registers }),
    duplicates: new Counter({ name: 'lookout_edge_ais_duplicates_total', help: 'Duplicate sentences dropped (seen from two receivers)', registers }),
    downsampled: new Counter({ name: 'lookout_edge_ais_downsampled_total', help: 'Positions skipped by per-vessel downsampling', registers }),
    tcpConnections: new Gauge({ name: 'lookout_edge_ais_tcp_connections', help: 'Open AIS TCP connections', registers }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}

/**
 * Logs bad input at most once per interval per reason, with how many were not logged in between: a flood
 * of garbage must not become a flood of log lines.
 */
export class RateLimitedLog {
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const state = this.#last.get(key);
    if (state && now - state.at < this.intervalMs) {
      state.suppressed += 1;
      return;
    }
    this.log.warn({ ...fields, suppressedSinceLast: state?.suppressed ?? 0 }, message);
    this.#last.set(key, { at: now, suppressed: 0 });
  }
}
