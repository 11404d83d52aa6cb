import { beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationFiles, openPostgres, type Database } from '../../cloud/registry/database.js';
import { RegistryInputError, RegistryStore } from '../../cloud/registry/store.js';
import { scopeForFile } from '../support/scope.js';
import { postgresAvailable, startTestPostgres } from '../support/postgres.js';

// The registry on a real PostgreSQL server (Debian's postgresql 15), the way `cloud.registry.database.url` runs it.
const scope = scopeForFile();
let db: Database;

describe.runIf(postgresAvailable())('registry on PostgreSQL', () => {
  beforeAll(async () => {
    const server = await startTestPostgres(scope);
    db = await scope.use(openPostgres(server.url), (d) => d.close());
  });

  it('migrates, writes with its audit, and rolls a failed import back whole', async () => {
    const files = await migrationFiles();
    expect(files.slice(0, 2)).toEqual(['001_registry.sql', '002_office.sql']);
    expect(await migrate(db)).toEqual(files);
    expect(await migrate(db)).toEqual([]);
    const store = new RegistryStore({ db, clock: () => Date.parse('2026-03-15T00:00:00Z') });
    await store.load();
    await store.saveUnits([
      { code: 'C-SD', kind: 'commune', name: 'Sông Đốc', parentCode: '96', validFrom: '2025-07-01' },
    ]);
    const vessel = await store.create(
      {
        registration: 'CM-90001-TS',
        name: 'Tàu Một',
        mmsi: 574300001,
        lengthM: 16.5,
        communeCode: 'C-SD',
        licenceNumber: 'GP-1',
        licenceZoneClass: 'offshore',
        licenceValidTo: '2026-12-31',
      },
      'officer.lan',
    );
    expect(vessel).toMatchObject({ provinceCode: '96', lengthM: 16.5, licenceValidTo: '2026-12-31' });
    expect((await store.units({ at: '2025-06-30', kind: 'province' })).map((u) => u.name)).toEqual([
      'Bạc Liêu',
      'Cà Mau',
    ]);
    expect((await store.units({ at: '2025-07-01', kind: 'province' })).map((u) => u.name)).toEqual([
      'Cà Mau',
    ]);

    // The second row breaks a constraint only the database sees (the MMSI was given to another vessel behind
    // the registry's back): the first row must not stay behind.
    await db.query("UPDATE vessels SET mmsi = 574300002 WHERE registration = 'CM-90001-TS'");
    const refused = await store
      .importVessels(
        [
          { row: 2, fields: { registration: 'CM-90003-TS', name: 'Ba', lengthM: 9 } },
          { row: 3, fields: { registration: 'CM-90004-TS', name: 'Bốn', lengthM: 9, mmsi: 574300002 } },
        ],
        'import',
      )
      .catch((e: Error) => e);
    expect(refused).toBeInstanceOf(RegistryInputError);
    expect((refused as RegistryInputError).problems).toEqual([
      { row: 3, column: 'mmsi', message: 'MMSI 574300002 belongs to another vessel in service' },
    ]);
    expect((await store.list()).map((v) => v.registration)).toEqual(['CM-90001-TS']);
    const audit = await db.query<{ action: string }>('SELECT action FROM registry_audit ORDER BY id');
    expect(audit.map((a) => a.action)).toEqual(['create']);
  });
});
