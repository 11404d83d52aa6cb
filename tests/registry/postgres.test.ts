import { beforeAll, describe, expect, it } from 'vitest';
import { RegistryConfig } from '../../cloud/registry/config.js';
import { migrate, migrationFiles, openPostgres, type Database } from '../../cloud/registry/database.js';
import { RegistryPart } from '../../cloud/registry/part.js';
import { RegistryInputError, RegistryStore, type RegistryChange } from '../../cloud/registry/store.js';
import { compileSchema } from '../../protocols/validation.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { demoRegistry } from '../../simulators/fleet/demo-registry.js';
import { FleetModel } from '../../simulators/fleet/vessels.js';
import { scopeForFile } from '../support/scope.js';
import { waitFor } from '../support/wait.js';
import { postgresAvailable, startTestPostgres, type TestPostgres } from '../support/postgres.js';

// The registry on a real PostgreSQL server (Debian's postgresql 15), the way `cloud.registry.database.url` runs it.
const scope = scopeForFile();
let db: Database;
let server: TestPostgres;

describe.runIf(postgresAvailable())('registry on PostgreSQL', () => {
  beforeAll(async () => {
    server = await startTestPostgres(scope);
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

  it('two instances starting at once on a fresh database migrate and seed it once (they take turns)', async () => {
    await db.query('CREATE DATABASE two_instances');
    const url = server.url.replace(/\/[^/]*$/, '/two_instances');
    const fleet = new FleetModel({ vessels: 10, seed: 1, startMs: 0 }).vessels.map((v) => v.identity);
    const demo = demoRegistry({ fleet, total: 60, today: '2026-03-15' });
    const config = compileSchema(RegistryConfig).parseValue({ database: { url } }, '/cloud/registry');
    if (!config.ok) throw new Error(config.errors.join('; '));
    const instance = () =>
      new RegistryPart({
        config: config.value,
        dataDir: '/nonexistent',
        log: silentLogger(),
        registry: createMetricsRegistry('cloud', false),
        demo,
      });
    const parts = [instance(), instance()];
    for (const part of parts) scope.defer(() => part.stop());
    await Promise.all(parts.map((part) => part.start()));

    for (const part of parts) expect(part.store.inService()).toHaveLength(60);
    const shared = parts[0]!.database;
    const migrations = await shared.query<{ name: string }>('SELECT name FROM schema_migrations');
    expect(migrations.map((m) => m.name).sort()).toEqual(await migrationFiles());
    const seeds = await shared.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM registry_audit WHERE action = 'seed'",
    );
    expect(seeds[0]?.n).toBe(60);
  });

  it("a change made through one instance reaches the other's memory (the rules' lookups), also after a server restart", async () => {
    await db.query('CREATE DATABASE following');
    const url = server.url.replace(/\/[^/]*$/, '/following');
    const config = compileSchema(RegistryConfig).parseValue({ database: { url } }, '/cloud/registry');
    if (!config.ok) throw new Error(config.errors.join('; '));
    const instance = async () => {
      const part = new RegistryPart({
        config: config.value,
        dataDir: '/nonexistent',
        log: silentLogger(),
        registry: createMetricsRegistry('cloud', false),
      });
      await scope.use(
        part.start().then(() => part),
        (started) => started.stop(),
      );
      return part;
    };
    const [a, b] = [await instance(), await instance()];
    const heardOnB: RegistryChange[] = [];
    b.store.onChange((change) => heardOnB.push(change));

    await a.store.create(
      { registration: 'CM-95001-TS', name: 'Một', lengthM: 16, mmsi: 574500001 },
      'officer',
    );
    await waitFor(() => b.store.byMmsi(574500001), 10_000, 'the new vessel in b');
    expect(heardOnB).toEqual([expect.objectContaining({ action: 'create', remote: true })]);
    await a.store.update('CM-95001-TS', { licenceValidTo: '2027-01-31' }, 'officer');
    await waitFor(
      () => b.store.byMmsi(574500001)?.licenceValidTo === '2027-01-31',
      10_000,
      'the new licence in b',
    );
    // b's own change comes back to it too, and changes nothing more.
    await b.store.update('CM-95001-TS', { name: 'Một Hai' }, 'officer');
    await waitFor(() => a.store.byMmsi(574500001)?.name === 'Một Hai', 10_000, "b's change in a");
    expect(heardOnB.filter((change) => change.remote)).toHaveLength(2);

    // The server restarts: the listening connections drop and come back, and what changed meanwhile is read.
    await server.server.restart();
    await waitFor(
      async () =>
        await a.database
          .query('SELECT 1')
          .then(() => true)
          .catch(() => false),
      10_000,
      'a reaching the server again',
    );
    await a.store.retire('CM-95001-TS', 'sold', 'officer');
    await waitFor(() => b.store.byMmsi(574500001) === undefined, 20_000, 'the retirement in b');
    expect(b.store.inService()).toEqual([]);
  });
});
