import { readFile, writeFile, access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import type { EdgePresence } from '../../protocols/api/edges.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { capturingLogger, metricValue, removeDir, tempDir } from '../../tests/support/cloud-fixtures.js';
import { scopeForFile } from '../../tests/support/scope.js';
import { waitFor } from '../../tests/support/wait.js';
import { AlarmStore } from '../alarms/alarm-store.js';
import type { AlarmService } from '../alarms/alarms-part.js';
import { createCloudBus } from '../events.js';
import { migrate, openPglite, type Database } from '../registry/database.js';
import { OfflineAlarmsConfig } from './config.js';
import { MaintenanceStore } from './maintenance-store.js';
import { OfflinePart } from './offline-part.js';

/**
 * OfflinePart's maintenance windows in SQL (PGlite): the import of the old per-instance file, a window set by
 * another instance (another store on the same database) applied at the next check, and a database that cannot be
 * read (the last windows read keep applying). The whole feature with real parts: tests/cloud/offline-alarms.test.ts
 * and tests/cloud/maintenance-shared.test.ts.
 */
const scope = scopeForFile();
const HOUR = 3_600_000;
let dir: string;
let db: Database;
/** The database as the part sees it; `down` makes every query fail as an unreachable server would. */
let reachable: Database & { down: boolean };
const parts: OfflinePart[] = [];

beforeAll(async () => {
  dir = await scope.use(tempDir('offline-part'), removeDir);
  db = await scope.use(openPglite(), (d) => d.close());
  await migrate(db);
  reachable = {
    down: false,
    description: db.description,
    query(sql, params) {
      if (reachable.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
      return db.query(sql, params);
    },
    transaction: (work) => db.transaction(work),
    exclusively: (name, work) => db.exclusively(name, work),
    close: async () => undefined,
  };
});

afterEach(async () => {
  for (const part of parts.splice(0)) await part.stop();
});

function startable(options: { windowsFile?: string; edges?: EdgePresence[]; checkIntervalS?: number }) {
  const store = new AlarmStore();
  const alarms: AlarmService = {
    store,
    isReady: true,
    ready: Promise.resolve(),
    raise: (request) => store.raise(request),
    raiseShared: (request) => store.raise(request),
    act: async (id, action, by) => (action === 'ack' ? store.acknowledge(id, by) : store.clear(id, by)).alarm,
  };
  const config = Value.Default(OfflineAlarmsConfig, {
    edgeOfflineGraceS: 0,
    checkIntervalS: options.checkIntervalS ?? 3600,
  }) as OfflineAlarmsConfig;
  const { log, lines } = capturingLogger('info');
  const registry = createMetricsRegistry('cloud', false);
  const part = new OfflinePart({
    config,
    alarms,
    bus: createCloudBus(),
    edges: () => options.edges ?? [],
    log,
    registry,
    database: () => reachable,
    legacyWindowsFile: options.windowsFile,
  });
  parts.push(part);
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    metricValue(await registry.metrics(), name, labels) ?? 0;
  return { part, alarms: store, lines, metric };
}

describe('OfflinePart maintenance windows in SQL', () => {
  it('imports the old file once, keeping the ids, and renames it', async () => {
    const now = Date.now();
    const file = path.join(dir, 'offline', 'maintenance.ndjson');
    const old = [
      {
        id: 'w-tower',
        edgeId: 'edge-1',
        from: now,
        until: now + HOUR,
        source: 'api',
        by: 'lan',
        createdAt: now,
      },
      {
        id: 'w-lens',
        edgeId: 'edge-1',
        cameraId: 'cam-2',
        from: now + 1,
        until: now + 2 * HOUR,
        source: 'api',
      },
      { id: 'w-backwards', edgeId: 'edge-1', from: now + HOUR, until: now, source: 'api' },
    ];
    const text = [...old.map((w) => JSON.stringify(w)), '{"id": "no edge"}'].join('\n') + '\n';
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);

    const first = startable({ windowsFile: file });
    await first.part.start();
    expect(first.part.windows().map((w) => [w.id, w.by])).toEqual([
      ['w-tower', 'lan'],
      ['w-lens', 'maintenance.ndjson'],
    ]);
    await expect(access(file)).rejects.toThrow();
    expect(await readFile(`${file}.imported`, 'utf8')).toBe(text);
    const imported = first.lines.find((l) => String(l.msg).startsWith('maintenance windows moved'));
    expect(imported).toMatchObject({
      msg: 'maintenance windows moved from the old file to the database: 2 imported',
      alreadyInDatabase: [],
    });
    expect((imported!.imported as Array<{ id: string }>).map((w) => w.id)).toEqual(['w-tower', 'w-lens']);
    expect(first.lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      'invalid maintenance window in the old file; not imported',
      'maintenance window in the old file ends before it starts; not imported',
    ]);

    // The file put back (a restored backup): nothing twice.
    await writeFile(file, text);
    const again = startable({ windowsFile: file });
    await again.part.start();
    expect(again.lines.find((l) => String(l.msg).startsWith('maintenance windows moved'))).toMatchObject({
      msg: 'maintenance windows moved from the old file to the database: 0 imported',
      alreadyInDatabase: ['w-tower', 'w-lens'],
    });
    const [{ count }] = (await db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM maintenance_windows',
    )) as [{ count: number }];
    expect(count).toBe(2);
    await new MaintenanceStore(db).remove('w-tower', 'test');
    await new MaintenanceStore(db).remove('w-lens', 'test');
  });

  it("applies another instance's window at its next check, and keeps the last windows read when the database fails", async () => {
    const now = Date.now();
    const edges: EdgePresence[] = [
      {
        edgeId: 'edge-dark',
        state: 'offline',
        since: now - 600_000,
        lastSeen: now - 600_000,
        reason: 'lost',
      },
    ];
    const { part, alarms, lines, metric } = startable({ edges, checkIntervalS: 0.05 });
    await part.start();
    await waitFor(() => alarms.activeFor('edge:edge-dark', 'edge_offline'), 20_000, 'edge_offline raised');

    // Set on another instance's API: this part hears nothing of it but the database.
    const elsewhere = new MaintenanceStore(db);
    const window = await elsewhere.add({ edgeId: 'edge-dark', from: now, until: now + HOUR }, 'ky.thuat');
    await waitFor(
      () => !alarms.activeFor('edge:edge-dark', 'edge_offline'),
      20_000,
      'the alarm cleared by the window',
    );
    const [cleared] = alarms.list({ originator: 'edge:edge-dark' });
    expect(cleared).toMatchObject({ status: 'CLEARED_UNACK', details: { maintenance: window.id } });
    expect(await metric('lookout_cloud_offline_maintenance_windows', { source: 'api' })).toBe(1);

    reachable.down = true;
    try {
      await waitFor(
        async () => (await metric('lookout_cloud_offline_maintenance_read_errors_total')) >= 3,
        20_000,
        'failed reads',
      );
      expect(await part.currentWindows()).toBeUndefined();
      // Still in maintenance: no new alarm, the window still known; one log line for the whole burst.
      expect(alarms.activeFor('edge:edge-dark', 'edge_offline')).toBeUndefined();
      expect(part.windows().map((w) => w.id)).toEqual([window.id]);
      expect(lines.filter((l) => String(l.msg).startsWith('maintenance windows not read'))).toHaveLength(1);
    } finally {
      reachable.down = false;
    }

    // Ended on the other instance: the alarm is back at the next check.
    await elsewhere.remove(window.id, 'ky.thuat');
    await waitFor(() => alarms.activeFor('edge:edge-dark', 'edge_offline'), 20_000, 'edge_offline again');
    expect(await part.currentWindows()).toEqual([]);
  });
});
