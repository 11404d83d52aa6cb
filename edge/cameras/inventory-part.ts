import type { Registry } from 'prom-client';
import {
  CameraInventory,
  type CameraInventoryEntry,
  type CameraProvisioningState,
} from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import type { Logger } from '../../runtime/logger.js';
import { backoffMs } from '../../runtime/retry.js';
import { Counter, Gauge } from '../../runtime/metrics.js';
import type { Part } from '../../runtime/service.js';
import type { CameraSource, EdgeBus } from '../events.js';
import { checkCamerasConfig, type CameraDeviceConfig, type CamerasConfig } from './config.js';
import {
  OnvifProblem,
  discoverOnvif,
  provisionOnvif,
  type DiscoveredCamera,
  type ProvisionedDevice,
} from './onvif-client.js';
import { chooseDetectionProfile, withCredentials, withoutCredentials } from './profile.js';

export interface CameraInventoryDeps {
  edgeId: string;
  bus: EdgeBus;
  log: Logger;
  registry: Registry;
  /**
   * Publishes retained state to the cloud; false when not connected (the inventory is re-published on the
   * next `uplink.state` connected). In the edge core: `(t, p) => uplink.publishDirect(t, p, true)`.
   */
  publishRetained(topic: string, payload: string): Promise<boolean>;
  /** Provisioning, replaceable in unit tests; default node-onvif. */
  provision?: typeof provisionOnvif;
  discover?: typeof discoverOnvif;
}

interface Slot {
  config: CameraDeviceConfig;
  origin: CameraInventoryEntry['origin'];
  state: CameraProvisioningState;
  reason?: string;
  since: number;
  lastSeenTs?: number;
  failures: number;
  device?: ProvisionedDevice;
  source?: CameraSource;
  entry?: Pick<CameraInventoryEntry, 'profile' | 'profiles' | 'streamUrl' | 'snapshotUrl'>;
  timer?: NodeJS.Timeout;
  busy: boolean;
}

const STATES: CameraProvisioningState[] = ['pending', 'online', 'unauthorized', 'unreachable', 'malformed'];
const STATE_HINT: Record<CameraProvisioningState, string> = {
  pending: 'not tried yet',
  online: 'camera online',
  unauthorized: 'camera refused the credentials: check user name and password',
  unreachable: 'camera does not answer: check power, network and address',
  malformed: 'camera answers are unusable: broken or incomplete ONVIF replies',
};
const inventorySchema = compileSchema(CameraInventory);

/**
 * Finds, provisions and watches the edge's cameras: configured by ONVIF address, by plain URL, or found by
 * WS-Discovery. Keeps a per-camera state with retries and backoff, publishes the retained inventory and
 * emits `camera.sources` for the frame readers. Never throws out of its timers.
 */
export class CameraInventoryPart implements Part {
  readonly name = 'cameras';
  readonly #slots = new Map<string, Slot>();
  readonly #provision: typeof provisionOnvif;
  readonly #discover: typeof discoverOnvif;
  readonly #log: Logger;
  readonly #metrics;
  #running = false;
  #discoveryTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #lastSourcesKey = '';
  #lastPublishedKey = '';
  #publishChain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: CamerasConfig,
    private readonly deps: CameraInventoryDeps,
  ) {
    const problems = checkCamerasConfig(config);
    if (problems.length > 0) throw new Error(`invalid camera config:\n  ${problems.join('\n  ')}`);
    this.#provision = deps.provision ?? provisionOnvif;
    this.#discover = deps.discover ?? discoverOnvif;
    this.#log = deps.log.child({ part: 'cameras' });
    this.#metrics = createCameraMetrics(deps.registry, this);
    for (const device of config.devices) this.#addSlot(device, device.xaddr ? 'onvif' : 'url');
  }

  /** The inventory as published (URLs without credentials). */
  inventory(): CameraInventory {
    return {
      edgeId: this.deps.edgeId,
      ts: Date.now(),
      cameras: [...this.#slots.values()].map((slot) => this.#entry(slot)),
    };
  }

  /** The sources usable now (URLs with credentials), as last emitted on `camera.sources`. */
  sources(): CameraSource[] {
    return [...this.#slots.values()].flatMap((slot) =>
      slot.state === 'online' && slot.source ? [slot.source] : [],
    );
  }

  countByState(): Record<CameraProvisioningState, number> {
    const counts = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<CameraProvisioningState, number>;
    for (const slot of this.#slots.values()) counts[slot.state] += 1;
    return counts;
  }

  async start(): Promise<void> {
    this.#running = true;
    this.#unsubscribe = this.deps.bus.on('uplink.state', ({ connected }) => {
      if (connected) this.#publish(true);
    });
    for (const [id, slot] of this.#slots) this.#schedule(id, slot, 0);
    if (this.config.discovery.enabled) this.#scheduleDiscovery(0);
    this.#log.info(
      { configured: this.#slots.size, discovery: this.config.discovery.enabled },
      'camera inventory started',
    );
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    clearTimeout(this.#discoveryTimer);
    for (const slot of this.#slots.values()) clearTimeout(slot.timer);
    await this.#publishChain;
  }

  #addSlot(config: CameraDeviceConfig, origin: CameraInventoryEntry['origin']): Slot {
    const slot: Slot = { config, origin, state: 'pending', since: Date.now(), failures: 0, busy: false };
    this.#slots.set(config.id, slot);
    return slot;
  }

  #schedule(id: string, slot: Slot, delayMs: number): void {
    clearTimeout(slot.timer);
    if (!this.#running) return;
    slot.timer = setTimeout(() => {
      this.#check(id, slot).catch((error: unknown) =>
        this.#log.error({ camera: id, err: error }, 'camera check failed unexpectedly'),
      );
    }, delayMs);
  }

  async #check(id: string, slot: Slot): Promise<void> {
    if (!this.#running || slot.busy) return;
    slot.busy = true;
    try {
      if (slot.origin === 'url') this.#useStaticUrl(id, slot);
      else await this.#provisionOnvif(id, slot);
    } finally {
      slot.busy = false;
    }
    this.#changed();
    if (slot.origin === 'url') return; // nothing to poll: the frame reader's watchdog watches the stream
    const delayMs =
      slot.state === 'online' ? this.config.checkIntervalS * 1000 : this.#backoffMs(slot.failures);
    this.#schedule(id, slot, delayMs);
  }

  #backoffMs(failures: number): number {
    const { initialS, maxS } = this.config.retry;
    return backoffMs(failures, initialS * 1000, maxS * 1000) * (0.85 + Math.random() * 0.3);
  }

  #useStaticUrl(id: string, slot: Slot): void {
    const { config } = slot;
    const { username, password } = this.#credentials(config);
    slot.source = {
      cameraId: id,
      streamUrl: withCredentials(config.streamUrl!, username, password),
      snapshotUrl: config.snapshotUrl ? withCredentials(config.snapshotUrl, username, password) : undefined,
      ...cameraGeometry(config),
    };
    slot.entry = {
      streamUrl: withoutCredentials(config.streamUrl!),
      snapshotUrl: config.snapshotUrl ? withoutCredentials(config.snapshotUrl) : undefined,
    };
    this.#setState(id, slot, 'online');
  }

  async #provisionOnvif(id: string, slot: Slot): Promise<void> {
    const { config } = slot;
    const { username, password } = this.#credentials(config);
    try {
      const device = await this.#provision({ xaddr: config.xaddr!, username, password });
      const profile = chooseDetectionProfile(
        device.profiles,
        this.config.detectionInputSize,
        config.profileToken,
      );
      if (!profile?.streamUri) {
        throw new OnvifProblem(
          'malformed',
          config.profileToken
            ? `no profile "${config.profileToken}" with an RTSP stream URI (profiles: ${device.profiles.map((p) => p.token).join(', ')})`
            : `none of the ${device.profiles.length} media profiles has an RTSP stream URI`,
        );
      }
      slot.device = device;
      slot.lastSeenTs = Date.now();
      slot.source = {
        cameraId: id,
        streamUrl: withCredentials(profile.streamUri, username, password),
        snapshotUrl: profile.snapshotUri
          ? withCredentials(profile.snapshotUri, username, password)
          : undefined,
        width: profile.width,
        height: profile.height,
        fps: profile.fps,
        ...cameraGeometry(config),
      };
      slot.entry = {
        profile: {
          token: profile.token,
          name: profile.name,
          width: profile.width,
          height: profile.height,
          fps: profile.fps,
          encoding: profile.encoding,
        },
        profiles: device.profiles.length,
        streamUrl: withoutCredentials(profile.streamUri),
        snapshotUrl: profile.snapshotUri ? withoutCredentials(profile.snapshotUri) : undefined,
      };
      this.#metrics.attempts.inc({ result: 'online' });
      this.#setState(id, slot, 'online');
    } catch (error) {
      const problem =
        error instanceof OnvifProblem
          ? error
          : new OnvifProblem('malformed', String((error as Error)?.message ?? error));
      slot.failures += 1;
      this.#metrics.attempts.inc({ result: problem.kind });
      this.#setState(id, slot, problem.kind, problem.message);
    }
  }

  #credentials(config: CameraDeviceConfig): { username: string; password: string } {
    return {
      username: config.username ?? this.config.username,
      password: config.password ?? this.config.password,
    };
  }

  #setState(id: string, slot: Slot, state: CameraProvisioningState, reason?: string): void {
    const changed = slot.state !== state || slot.reason !== reason;
    if (slot.state !== state) slot.since = Date.now();
    slot.state = state;
    slot.reason = reason;
    if (state === 'online') slot.failures = 0;
    if (!changed) return;
    const where = slot.config.xaddr ?? withoutCredentials(slot.config.streamUrl ?? '');
    if (state === 'online') {
      this.#log.info(
        {
          camera: id,
          where,
          make: slot.device?.manufacturer,
          model: slot.device?.model,
          profile: slot.entry?.profile?.token,
        },
        STATE_HINT.online,
      );
    } else {
      this.#log.warn(
        { camera: id, where, state, reason, failures: slot.failures },
        `camera ${state}: ${STATE_HINT[state]}`,
      );
    }
  }

  /** After any check: publish the inventory and, when the usable set changed, emit `camera.sources`. */
  #changed(): void {
    const sources = this.sources();
    const key = JSON.stringify(sources);
    if (key !== this.#lastSourcesKey) {
      this.#lastSourcesKey = key;
      this.deps.bus.emit('camera.sources', { cameras: sources });
    }
    this.#publish();
  }

  /** Publishes when something other than the times changed, or always with `force` (uplink reconnected). */
  #publish(force = false): void {
    if (!this.#running) return;
    const inventory = this.inventory();
    const key = JSON.stringify(inventory.cameras.map(({ lastSeenTs: _seen, ...rest }) => rest));
    if (!force && key === this.#lastPublishedKey) return;
    this.#lastPublishedKey = key;
    const checked = inventorySchema.parseValue(inventory);
    if (!checked.ok) {
      this.#log.error(
        { errors: checked.errors },
        'camera inventory does not match its schema: not published',
      );
      return;
    }
    this.#publishChain = this.#publishChain
      .then(() =>
        this.deps.publishRetained(topics.cameraInventory(this.deps.edgeId), JSON.stringify(inventory)),
      )
      .then(
        (sent) => {
          if (!sent) this.#log.debug('camera inventory not sent (uplink down); sent on reconnect');
        },
        (error: unknown) =>
          this.#log.warn({ err: error }, 'camera inventory publish failed; sent again on reconnect'),
      );
  }

  #entry(slot: Slot): CameraInventoryEntry {
    const { config, device } = slot;
    const entry: CameraInventoryEntry = {
      cameraId: config.id,
      state: slot.state,
      reason: slot.reason?.slice(0, 500),
      origin: slot.origin,
      xaddr: config.xaddr,
      manufacturer: device?.manufacturer,
      model: device?.model,
      firmware: device?.firmware,
      serial: device?.serial,
      ...slot.entry,
      ...cameraGeometry(config),
      since: slot.since,
      lastSeenTs: slot.lastSeenTs,
      failures: slot.failures,
    };
    return JSON.parse(JSON.stringify(entry)) as CameraInventoryEntry; // drops undefined fields
  }

  // -- discovery ------------------------------------------------------------------------------------

  #scheduleDiscovery(delayMs: number): void {
    if (!this.#running) return;
    this.#discoveryTimer = setTimeout(() => {
      this.#runDiscovery()
        .catch((error: unknown) => this.#log.warn({ err: error }, 'camera discovery failed'))
        .finally(() => this.#scheduleDiscovery(this.config.discovery.intervalS * 1000));
    }, delayMs);
  }

  async #runDiscovery(): Promise<void> {
    const { multicast, unicastTargets } = this.config.discovery;
    const { cameras, errors } = await this.#discover({ multicast, unicastTargets });
    if (errors.length > 0) this.#log.warn({ errors }, 'camera discovery had errors');
    const knownXaddrs = new Set([...this.#slots.values()].map((s) => s.config.xaddr).filter(Boolean));
    let added = 0;
    for (const found of cameras) {
      const xaddr = found.xaddrs.find((x) => /^https?:\/\//.test(x));
      if (!xaddr || knownXaddrs.has(xaddr) || !this.#running) continue;
      const id = discoveredId(found, this.#slots);
      const slot = this.#addSlot({ id, xaddr }, 'discovered');
      knownXaddrs.add(xaddr);
      added += 1;
      this.#log.info({ camera: id, xaddr, via: found.via }, 'camera discovered');
      this.#schedule(id, slot, 0);
    }
    this.#metrics.discovered.inc(added);
    if (added > 0) this.#publish();
  }
}

/** `onvif-<last 12 hex of the endpoint uuid>`: stable across restarts of the edge and of the camera. */
function discoveredId(found: DiscoveredCamera, taken: Map<string, unknown>): string {
  const hex = found.endpoint.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  let id = `onvif-${hex.slice(-12) || 'camera'}`;
  for (let n = 2; taken.has(id); n++) id = `onvif-${hex.slice(-12)}-${n}`;
  return id;
}

function createCameraMetrics(registry: Registry, part: CameraInventoryPart) {
  const attempts = new Counter({
    name: 'lookout_edge_camera_provisioning_total',
    help: 'ONVIF provisioning attempts by result (online, unauthorized, unreachable, malformed)',
    labelNames: ['result'],
    registers: [registry],
  });
  const discovered = new Counter({
    name: 'lookout_edge_cameras_discovered_total',
    help: 'Cameras added by WS-Discovery',
    registers: [registry],
  });
  new Gauge({
    name: 'lookout_edge_cameras',
    help: 'Cameras by provisioning state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      for (const [state, n] of Object.entries(part.countByState())) this.set({ state }, n);
    },
  });
  return { attempts, discovered };
}

/** Where the camera stands and looks, as configured: handed to the fire pipeline and published in the inventory. */
function cameraGeometry(config: CameraDeviceConfig) {
  const { position, bearingDeg, fovDeg, name, heightM, rangeM } = config;
  return { position, bearingDeg, fovDeg, name, heightM, rangeM };
}
