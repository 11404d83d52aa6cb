import { readdir, rm, stat, statfs, truncate } from 'node:fs/promises';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Logger } from '../../runtime/logger.js';
import { Counter, Gauge } from '../../runtime/metrics.js';
import type { Part } from '../../runtime/service.js';
import type { FeatureHealth } from '../core.js';
import type { StorageConfig } from './config.js';

const DAY_MS = 86_400_000;

export interface StorageOptions extends StorageConfig {
  /** The cloud's data folder (journals, snapshots, dead letters): its file system is always checked. */
  dataDir: string;
  /** Fire snapshot JPEGs, `<dir>/<edgeId>/*.jpg` (cloud/fire). */
  snapshotDir: string;
  /** Invalid payloads (`ingest.deadLetter`): the first thing shed. */
  deadLetterFile: string;
  log: Logger;
  registry: Registry;
  now?: () => number;
}

interface FileSystemState {
  path: string;
  freeBytes: number;
  totalBytes: number;
  freePercent: number;
}

interface SnapshotFile {
  file: string;
  bytes: number;
  modifiedMs: number;
}

/**
 * Keeps the cloud's own files within bounds and watches free disk space:
 * - fire snapshots: deleted beyond `snapshots.maxAgeDays` and, oldest first, beyond `snapshots.maxBytes`;
 * - free space of the data folder's file system (and `extraPaths`, e.g. InfluxDB's): below `warnFreePercent`
 *   a `warn`, `/health` `features.storage` degraded and the gauges say so; below `shedFreePercent` the least
 *   important data goes first: the dead-letter file, then the oldest snapshots (those of the newest
 *   `keepDaysWhenShedding` days stay). Never shed: the journals (acknowledged, not yet stored data), alert
 *   records, anything in InfluxDB (its own retention policies bound it, influxdb/retention.ts).
 */
export class StoragePart implements Part {
  readonly name = 'storage';
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #fileSystems: FileSystemState[] = [];
  #snapshots = { files: 0, bytes: 0 };
  #low = false;
  readonly #metrics;

  constructor(private readonly options: StorageOptions) {
    const registers = [options.registry];
    this.#metrics = {
      freeBytes: new Gauge({
        name: 'lookout_cloud_disk_free_bytes',
        help: 'Free bytes of a file system the cloud writes to',
        labelNames: ['path'],
        registers,
      }),
      freeRatio: new Gauge({
        name: 'lookout_cloud_disk_free_ratio',
        help: 'Free share (0-1) of a file system the cloud writes to',
        labelNames: ['path'],
        registers,
      }),
      low: new Gauge({
        name: 'lookout_cloud_disk_low',
        help: '1 while a checked file system is below storage.warnFreePercent',
        registers,
      }),
      snapshotBytes: new Gauge({
        name: 'lookout_cloud_fire_snapshot_bytes',
        help: 'Bytes of fire snapshot files kept',
        registers,
      }),
      deleted: new Counter({
        name: 'lookout_cloud_storage_deleted_files_total',
        help: 'Files the storage part deleted or emptied, by what and why (age, budget, disk)',
        labelNames: ['what', 'reason'],
        registers,
      }),
    };
  }

  async start(): Promise<void> {
    await this.check();
    this.#timer = setInterval(() => void this.check(), this.options.checkIntervalS * 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#checking;
  }

  health(): FeatureHealth {
    return {
      status: this.#low ? 'degraded' : 'ok',
      fileSystems: this.#fileSystems,
      snapshots: this.#snapshots,
    };
  }

  /** One round: prune snapshots, measure free space, shed when low. Concurrent calls share the round. */
  check(): Promise<void> {
    this.#checking ??= this.#round()
      .catch((error: unknown) => this.options.log.error({ err: error }, 'storage check failed'))
      .finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  async #round(): Promise<void> {
    const { snapshots } = this.options;
    const now = this.options.now?.() ?? Date.now();
    let files = await listSnapshots(this.options.snapshotDir);
    if (snapshots.maxAgeDays > 0)
      files = await this.#delete(
        files,
        (file) => now - file.modifiedMs > snapshots.maxAgeDays * DAY_MS,
        'age',
      );
    if (snapshots.maxBytes > 0) files = await this.#deleteOldestBeyond(files, snapshots.maxBytes, 'budget');
    this.#fileSystems = await this.#measure();
    const lowest = this.#fileSystems.reduce((low, fs) => Math.min(low, fs.freePercent), 100);
    if (lowest < this.options.shedFreePercent) files = await this.#shed(files, now);
    this.#snapshots = { files: files.length, bytes: files.reduce((sum, file) => sum + file.bytes, 0) };
    this.#metrics.snapshotBytes.set(this.#snapshots.bytes);
    this.#setLow(lowest < this.options.warnFreePercent);
  }

  async #measure(): Promise<FileSystemState[]> {
    const states: FileSystemState[] = [];
    for (const checked of [this.options.dataDir, ...this.options.extraPaths]) {
      const info = await statfs(checked).catch(() => undefined);
      if (!info) continue;
      const freeBytes = info.bavail * info.bsize;
      const totalBytes = info.blocks * info.bsize;
      const state = {
        path: checked,
        freeBytes,
        totalBytes,
        freePercent: totalBytes > 0 ? (100 * freeBytes) / totalBytes : 100,
      };
      this.#metrics.freeBytes.set({ path: checked }, freeBytes);
      this.#metrics.freeRatio.set({ path: checked }, state.freePercent / 100);
      states.push(state);
    }
    return states;
  }

  /** Least important first: dead letters, then snapshots older than the newest `keepDaysWhenShedding` days. */
  async #shed(files: SnapshotFile[], now: number): Promise<SnapshotFile[]> {
    const deadLetters = await stat(this.options.deadLetterFile).catch(() => undefined);
    if (deadLetters && deadLetters.size > 0) {
      await truncate(this.options.deadLetterFile, 0);
      this.#metrics.deleted.inc({ what: 'dead_letters', reason: 'disk' });
      this.options.log.warn(
        { file: this.options.deadLetterFile, bytes: deadLetters.size },
        'disk low: dead letters emptied',
      );
    }
    const keepFrom = now - this.options.snapshots.keepDaysWhenShedding * DAY_MS;
    const before = files.length;
    const kept = await this.#delete(files, (file) => file.modifiedMs < keepFrom, 'disk');
    if (kept.length < before)
      this.options.log.warn(
        { deleted: before - kept.length, keptDays: this.options.snapshots.keepDaysWhenShedding },
        'disk low: older fire snapshots deleted',
      );
    return kept;
  }

  async #deleteOldestBeyond(
    files: SnapshotFile[],
    maxBytes: number,
    reason: string,
  ): Promise<SnapshotFile[]> {
    let total = files.reduce((sum, file) => sum + file.bytes, 0);
    const doomed = new Set<SnapshotFile>();
    for (const file of files) {
      if (total <= maxBytes) break;
      doomed.add(file);
      total -= file.bytes;
    }
    return this.#delete(files, (file) => doomed.has(file), reason);
  }

  /** Deletes the files `doomed` says; returns the others (oldest first, as given). */
  async #delete(
    files: SnapshotFile[],
    doomed: (file: SnapshotFile) => boolean,
    reason: string,
  ): Promise<SnapshotFile[]> {
    const kept: SnapshotFile[] = [];
    for (const file of files) {
      if (!doomed(file)) {
        kept.push(file);
        continue;
      }
      await rm(file.file, { force: true });
      this.#metrics.deleted.inc({ what: 'fire_snapshot', reason });
    }
    return kept;
  }

  #setLow(low: boolean): void {
    if (low && !this.#low)
      this.options.log.warn(
        { fileSystems: this.#fileSystems, warnFreePercent: this.options.warnFreePercent },
        'disk space low',
      );
    if (!low && this.#low)
      this.options.log.info({ fileSystems: this.#fileSystems }, 'disk space back above the warning level');
    this.#low = low;
    this.#metrics.low.set(low ? 1 : 0);
  }
}

/** Every snapshot JPEG under `dir/<edgeId>/`, oldest first. */
async function listSnapshots(dir: string): Promise<SnapshotFile[]> {
  const files: SnapshotFile[] = [];
  const edges = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const edge of edges) {
    if (!edge.isDirectory()) continue;
    for (const name of await readdir(path.join(dir, edge.name)).catch(() => [])) {
      if (!name.endsWith('.jpg')) continue;
      const file = path.join(dir, edge.name, name);
      const info = await stat(file).catch(() => undefined);
      if (info) files.push({ file, bytes: info.size, modifiedMs: info.mtimeMs });
    }
  }
  return files.sort((a, b) => a.modifiedMs - b.modifiedMs);
}
