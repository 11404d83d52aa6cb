import { beforeAll, describe, expect, it } from 'vitest';
import { scopeForFile } from '../../tests/support/scope.js';
import { migrate, openPglite, type Database } from '../registry/database.js';
import { CameraSettingsStore } from './store.js';

const scope = scopeForFile();
let db: Database;
let now = Date.parse('2026-12-03T02:00:00Z');
let store: CameraSettingsStore;

beforeAll(async () => {
  db = await scope.use(openPglite(), (d) => d.close());
  await migrate(db);
  store = new CameraSettingsStore(db, () => now);
});

describe('CameraSettingsStore (PGlite, the registry migrations)', () => {
  it('saves whole settings as the next version with an audit row, and records what the edge applied', async () => {
    expect(await store.get('e1', 'cam-1')).toEqual({
      edgeId: 'e1',
      cameraId: 'cam-1',
      version: 0,
      settings: { sensitivity: 0, ignoreMasks: [] },
      pending: false,
    });
    const first = await store.save('e1', 'cam-1', { sensitivity: 1, ignoreMasks: [] }, 'an');
    expect(first).toMatchObject({ version: 1, updatedAt: now, updatedBy: 'an' });
    now += 60_000;
    await store.save('e1', 'cam-1', { sensitivity: 1, muteUntil: now + 3_600_000, ignoreMasks: [] }, 'binh');
    expect(await store.get('e1', 'cam-1')).toMatchObject({ version: 2, pending: true, updatedBy: 'binh' });

    await store.recordReported(
      'e1',
      { cameraId: 'cam-1', version: 2, appliedAt: now + 5, ts: now + 6 },
      now + 10,
    );
    expect(await store.get('e1', 'cam-1')).toMatchObject({
      version: 2,
      pending: false,
      applied: { version: 2, appliedAt: now + 5, reportedAt: now + 10 },
    });
    await store.recordReported(
      'e1',
      {
        cameraId: 'cam-1',
        version: 2,
        appliedAt: now + 5,
        refused: { version: 3, reason: 'no class x' },
        ts: now,
      },
      now + 20,
    );
    expect((await store.get('e1', 'cam-1')).applied?.refused).toEqual({ version: 3, reason: 'no class x' });

    const changes = await store.changes('e1', 'cam-1', 10);
    expect(changes.map((c) => [c.version, c.by])).toEqual([
      [2, 'binh'],
      [1, 'an'],
    ]);
    expect(changes[0]!.previous).toEqual({ sensitivity: 1, ignoreMasks: [] });
    expect(changes[1]!.previous).toBeUndefined();
  });

  it('goes above a version an edge kept from a replaced database; a report alone desires nothing', async () => {
    await store.recordReported('e2', { cameraId: 'cam-9', version: 7, appliedAt: now, ts: now }, now);
    expect(await store.get('e2', 'cam-9')).toMatchObject({
      version: 0,
      pending: false,
      applied: { version: 7 },
    });
    expect((await store.allDesired()).map((d) => `${d.edgeId}/${d.cameraId}`)).toEqual(['e1/cam-1']);
    const next = await store.save('e2', 'cam-9', { sensitivity: -2, ignoreMasks: [] }, 'an');
    expect(next.version).toBe(8);
    expect((await store.list()).map((s) => [s.edgeId, s.cameraId, s.version])).toEqual([
      ['e1', 'cam-1', 2],
      ['e2', 'cam-9', 8],
    ]);
  });
});
