import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { removeDir, tempDir } from '../../tests/support/cloud-fixtures.js';
import { scopeForFile } from '../../tests/support/scope.js';
import { StorageConfig } from './config.js';
import { StoragePart } from './storage-part.js';
import { Value } from '@sinclair/typebox/value';

const scope = scopeForFile();
const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);

/** A data folder with snapshots of the given ages (days) and sizes, and a dead-letter file. */
async function dataFolder(snapshots: Array<{ ageDays: number; bytes: number }>) {
  const dataDir = await scope.use(tempDir('storage'), removeDir);
  const snapshotDir = path.join(dataDir, 'fire-snapshots');
  await mkdir(path.join(snapshotDir, 'edge-a'), { recursive: true });
  for (const [i, snapshot] of snapshots.entries()) {
    const file = path.join(snapshotDir, 'edge-a', `alert-${i}.jpg`);
    await writeFile(file, Buffer.alloc(snapshot.bytes, 1));
    const at = new Date(NOW - snapshot.ageDays * DAY_MS);
    await utimes(file, at, at);
  }
  const deadLetterFile = path.join(dataDir, 'dead-letter.ndjson');
  await writeFile(deadLetterFile, '{"topic":"x"}\n'.repeat(100));
  return { dataDir, snapshotDir, deadLetterFile };
}

function storage(
  folders: Awaited<ReturnType<typeof dataFolder>>,
  overrides: Partial<Omit<StorageConfig, 'snapshots'>> & { snapshots?: Partial<StorageConfig['snapshots']> },
) {
  const config = Value.Default(StorageConfig, {
    ...overrides,
    snapshots: { ...overrides.snapshots },
  }) as StorageConfig;
  const registry = createMetricsRegistry('storage-test', false);
  const part = new StoragePart({ ...config, ...folders, log: silentLogger(), registry, now: () => NOW });
  return { part, registry };
}

const remaining = async (snapshotDir: string) => (await readdir(path.join(snapshotDir, 'edge-a'))).sort();

describe('StoragePart', () => {
  it('deletes snapshots beyond the age limit, then the oldest beyond the size budget', async () => {
    const folders = await dataFolder([
      { ageDays: 400, bytes: 1000 },
      { ageDays: 30, bytes: 1000 },
      { ageDays: 20, bytes: 1000 },
      { ageDays: 10, bytes: 1000 },
      { ageDays: 1, bytes: 1000 },
    ]);
    const { part, registry } = storage(folders, {
      warnFreePercent: 0,
      shedFreePercent: 0,
      snapshots: { maxAgeDays: 365, maxBytes: 2500 },
    });
    await part.check();
    expect(await remaining(folders.snapshotDir)).toEqual(['alert-3.jpg', 'alert-4.jpg']);
    expect(part.health()).toMatchObject({ status: 'ok', snapshots: { files: 2, bytes: 2000 } });
    const deleted = (
      await registry.getSingleMetric('lookout_cloud_storage_deleted_files_total')!.get()
    ).values.map((v) => [v.labels.reason, v.value]);
    expect(deleted).toEqual(
      expect.arrayContaining([
        ['age', 1],
        ['budget', 2],
      ]),
    );
    expect((await stat(folders.deadLetterFile)).size).toBeGreaterThan(0);
  });

  it('below the warning level: degraded health and gauges; below the shed level: dead letters, then older snapshots go', async () => {
    const folders = await dataFolder([
      { ageDays: 30, bytes: 1000 },
      { ageDays: 8, bytes: 1000 },
      { ageDays: 2, bytes: 1000 },
    ]);
    // Thresholds at 100 %: the real file system is "low" whatever its free space.
    const { part, registry } = storage(folders, {
      warnFreePercent: 100,
      shedFreePercent: 100,
      snapshots: { keepDaysWhenShedding: 7 },
    });
    await part.check();
    const health = part.health() as {
      status: string;
      fileSystems: Array<{ path: string; freeBytes: number }>;
    };
    expect(health.status).toBe('degraded');
    expect(health.fileSystems[0]).toMatchObject({ path: folders.dataDir });
    expect(health.fileSystems[0]!.freeBytes).toBeGreaterThan(0);
    expect((await registry.getSingleMetric('lookout_cloud_disk_low')!.get()).values[0]!.value).toBe(1);
    expect((await stat(folders.deadLetterFile)).size).toBe(0);
    expect(await remaining(folders.snapshotDir)).toEqual(['alert-2.jpg']);
  });
});
