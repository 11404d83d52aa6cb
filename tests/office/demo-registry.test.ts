import { beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, type Database } from '../../cloud/registry/database.js';
import { RegistryStore } from '../../cloud/registry/store.js';
import { demoRegistry } from '../../simulators/fleet/demo-registry.js';
import { iuuScenario } from '../../simulators/fleet/scenarios/iuu.js';
import { FleetModel } from '../../simulators/fleet/vessels.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
let db: Database;

beforeAll(async () => {
  db = await scope.use(openPglite(), (d) => d.close());
  await migrate(db);
});

describe('the demo registry (generated, marked demo)', () => {
  it('registers the live fleet and the scenario with licences, over several communes, and the registry takes it all', async () => {
    const fleet = new FleetModel({ vessels: 40, seed: 1, startMs: 0 }).vessels.map((v) => v.identity);
    const scenario = iuuScenario({ seed: 11 }).registry;
    const { units, vessels } = demoRegistry({ fleet, scenario, total: 300, today: '2026-03-15' });
    expect(vessels).toHaveLength(300);
    expect(new Set(vessels.map((v) => v.communeCode)).size).toBe(6);
    for (const identity of fleet)
      expect(vessels.find((v) => v.mmsi === identity.mmsi)?.lengthM).toBe(identity.lengthM);
    for (const v of scenario)
      expect(vessels.find((r) => r.mmsi === v.mmsi)).toMatchObject({ licenceValidTo: '2027-03-15' });
    expect(units.every((u) => u.demo === true && u.code.startsWith('DEMO-'))).toBe(true);
    // Same seed, same registry.
    expect(demoRegistry({ fleet, scenario, total: 300, today: '2026-03-15' }).vessels).toEqual(vessels);

    const store = new RegistryStore({ db });
    await store.load();
    await store.saveUnits(units);
    const rows = vessels.map((fields, i) => ({ row: i + 2, fields: fields as Record<string, unknown> }));
    expect(await store.importVessels(rows, 'demo', { action: 'seed', demo: true })).toEqual({
      created: 300,
      updated: 0,
      unchanged: 0,
    });
    expect((await store.list()).every((v) => v.demo)).toBe(true);
  });
});
