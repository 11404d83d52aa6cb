import type { EdgePresence } from '../../protocols/api/edges.js';
import { parseEdgeTopic } from '../../protocols/mqtt/topics.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { CloudBus } from '../events.js';
import type { CloudMetrics } from '../metrics.js';

export type { EdgePresence };

/** Beyond this an edge's clock is said to be wrong (positions stamped by it land at the wrong time). */
export const CLOCK_SKEW_WARN_MS = 30_000;

/**
 * Tracks each edge from its retained status topic (birth, clean stop, last will) and its traffic, and how far its
 * clock is from the cloud's (from the `ts` of its health messages, which it publishes live, not from the outbox).
 * An edge exists once it has said so in a valid status message: traffic on a topic of an edge id never announced
 * (an invalid message, a typo, someone probing) only updates edges already known. Deleting an edge's retained
 * status (an empty retained message, as MQTT deletes one) removes the edge.
 */
export class PresencePart implements Part {
  readonly name = 'presence';
  readonly #edges = new Map<string, EdgePresence>();
  readonly #skewed = new Set<string>();
  #unsubscribe: Array<() => void> = [];

  constructor(private readonly options: { bus: CloudBus; metrics: CloudMetrics; log?: Logger }) {}

  async start(): Promise<void> {
    const { bus } = this.options;
    this.#unsubscribe = [
      bus.on('edgeStatus', ({ edgeId, status, receivedAt }) => {
        const previous = this.#edges.get(edgeId);
        // Arrival order, not `status.ts`: a last will carries the time of the CONNECT it was registered with.
        this.#edges.set(edgeId, {
          edgeId,
          state: status.state,
          since: previous?.state === status.state ? previous.since : receivedAt,
          lastSeen: Math.max(previous?.lastSeen ?? 0, receivedAt),
          reason: status.reason,
          version: status.version ?? previous?.version,
          ...(previous?.clockSkewMs !== undefined ? { clockSkewMs: previous.clockSkewMs } : {}),
        });
        this.#updateGauge();
      }),
      bus.on('edgeHealth', ({ edgeId, health, receivedAt }) => this.#onClock(edgeId, health.ts - receivedAt)),
      bus.on('edgeActivity', ({ edgeId, at }) => {
        const known = this.#edges.get(edgeId);
        if (known) known.lastSeen = Math.max(known.lastSeen, at);
      }),
      bus.on('mqttPublished', ({ topic, payload, retain }) => {
        if (!retain || payload.length > 0) return;
        const parsed = parseEdgeTopic(topic);
        if (parsed?.kind === 'status' && this.#edges.delete(parsed.edgeId)) {
          this.#skewed.delete(parsed.edgeId);
          this.options.metrics.edgeClockSkew.remove({ edge: parsed.edgeId });
          this.options.log?.info({ edge: parsed.edgeId }, 'edge removed: its retained status was deleted');
          this.#updateGauge();
        }
      }),
    ];
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  list(): EdgePresence[] {
    return [...this.#edges.values()]
      .sort((a, b) => a.edgeId.localeCompare(b.edgeId))
      .map((edge) => ({ ...edge }));
  }

  get(edgeId: string): EdgePresence | undefined {
    const edge = this.#edges.get(edgeId);
    return edge && { ...edge };
  }

  #onClock(edgeId: string, skewMs: number): void {
    const edge = this.#edges.get(edgeId);
    if (edge) edge.clockSkewMs = Math.round(skewMs);
    this.options.metrics.edgeClockSkew.set({ edge: edgeId }, skewMs / 1000);
    const wrong = Math.abs(skewMs) > CLOCK_SKEW_WARN_MS;
    if (wrong === this.#skewed.has(edgeId)) return;
    if (wrong) {
      this.#skewed.add(edgeId);
      this.options.log?.warn(
        { edge: edgeId, clockSkewS: Math.round(skewMs / 1000) },
        "edge clock is wrong: positions it stamps itself (no tag-block time) are off by as much; check the edge's NTP",
      );
    } else {
      this.#skewed.delete(edgeId);
      this.options.log?.info(
        { edge: edgeId, clockSkewS: Math.round(skewMs / 1000) },
        'edge clock is right again',
      );
    }
  }

  #updateGauge(): void {
    let online = 0;
    for (const edge of this.#edges.values()) if (edge.state === 'online') online += 1;
    this.options.metrics.edgesOnline.set(online);
  }
}
