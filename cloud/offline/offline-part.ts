import { rename } from 'node:fs/promises';
import path from 'node:path';
import type { EdgePresence } from '../../protocols/api/edges.js';
import { MaintenanceWindow, type MaintenanceBody } from '../../protocols/api/maintenance.js';
import type { CameraInventory, CameraStatus } from '../../protocols/mqtt/payloads.js';
import { JsonLinesFile } from '../../runtime/json-lines-file.js';
import { BurstLog } from '../../runtime/log-limits.js';
import type { Logger } from '../../runtime/logger.js';
import { Counter, Gauge, type Registry } from '../../runtime/metrics.js';
import type { Part } from '../../runtime/service.js';
import type { AlarmService } from '../alarms/alarms-part.js';
import type { Leadership } from '../cluster/leadership.js';
import type { CloudBus } from '../events.js';
import type { Database } from '../registry/database.js';
import type { OfflineAlarmsConfig } from './config.js';
import { MaintenanceStore } from './maintenance-store.js';

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
  /** The cloud's SQL database (the registry's), open once the registry started: the windows set on the API. */
  database: () => Database;
  /**
   * Where this instance kept the windows set on its API before they moved to the database
   * (`<dataDir>/offline/maintenance.ndjson`): imported at start, then renamed `.imported`.
   */
  legacyWindowsFile?: string;
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
 * says it). Maintenance windows (config or API) suppress both, and clear an active one when they begin. The API
 * windows live in the registry's SQL database, shared by every instance of a cluster; this part reads them at start,
 * before every periodic check and after its own changes, so one set on any instance applies here within
 * `checkIntervalS`.
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
  /** The API windows in force as last read from the database (`check()` is synchronous: it reads this). */
  #apiWindows: MaintenanceWindow[] = [];
  #store: MaintenanceStore | undefined;
  /** The read of the windows running now (never rejects); reads run one at a time. */
  #reading: Promise<void> = Promise.resolve();
  /** The next read, waiting for the running one; whoever asks for a read meanwhile shares it. */
  #nextRead: Promise<void> | undefined;
  readonly #clock: () => number;
  readonly #changes: Counter;
  readonly #readErrors: Counter;
  readonly #readErrorLog: BurstLog;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: Array<() => void> = [];

  constructor(private readonly options: OfflinePartOptions) {
    this.#clock = options.clock ?? Date.now;
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
    this.#readErrors = new Counter({
      name: 'lookout_cloud_offline_maintenance_read_errors_total',
      help: 'Reads of the maintenance windows from the SQL database that failed (the last windows read apply meanwhile)',
      registers: [options.registry],
    });
    this.#readErrorLog = new BurstLog(options.log);
    const known = new Gauge({
      name: 'lookout_cloud_offline_maintenance_windows',
      help: 'Maintenance windows not over yet (those still to come included) that this instance applies, by source (config, api: as last read from the database)',
      labelNames: ['source'],
      registers: [options.registry],
      collect: () => {
        const windows = this.windows();
        for (const source of ['config', 'api'] as const)
          known.set({ source }, windows.filter((window) => window.source === source).length);
      },
    });
  }

  async start(): Promise<void> {
    const { bus } = this.options;
    this.#store = new MaintenanceStore(this.options.database(), this.#clock);
    if (this.options.legacyWindowsFile) await this.#importLegacyFile(this.options.legacyWindowsFile);
    await this.#refresh();
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
    // A window set on another instance's API applies here at the next tick: read, then judge.
    this.#timer = setInterval(
      () =>
        void this.#refreshKeepingLast().then(() => {
          if (this.#timer) this.check();
        }),
      this.options.config.checkIntervalS * 1000,
    );
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const off of this.#unsubscribe) off();
    // The registry closes the database after this part stops: no read may still be running then.
    await this.#reading;
    this.#readErrorLog.flush();
  }

  get #windowStore(): MaintenanceStore {
    if (!this.#store) throw new Error('offline alarms part is not started');
    return this.#store;
  }

  /** Every maintenance window not over yet (config ones first, then by start) as last read. */
  windows(): MaintenanceWindow[] {
    const now = this.#clock();
    return [...this.#configWindows, ...this.#apiWindows]
      .filter((window) => window.until > now)
      .sort((a, b) => Number(b.source === 'config') - Number(a.source === 'config') || a.from - b.from);
  }

  /**
   * `windows()` after reading the database, so that any instance lists the windows set on every instance;
   * undefined when the database cannot be read (counted and logged as at a check).
   */
  async currentWindows(): Promise<MaintenanceWindow[] | undefined> {
    try {
      await this.#refresh();
    } catch (error) {
      this.#readFailed(error);
      return undefined;
    }
    return this.windows();
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
    const window = await this.#windowStore.add(
      {
        edgeId: body.edgeId,
        ...(body.cameraId ? { cameraId: body.cameraId } : {}),
        from,
        until: body.until,
        ...(body.note?.trim() ? { note: body.note.trim() } : {}),
      },
      by,
    );
    this.options.log.info({ window }, `maintenance window set by ${by}`);
    await this.#refreshKeepingLast();
    this.check();
    return window;
  }

  async removeWindow(id: string, by: string): Promise<void> {
    if (this.#configWindows.some((window) => window.id === id))
      throw new MaintenanceError(409, `maintenance window ${id} is in the config file: change it there`);
    const window = await this.#windowStore.remove(id, by);
    if (!window) throw new MaintenanceError(404, `no maintenance window ${id} (or it is over)`);
    this.options.log.info({ window }, `maintenance window removed by ${by}`);
    await this.#refreshKeepingLast();
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

  /**
   * Reads the API windows in force from the database. Reads run one at a time, so that an older read never
   * replaces a newer list; one asked for while another runs starts after it (it sees every change made before it
   * was asked for), shared by everyone who asks meanwhile.
   */
  #refresh(): Promise<void> {
    if (!this.#nextRead) {
      const read = this.#reading.then(async () => {
        this.#nextRead = undefined;
        this.#apiWindows = await this.#windowStore.inForce();
      });
      this.#nextRead = read;
      this.#reading = read.catch(() => undefined);
    }
    return this.#nextRead;
  }

  /** `#refresh()`, a failure counted and logged (once per burst): the windows last read apply meanwhile. */
  async #refreshKeepingLast(): Promise<void> {
    await this.#refresh().catch((error: unknown) => this.#readFailed(error));
  }

  #readFailed(error: unknown): void {
    this.#readErrors.inc();
    this.#readErrorLog.error(
      'read',
      { err: error instanceof Error ? error.message : String(error), windows: this.#apiWindows.length },
      'maintenance windows not read from the database: the last ones read apply',
    );
  }

  /**
   * The upgrade from the file each instance kept its API windows in: they go to the database with their ids
   * (those already there are left alone, so a second run adds nothing), then the file is renamed `.imported`.
   */
  async #importLegacyFile(fileName: string): Promise<void> {
    const { log } = this.options;
    const file = new JsonLinesFile(fileName, MaintenanceWindow);
    const read = await file.read((line, errors) =>
      log.warn({ file: fileName, line, errors }, 'invalid maintenance window in the old file; not imported'),
    );
    if (read === undefined) return;
    const windows = read.filter((window) => {
      if (window.until > window.from) return true;
      log.warn(
        { file: fileName, window },
        'maintenance window in the old file ends before it starts; not imported',
      );
      return false;
    });
    const added = new Set(await this.#windowStore.import(windows, path.basename(fileName)));
    const renamed = `${fileName}.imported`;
    await rename(fileName, renamed);
    log.info(
      {
        file: fileName,
        renamed,
        imported: windows.filter((window) => added.has(window.id)),
        alreadyInDatabase: windows.filter((window) => !added.has(window.id)).map((window) => window.id),
      },
      `maintenance windows moved from the old file to the database: ${added.size} imported`,
    );
  }
}
