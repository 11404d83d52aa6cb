import type { Part } from '../../runtime/service.js';
import type { CloudBus } from '../events.js';
import type { CloudMetrics } from '../metrics.js';

export interface EdgePresence {
  edgeId: string;
  state: 'online' | 'offline';
  /** When the cloud learned of the current state (ms since epoch). */
  since: number;
  /** Last time anything arrived from this edge (ms since epoch). */
  lastSeen: number;
  /** Why it is offline: `shutdown` (clean stop) or `lost` (last will). */
  reason?: string;
  version?: string;
}

/** Tracks each edge from its retained status topic (birth, clean stop, last will) and its traffic. */
export class PresencePart implements Part {
  readonly name = 'presence';
  readonly #edges = new Map<string, EdgePresence>();
  #unsubscribe: Array<() => void> = [];

  constructor(private readonly options: { bus: CloudBus; metrics: CloudMetrics }) {}

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
        });
        this.#updateGauge();
      }),
      bus.on('edgeActivity', ({ edgeId, at }) => {
        const known = this.#edges.get(edgeId);
        if (known) known.lastSeen = Math.max(known.lastSeen, at);
        else this.#edges.set(edgeId, { edgeId, state: 'online', since: at, lastSeen: at });
        this.#updateGauge();
      }),
    ];
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  list(): EdgePresence[] {
    return [...this.#edges.values()].sort((a, b) => a.edgeId.localeCompare(b.edgeId)).map((edge) => ({ ...edge }));
  }

  get(edgeId: string): EdgePresence | undefined {
    const edge = this.#edges.get(edgeId);
    return edge && { ...edge };
  }

  #updateGauge(): void {
    let online = 0;
    for (const edge of this.#edges.values()) if (edge.state === 'online') online += 1;
    this.options.metrics.edgesOnline.set(online);
  }
}
