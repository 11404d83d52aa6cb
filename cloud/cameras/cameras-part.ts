import type { CameraQuery, CameraRecord } from '../../protocols/api/cameras.js';
import type { CameraInventory, CameraStatus } from '../../protocols/mqtt/payloads.js';
import type { Logger } from '../../runtime/logger.js';
import { Counter, Gauge, type Registry } from '../../runtime/metrics.js';
import type { Part } from '../../runtime/service.js';
import type { CloudBus, ValidatedMessage } from '../events.js';

export interface CameraStoreOptions {
  bus: CloudBus;
  log: Logger;
  registry: Registry;
}

interface EdgeInventory {
  inventory: CameraInventory;
  receivedAt: number;
}

/**
 * The cloud's view of every edge's cameras: the latest retained inventory per edge (replaced as a whole,
 * so a camera removed at the edge disappears here) and the latest frame-reader status per camera. State,
 * not history: kept in memory; edges re-publish their inventory on every reconnect and the broker keeps it
 * retained.
 */
export class CameraStorePart implements Part {
  readonly name = 'cameras';
  readonly #inventories = new Map<string, EdgeInventory>();
  readonly #statuses = new Map<string, CameraStatus>();
  readonly #received: Counter<'kind'>;
  #unsubscribe: (() => void) | undefined;

  constructor(private readonly options: CameraStoreOptions) {
    this.#received = new Counter({
      name: 'lookout_cloud_camera_messages_total',
      help: 'Camera inventories and statuses received from edges',
      labelNames: ['kind'],
      registers: [options.registry],
    });
    const list = () => this.list();
    new Gauge({
      name: 'lookout_cloud_cameras',
      help: 'Cameras known from the edges inventories, by provisioning state',
      labelNames: ['state'],
      registers: [options.registry],
      collect() {
        this.reset();
        for (const camera of list()) this.inc({ state: camera.state });
      },
    });
  }

  async start(): Promise<void> {
    this.#unsubscribe = this.options.bus.on('message', (message) => this.#onMessage(message));
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
  }

  #onMessage(message: ValidatedMessage): void {
    if (message.kind === 'cameras/inventory') {
      const inventory = message.value as CameraInventory;
      const previous = this.#inventories.get(message.edgeId);
      // Retained copies and re-publications may arrive out of order: keep the newest by the edge's time.
      if (previous && previous.inventory.ts > inventory.ts) return;
      this.#inventories.set(message.edgeId, { inventory, receivedAt: message.receivedAt });
      this.#received.inc({ kind: 'inventory' });
      this.options.log.debug(
        { edgeId: message.edgeId, cameras: inventory.cameras.length },
        'camera inventory stored',
      );
    } else if (message.kind === 'cameras/status' && message.cameraId) {
      const status = message.value as CameraStatus;
      const key = `${message.edgeId}/${message.cameraId}`;
      const previous = this.#statuses.get(key);
      if (previous && previous.ts > status.ts) return;
      this.#statuses.set(key, status);
      this.#received.inc({ kind: 'status' });
    }
  }

  list(query: CameraQuery = {}): CameraRecord[] {
    const records: CameraRecord[] = [];
    for (const [edgeId, { inventory, receivedAt }] of this.#inventories) {
      if (query.edgeId && query.edgeId !== edgeId) continue;
      for (const camera of inventory.cameras) {
        if (query.state && query.state !== camera.state) continue;
        const status = this.#statuses.get(`${edgeId}/${camera.cameraId}`);
        const stream = status ? (({ cameraId: _cameraId, ...rest }) => rest)(status) : undefined;
        records.push({ ...camera, edgeId, receivedAt, ...(stream ? { stream } : {}) });
      }
    }
    return records.sort((a, b) => a.edgeId.localeCompare(b.edgeId) || a.cameraId.localeCompare(b.cameraId));
  }
}
