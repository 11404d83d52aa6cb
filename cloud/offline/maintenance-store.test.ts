import { beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable, startTestPostgres } from '../../tests/support/postgres.js';
import { scopeForFile } from '../../tests/support/scope.js';
import { migrate, openPglite, openPostgres, type Database } from '../registry/database.js';
import { MaintenanceStore } from './maintenance-store.js';

const scope = scopeForFile();
const HOUR = 3_600_000;

/** The same cases on PGlite (the embedded database) and on a PostgreSQL server (what a cluster shares). */
function storeCases(open: () => Promise<Database>): void {
  let db: Database;
  let now = Date.parse('2026-12-05T01:00:00Z');
  let store: MaintenanceStore;

  beforeAll(async () => {
    db = await scope.use(open(), (d) => d.close());
    await migrate(db);
    store = new MaintenanceStore(db, () => now);
  });

  it('adds windows with who and when, lists those in force by start, removes with who and keeps the row', async () => {
    const tower = await store.add(
      { edgeId: 'edge-1', from: now + HOUR, until: now + 3 * HOUR, note: 'thay ắc quy' },
      'ky.thuat',
    );
    expect(tower).toEqual({
      id: expect.any(String),
      edgeId: 'edge-1',
      from: now + HOUR,
      until: now + 3 * HOUR,
      note: 'thay ắc quy',
      source: 'api',
      by: 'ky.thuat',
      createdAt: now,
    });
    const lens = await store.add({ edgeId: 'edge-1', cameraId: 'cam-2', from: now, until: now + HOUR }, 'an');
    expect(lens).not.toHaveProperty('note');
    expect((await store.inForce()).map((w) => [w.id, w.cameraId])).toEqual([
      [lens.id, 'cam-2'],
      [tower.id, undefined],
    ]);

    now += 60_000;
    expect(await store.remove(lens.id, 'binh')).toMatchObject({ id: lens.id, by: 'an' });
    expect(await store.remove(lens.id, 'binh')).toBeUndefined();
    expect(await store.remove('no-such-window', 'binh')).toBeUndefined();
    expect((await store.inForce()).map((w) => w.id)).toEqual([tower.id]);
    const [audit] = await db.query<{ removed_by: string; removed_at: Date }>(
      'SELECT removed_by, removed_at FROM maintenance_windows WHERE id = $1',
      [lens.id],
    );
    expect(audit).toEqual({ removed_by: 'binh', removed_at: new Date(now) });

    // Over: no longer listed, and cannot be ended any more.
    now += 3 * HOUR;
    expect(await store.inForce()).toEqual([]);
    expect(await store.remove(tower.id, 'binh')).toBeUndefined();
  });

  it('imports windows with their ids once, whatever the number of runs', async () => {
    const old = [
      {
        id: 'c5b1f1a4-0000-4000-8000-000000000001',
        edgeId: 'edge-2',
        from: now,
        until: now + HOUR,
        source: 'api' as const,
        by: 'lan',
        createdAt: now - 5000,
      },
      {
        id: 'hand-written',
        edgeId: 'edge-2',
        cameraId: 'cam-1',
        from: now,
        until: now + 2 * HOUR,
        source: 'api' as const,
      },
    ];
    expect(await store.import(old, 'maintenance.ndjson')).toEqual(old.map((w) => w.id));
    expect(await store.import(old, 'maintenance.ndjson')).toEqual([]);
    expect(await store.inForce()).toEqual([
      { ...old[0], source: 'api' },
      { ...old[1], by: 'maintenance.ndjson', createdAt: now },
    ]);
  });
}

describe('MaintenanceStore (PGlite, the registry migrations)', () => {
  storeCases(() => openPglite());
});

describe.runIf(postgresAvailable())('MaintenanceStore (PostgreSQL server)', () => {
  storeCases(async () => openPostgres((await startTestPostgres(scope)).url));
});
