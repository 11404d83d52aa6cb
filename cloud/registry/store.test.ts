import { beforeAll, describe, expect, it } from 'vitest';
import { capturingLogger, metricValue } from '../../tests/support/cloud-fixtures.js';
import { scopeForFile } from '../../tests/support/scope.js';
import { createHttpApp, type HttpApp } from '../../runtime/http-server.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { RegistryConfig } from './config.js';
import { compileSchema } from '../../protocols/validation.js';
import { migrate, migrationFiles, openPglite, type Database } from './database.js';
import { RegistryPart } from './part.js';
import { registerRegistryRoutes } from './routes.js';
import { RegistryInputError, RegistryStore } from './store.js';
import { readCsv, readXlsx, writeCsv, writeXlsx, XLSX_TYPE } from './tabular.js';
import { vesselRowsOf, vesselSheet } from './vessel-table.js';

const scope = scopeForFile();

function defaultConfig(): RegistryConfig {
  const parsed = compileSchema(RegistryConfig).parseValue({});
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.value;
}
let db: Database;
let now = Date.parse('2026-03-15T02:00:00Z');
const clock = () => now;

const UNITS = [
  {
    code: 'D-TVT',
    kind: 'district' as const,
    name: 'Trần Văn Thời',
    parentCode: '96',
    validFrom: '1997-01-01',
    validTo: '2025-06-30',
  },
  { code: 'C-SD', kind: 'commune' as const, name: 'Sông Đốc', parentCode: '96', validFrom: '2025-07-01' },
  { code: 'C-DM', kind: 'commune' as const, name: 'Đất Mũi', parentCode: '96', validFrom: '2025-07-01' },
];

beforeAll(async () => {
  db = await scope.use(openPglite(), (d) => d.close());
  const files = await migrationFiles();
  expect(files.slice(0, 2)).toEqual(['001_registry.sql', '002_office.sql']);
  // Every migration once, in the order of their names; then nothing left to apply.
  expect(await migrate(db)).toEqual(files);
  expect(await migrate(db)).toEqual([]);
});

async function freshStore(): Promise<RegistryStore> {
  await db.query('TRUNCATE registry_audit, vessels');
  const store = new RegistryStore({ db, clock });
  await store.load();
  await store.saveUnits(UNITS);
  return store;
}

describe('RegistryStore', () => {
  it('creates, edits and retires a vessel, recording who and what changed', async () => {
    const store = await freshStore();
    const created = await store.create(
      { registration: 'CM-90001-TS', name: 'Tàu Một', mmsi: 574300001, lengthM: 16, communeCode: 'C-SD' },
      'officer.lan',
    );
    expect(created).toMatchObject({ provinceCode: '96', demo: false, createdAt: now });
    expect(store.byMmsi(574300001)?.registration).toBe('CM-90001-TS');
    now += 60_000;
    const edited = await store
      .update('CM-90001-TS', { gear: 'trawl', communeCode: 'C-DM', name: null }, 'officer.minh')
      .catch((e: RegistryInputError) => e);
    expect(edited).toBeInstanceOf(RegistryInputError);
    expect((edited as RegistryInputError).problems).toEqual([
      { row: 0, column: 'name', message: 'required, missing' },
    ]);
    const changed = await store.update('CM-90001-TS', { gear: 'trawl', communeCode: 'C-DM' }, 'officer.minh');
    expect(changed).toMatchObject({ gear: 'trawl', communeCode: 'C-DM', updatedAt: now });
    now += 60_000;
    await store.retire('CM-90001-TS', 'scrapped', 'officer.lan');
    expect(store.byMmsi(574300001)).toBeUndefined();
    const history = await store.history('CM-90001-TS');
    expect(history.map((h) => [h.action, h.actor])).toEqual([
      ['retire', 'officer.lan'],
      ['update', 'officer.minh'],
      ['create', 'officer.lan'],
    ]);
    expect(history[1]!.before).toMatchObject({ communeCode: 'C-SD' });
    expect(history[1]!.after).toMatchObject({ communeCode: 'C-DM', gear: 'trawl' });
    // The MMSI is free again for another vessel in service.
    await store.create(
      { registration: 'CM-90002-TS', name: 'Tàu Hai', mmsi: 574300001, lengthM: 9 },
      'officer.lan',
    );
    expect(store.byMmsi(574300001)?.registration).toBe('CM-90002-TS');
  });

  it('names every problem of a bad import by row and column and writes nothing', async () => {
    const store = await freshStore();
    await store.create({ registration: 'CM-90009-TS', name: 'Đã có', mmsi: 574300009, lengthM: 12 }, 'x');
    const csv = [
      'registration,name,mmsi,lengthM,licenceNumber,licenceZoneClass,licenceValidFrom,licenceValidTo,communeCode',
      'CM-91001-TS,Tốt,574310001,15.5,GP-1,offshore,2025-01-01,2026-12-31,C-SD',
      'CM-91002-TS,Ngày sai,574310002,"13,5",GP-2,inshore,2026-01-01,2025-12-31,C-SD',
      'CM-91003-TS,Xã lạ,574310003,abc,,,,,X-NOWHERE',
      'CM-91001-TS,Trùng,574300009,8,,,,,',
    ].join('\n');
    const { rows, problems } = vesselRowsOf(readCsv(Buffer.from(csv)));
    expect(problems).toEqual([{ row: 4, column: 'lengthM', message: '"abc" is not a number' }]);
    const refused = await store.importVessels(rows, 'officer.lan').catch((e: RegistryInputError) => e);
    expect(refused).toBeInstanceOf(RegistryInputError);
    expect((refused as RegistryInputError).problems).toEqual([
      { row: 3, column: 'licenceValidTo', message: '2025-12-31 is before licenceValidFrom 2026-01-01' },
      { row: 4, column: 'lengthM', message: 'required, missing' },
      { row: 5, column: 'registration', message: 'CM-91001-TS is also on row 2' },
      { row: 5, column: 'mmsi', message: 'MMSI 574300009 belongs to CM-90009-TS' },
    ]);
    expect((await store.list()).map((v) => v.registration)).toEqual(['CM-90009-TS']);
  });

  it('imports a file all at once and reads its own CSV and XLSX exports back unchanged', async () => {
    const store = await freshStore();
    const csv = [
      'registration,name,mmsi,lengthM,gear,ownerName,ownerPhone,communeCode',
      'CM-92001-TS,Phúc Lộc 1,574320001,17,trawl,Nguyễn Văn A,+84 912 345 678,C-SD',
      'CM-92002-TS,Phúc Lộc 2,574320002,11,gillnet,Trần Thị B,0912 345 679,C-DM',
    ].join('\r\n');
    const { rows } = vesselRowsOf(readCsv(Buffer.from(csv)));
    expect(await store.importVessels(rows, 'import')).toEqual({ created: 2, updated: 0, unchanged: 0 });
    expect((await store.list({ mmsi: 574320002 })).map((v) => v.ownerName)).toEqual(['Trần Thị B']);
    const sheet = vesselSheet(await store.list());
    const again = vesselRowsOf(readCsv(writeCsv(sheet)));
    expect(again.problems).toEqual([]);
    expect(await store.importVessels(again.rows, 'import')).toEqual({ created: 0, updated: 0, unchanged: 2 });
    const fromXlsx = vesselRowsOf(await readXlsx(await writeXlsx([sheet])));
    expect(fromXlsx.problems).toEqual([]);
    fromXlsx.rows[1]!.fields.gear = 'longline';
    expect(await store.importVessels(fromXlsx.rows, 'import')).toEqual({
      created: 0,
      updated: 1,
      unchanged: 1,
    });
    expect((await store.get('CM-92002-TS'))?.gear).toBe('longline');
  });
});

describe('registry routes', () => {
  it('imports a CSV body, refuses a bad one with 422 and problems, exports XLSX, counts refusals', async () => {
    await freshStore();
    const { log } = capturingLogger();
    const metrics = createMetricsRegistry('cloud', false);
    const part = new RegistryPart({
      config: defaultConfig(),
      dataDir: '/nonexistent',
      log,
      registry: metrics,
      database: { ...db, close: async () => {} },
      clock,
    });
    await part.start();
    await part.store.saveUnits(UNITS);
    const app = createHttpApp({ log, registry: metrics, health: () => ({ status: 'ok' }) });
    scope.defer(() => app.close());
    await app.register(async (api) => registerRegistryRoutes(api as unknown as HttpApp, part), {
      prefix: '/api/v1',
    });
    await app.ready();
    const good = 'registration,name,lengthM,communeCode\nCM-93001-TS,Biển Xanh,14,C-SD\n';
    const imported = await app.inject({
      method: 'POST',
      url: '/api/v1/registry/import?format=csv&by=officer.lan',
      headers: { 'content-type': 'text/csv' },
      payload: good,
    });
    expect(imported.json()).toEqual({ created: 1, updated: 0, unchanged: 0 });
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/registry/import?format=csv&by=officer.lan',
      headers: { 'content-type': 'text/csv' },
      payload: 'registration,name,lengthM,colour\nCM-93002-TS,,14,red\n',
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().problems).toEqual([
      { row: 1, column: 'colour', message: expect.stringContaining('unknown column') },
    ]);
    const exported = await app.inject({ method: 'GET', url: '/api/v1/registry/export?format=xlsx' });
    expect(exported.headers['content-type']).toBe(XLSX_TYPE);
    const table = await readXlsx(exported.rawPayload);
    expect(table.rows.map((r) => r.cells.registration)).toEqual(['CM-93001-TS']);
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/registry/vessels',
      payload: {
        registration: 'CM-93003-TS',
        name: 'X',
        lengthM: 9,
        communeCode: 'C-NOPE',
        by: 'officer.lan',
      },
    });
    expect(created.statusCode).toBe(422);
    expect(created.json().problems).toEqual([
      { row: 0, column: 'communeCode', message: 'C-NOPE is not a known commune code' },
    ]);
    const text = await metrics.metrics();
    expect(metricValue(text, 'lookout_cloud_registry_refused_total', { reason: 'invalid' })).toBe(2);
    expect(metricValue(text, 'lookout_cloud_registry_changes_total', { action: 'import' })).toBe(1);
  });
});
