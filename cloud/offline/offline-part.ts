import { randomUUID } from 'node:crypto';
import type { EdgePresence } from '../../protocols/api/edges.js';
import { MaintenanceWindow, type MaintenanceBody } from '../../protocols/api/maintenance.js';
import type { CameraInventory, CameraStatus } from '../../protocols/mqtt/payloads.js';
import { JsonLinesFile } from '../../runtime/json-lines-file.js';
import type { Logger } from '../../runtime/logger.js';
import { Counter, type Registry } from '../../runtime/metrics.js';
import type { Part } from '../../runtime/service.js';
import type { AlarmService } from '../alarms/alarms-part.js';
import type { Leadership } from '../cluster/leadership.js';
import type { CloudBus } from '../events.js';
import type { OfflineAlarmsConfig } from './config.js';

/** The alarm types this part raises (named in the i18n catalogues). */
export const OFFLINE_ALARM_TYPES = ['camera_offline', 'edge_offline'] as const;

/** Who clears an alarm whose device came back (no person did). */
const RESOLVER = 'lookout';

interface CameraWatch {
  edgeId: string;
  cameraId: string;
  /** Cloud time of the camera's last analysed frame (its status' `lastFrameTs` moved to the cloud's clock). */
  lastFrameAt: number | undefined;
  /** Cloud time the cloud first heard of it (the silence of a camera that never had a frame counts from here). */
  knownSince: number;
  state: CameraStatus['state'];
  reason?: string;
}

/** A device dark now: since when (the start of this outage) and what the alarm says. */
interface Silence {
  since: number;
  details: Record<string, unknown>;
}

export interface OfflinePartOptions {
  config: OfflineAlarmsConfig;
  alarms: AlarmService;
  bus: CloudBus;
  /** The cloud's edges (presence: online/offline, since, last seen). */
  edges: () => EdgePresence[];
  log: Logger;
  registry: Registry;
  /** Where windows set on the API are kept across restarts. */
  windowsFile?: string;
  clock?: () => number;
  /**
   * Cluster mode: only the leader judges who is offline (each instance hears every edge and camera, but at its own
   * moment: two judges would raise the same outage at two times). A new leader judges at its next check.
   */
  leadership?: Leadership;
}

export class MaintenanceError extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Camera and edge offline alarms: a camera with no analysed frame for `cameraSilentS`, an edge offline (last will,
 * or stopped) for `edgeOfflineGraceS` or silent beyond a few of its health intervals, raises a MAJOR alarm
 * (`camera_offline`, originator `camera:<edge>/<camera>`; `edge_offline`, originator `edge:<edge>`) that clears
 * itself when the device is back. A camera of an edge that is itself offline raises nothing new (the edge's alarm
 * says it). Maintenance windows (config or API) suppress both, and clear an active one when they begin.
 */
export class OfflinePart implements Part {
  readonly name = 'offline-alarms';
  readonly #cameras = new Map<string, CameraWatch>();
  /** Health interval each edge announced (s). */
  readonly #healthIntervals = new Map<string, number>();
  /**
   * The outage (its start) each alarm this part raised was for, by originator and type: an alarm someone cleared by
   * hand while the device is still dark is not raised again (a webhook message every check) until it is back.
   */
  readonly #raisedFor = new Map<string, number>();
  readonly #heldCleared = new Set<string>();
  /** Silent cameras left to their dark edge's alarm (counted once per camera and outage). */
  readonly #coveredByEdge = new Set<string>();
  readonly #configWindows: MaintenanceWindow[];
  #apiWindows: MaintenanceWindow[] = [];
  readonly #file: JsonLinesFile<typeof MaintenanceWindow> | undefined;
  readonly #clock: () => number;
  readonly #changes: Counter;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: Array<() => void> = [];

  constructor(private readonly options: OfflinePartOptions) {
    this.#clock = options.clock ?? Date.now;
    this.#file = options.windowsFile ? new JsonLinesFile(options.windowsFile, MaintenanceWindow) : undefined;
    this.#configWindows = options.config.maintenance.map((window, index) => {
      const where = `cloud.offlineAlarms.maintenance[${index}]`;
      const from = Date.parse(window.from);
      const until = Date.parse(window.until);
      if (!Number.isFinite(from)) throw new Error(`${where}.from: not a date and time: ${window.from}`);
      if (!Number.isFinite(until)) throw new Error(`${where}.until: not a date and time: ${window.until}`);
      if (until <= from)
        throw new Error(`${where}: until (${window.until}) is not after from (${window.from})`);
      return {
        id: `config-${index}`,
        edgeId: window.edgeId,
        ...(window.cameraId ? { cameraId: window.cameraId } : {}),
        from,
        until,
        ...(window.note ? { note: window.note } : {}),
        source: 'config' as const,
      };
    });
    this.#changes = new Counter({
      name: 'lookout_cloud_offline_alarm_changes_total',
      help: "Camera and edge offline alarms: raised, cleared (device back), cleared_maintenance, suppressed (maintenance), edge_offline (a silent camera left to its dark edge's alarm), held_cleared (cleared by hand while still dark: not raised again until it is back)",
      labelNames: ['type', 'change'],
      registers: [options.registry],
    });
  }

  async start(): Promise<void> {
    const { bus, log } = this.options;
    if (this.#file) {
      const file = this.#file;
      this.#apiWindows =
        (await file.read((line, errors) =>
          log.warn({ file: file.file, line, errors }, 'invalid maintenance window in its file; skipped'),
        )) ?? [];
    }
    this.#unsubscribe = [
      bus.on('message', (message) => {
        if (message.kind === 'cameras/status' && message.cameraId)
          this.#onCameraStatus(message.edgeId, message.value as CameraStatus, message.receivedAt);
        else if (message.kind === 'cameras/inventory')
          this.#onInventory(message.edgeId, message.value as CameraInventory);
      }),
      // Presence has taken the status in already (it listens first): an edge back clears its alarm at once.
      bus.on('edgeStatus', () => this.check()),
      bus.on('edgeHealth', ({ edgeId, health }) => {
        if (health.intervalS !== undefined) this.#healthIntervals.set(edgeId, health.intervalS);
      }),
    ];
    if (!this.options.config.enabled) return;
    this.#timer = setInterval(() => this.check(), this.options.config.checkIntervalS * 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    for (const off of this.#unsubscribe) off();
  }

  /** Every maintenance window not over yet, config ones first, then by start. */
  windows(): MaintenanceWindow[] {
    const now = this.#clock();
    return [...this.#configWindows, ...this.#apiWindows]
      .filter((window) => window.until > now)
      .sort((a, b) => Number(b.source === 'config') - Number(a.source === 'config') || a.from - b.from);
  }

  async addWindow(body: MaintenanceBody, by: string): Promise<MaintenanceWindow> {
    const now = this.#clock();
    const from = body.from ?? now;
    if (body.until <= from)
      throw new MaintenanceError(
        400,
        `until (${body.until}) must be after from (${from}), in ms since the epoch`,
      );
    if (body.until <= now) throw new MaintenanceError(400, `until (${body.until}) is already past`);
    const window: MaintenanceWindow = {
      id: randomUUID(),
      edgeId: body.edgeId,
      ...(body.cameraId ? { cameraId: body.cameraId } : {}),
      from,
      until: body.until,
      ...(body.note?.trim() ? { note: body.note.trim() } : {}),
      source: 'api',
      by,
      createdAt: now,
    };
    this.#apiWindows = [...this.#apiWindows.filter((w) => w.until > now), window];
    await this.#saveWindows();
    this.options.log.info({ window }, `maintenance window set by ${by}`);
    this.check();
    return window;
  }

  async removeWindow(id: string, by: string): Promise<void> {
    if (this.#configWindows.some((window) => window.id === id))
      throw new MaintenanceError(409, `maintenance window ${id} is in the config file: change it there`);
    const window = this.#apiWindows.find((w) => w.id === id);
    if (!window) throw new MaintenanceError(404, `no maintenance window ${id}`);
    this.#apiWindows = this.#apiWindows.filter((w) => w !== window);
    await this.#saveWindows();
    this.options.log.info({ window }, `maintenance window removed by ${by}`);
    this.check();
  }

  /** One pass over every edge and camera (the timer's; also after a window changes). */
  check(): void {
    const { alarms, leadership } = this.options;
    if (!alarms.isReady || !this.options.config.enabled || (leadership && !leadership.leader)) return;
    const now = this.#clock();
    const offlineEdges = new Set<string>();
    for (const edge of this.options.edges()) {
      const silence = this.#edgeSilence(edge, now);
      if (silence) offlineEdges.add(edge.edgeId);
      this.#apply(
        `edge:${edge.edgeId}`,
        'edge_offline',
        silence,
        this.#inMaintenance(edge.edgeId, undefined, now),
      );
    }
    for (const camera of this.#cameras.values()) {
      const since = camera.lastFrameAt ?? camera.knownSince;
      const silentS = (now - since) / 1000;
      const silence: Silence | undefined =
        silentS > this.options.config.cameraSilentS
          ? {
              since,
              details: {
                ...(camera.lastFrameAt !== undefined ? { lastFrameTs: camera.lastFrameAt } : {}),
                silentForS: Math.round(silentS),
                ...(camera.reason ? { reason: camera.reason } : {}),
              },
            }
          : undefined;
      const originator = `camera:${camera.edgeId}/${camera.cameraId}`;
      // Its edge is dark: the edge's alarm says so; the camera's own alarm would be one per camera for one cause.
      if (
        silence &&
        offlineEdges.has(camera.edgeId) &&
        !alarms.store.activeFor(originator, 'camera_offline')
      ) {
        if (!this.#coveredByEdge.has(originator))
          this.#changes.inc({ type: 'camera_offline', change: 'edge_offline' });
        this.#coveredByEdge.add(originator);
        continue;
      }
      this.#coveredByEdge.delete(originator);
      this.#apply(
        originator,
        'camera_offline',
        silence,
        this.#inMaintenance(camera.edgeId, camera.cameraId, now),
      );
    }
  }

  /** Why an edge counts as offline now (and since when), or undefined. */
  #edgeSilence(edge: EdgePresence, now: number): Silence | undefined {
    const { config } = this.options;
    if (edge.state === 'offline') {
      const offlineS = (now - edge.since) / 1000;
      if (offlineS < config.edgeOfflineGraceS) return undefined;
      return {
        since: edge.since,
        details: { reason: edge.reason ?? 'lost', since: edge.since, lastSeen: edge.lastSeen },
      };
    }
    const interval = this.#healthIntervals.get(edge.edgeId);
    const silentAfterS = interval !== undefined ? interval * config.edgeSilentIntervals : config.edgeSilentS;
    const silentS = (now - edge.lastSeen) / 1000;
    if (silentS <= silentAfterS) return undefined;
    return {
      since: edge.lastSeen,
      details: { reason: 'silent', lastSeen: edge.lastSeen, silentForS: Math.round(silentS) },
    };
  }

  #inMaintenance(edgeId: string, cameraId: string | undefined, now: number): MaintenanceWindow | undefined {
    return [...this.#configWindows, ...this.#apiWindows].find(
      (window) =>
        window.edgeId === edgeId &&
        (window.cameraId === undefined || window.cameraId === cameraId) &&
        window.from <= now &&
        now < window.until,
    );
  }

  #apply(
    originator: string,
    type: (typeof OFFLINE_ALARM_TYPES)[number],
    silence: Silence | undefined,
    maintenance: MaintenanceWindow | undefined,
  ): void {
    const { alarms, log } = this.options;
    const key = `${originator}\u0000${type}`;
    const active = alarms.store.activeFor(originator, type);
    if (maintenance || !silence) {
      this.#raisedFor.delete(key);
      this.#heldCleared.delete(key);
    }
    if (maintenance) {
      if (!active) {
        if (silence) this.#changes.inc({ type, change: 'suppressed' });
        return;
      }
      alarms.store.resolve(originator, type, RESOLVER, { maintenance: maintenance.id });
      this.#changes.inc({ type, change: 'cleared_maintenance' });
      log.info({ originator, type, window: maintenance.id }, 'offline alarm cleared: maintenance window');
      return;
    }
    if (silence && !active) {
      if (this.#raisedFor.get(key) === silence.since) {
        if (!this.#heldCleared.has(key)) this.#changes.inc({ type, change: 'held_cleared' });
        this.#heldCleared.add(key);
        return;
      }
      alarms.raise({ originator, type, severity: 'MAJOR', ts: this.#clock(), details: silence.details });
      this.#raisedFor.set(key, silence.since);
      this.#changes.inc({ type, change: 'raised' });
      log.warn({ originator, type, ...silence.details }, 'device offline: alarm raised');
    } else if (!silence && active) {
      alarms.store.resolve(originator, type, RESOLVER, { backAt: this.#clock() });
      this.#changes.inc({ type, change: 'cleared' });
      log.info({ originator, type }, 'device back: offline alarm cleared');
    }
  }

  /** A camera the edge no longer lists (removed from its config) is no longer watched, and its alarm ends. */
  #onInventory(edgeId: string, inventory: CameraInventory): void {
    const listed = new Set(inventory.cameras.map((camera) => camera.cameraId));
    for (const [key, camera] of this.#cameras) {
      if (camera.edgeId !== edgeId || listed.has(camera.cameraId)) continue;
      this.#cameras.delete(key);
      const originator = `camera:${edgeId}/${camera.cameraId}`;
      if (this.options.alarms.isReady && this.options.alarms.store.activeFor(originator, 'camera_offline'))
        this.options.alarms.store.resolve(originator, 'camera_offline', RESOLVER, { removed: true });
      this.options.log.info({ camera: originator }, 'camera no longer in its edge inventory: not watched');
    }
  }

  #onCameraStatus(edgeId: string, status: CameraStatus, receivedAt: number): void {
    const key = `${edgeId}/${status.cameraId}`;
    const known = this.#cameras.get(key);
    // The edge's clock may be off: only the age of the frame when the status left the edge is taken from it.
    const lastFrameAt =
      status.lastFrameTs !== undefined ? receivedAt - Math.max(0, status.ts - status.lastFrameTs) : undefined;
    this.#cameras.set(key, {
      edgeId,
      cameraId: status.cameraId,
      lastFrameAt: Math.max(lastFrameAt ?? 0, known?.lastFrameAt ?? 0) || undefined,
      knownSince: known?.knownSince ?? receivedAt,
      state: status.state,
      ...(status.reason ? { reason: status.reason } : {}),
    });
    if (lastFrameAt !== undefined && known && (known.lastFrameAt ?? 0) < lastFrameAt) this.check();
  }

  async #saveWindows(): Promise<void> {
    await this.#file?.write(this.#apiWindows);
  }
}
