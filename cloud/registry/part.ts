import path from 'node:path';
import type { VesselRegistration } from '../../protocols/api/vessels.js';
import type { AdminUnit, VesselFields } from '../../protocols/api/registry.js';
import { Counter, Gauge, type Registry } from '../../runtime/metrics.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { RegistryConfig } from './config.js';
import { migrate, openPglite, openPostgres, type Database } from './database.js';
import { RegistryStore } from './store.js';

export interface RegistryPartOptions {
  config: RegistryConfig;
  /** The cloud's dataDir: the embedded database lives in `<dataDir>/registry`. */
  dataDir: string;
  log: Logger;
  registry: Registry;
  /** The old config list (`cloud.fisheries.vessels`): vessels not in the database yet are added at start. */
  seed?: readonly VesselRegistration[];
  /** Generated demo data: units and vessels added when missing, marked `demo`. */
  demo?: { units: readonly AdminUnit[]; vessels: readonly VesselFields[] };
  /** An open database instead of the configured one (tests); closed at stop. */
  database?: Database;
  clock?: () => number;
}

/** Refusal reasons counted in `lookout_cloud_registry_refused_total{reason}`. */
export type RefusalReason = 'invalid' | 'not_found' | 'unreadable_file';

/**
 * The vessel registry's database: opened (PGlite or PostgreSQL), migrated, read into memory at start; the
 * config's vessel list is added to it once (a seed, for configs written before the registry existed).
 */
export class RegistryPart implements Part {
  readonly name = 'registry';
  #store: RegistryStore | undefined;
  #db: Database | undefined;
  #stopFollowing: (() => Promise<void>) | undefined;
  readonly #changes: Counter;
  readonly #refused: Counter;
  readonly #vessels: Gauge;

  constructor(private readonly options: RegistryPartOptions) {
    const registers = [options.registry];
    this.#changes = new Counter({
      name: 'lookout_cloud_registry_changes_total',
      help: 'Vessel registry changes, by action (create, update, retire, import, seed)',
      labelNames: ['action'],
      registers,
    });
    this.#refused = new Counter({
      name: 'lookout_cloud_registry_refused_total',
      help: 'Registry requests refused, by reason (invalid, not_found, unreadable_file)',
      labelNames: ['reason'],
      registers,
    });
    this.#vessels = new Gauge({
      name: 'lookout_cloud_registry_vessels',
      help: 'Vessels in service in the registry',
      registers,
      collect: () => this.#vessels.set(this.#store?.inService().length ?? 0),
    });
  }

  get store(): RegistryStore {
    if (!this.#store) throw new Error('registry part is not started');
    return this.#store;
  }

  /** The cloud's SQL database (its migrations include other features' tables, e.g. camera settings). */
  get database(): Database {
    if (!this.#db) throw new Error('registry part is not started');
    return this.#db;
  }

  refused(reason: RefusalReason): void {
    this.#refused.inc({ reason });
  }

  async start(): Promise<void> {
    const { config, log } = this.options;
    const db =
      this.options.database ??
      (config.database
        ? await openPostgres(config.database.url)
        : await openPglite(path.resolve(this.options.dataDir, 'registry')));
    this.#db = db;
    const store = new RegistryStore({ db, clock: this.options.clock });
    store.onChange((change) => change.remote || this.#changes.inc({ action: change.action }));
    // Cluster instances share the database and may start together: one at a time migrates and seeds, the next
    // finds it done.
    const { applied, seeded } = await db.exclusively('lookout registry start', async () => {
      const applied = await migrate(db);
      await store.load();
      // Demo data first: it gives the scenario vessels the licences the config list does not have.
      const seeded = (await this.#seedDemo(store)) + (await this.#seed(store));
      return { applied, seeded };
    });
    this.#store = store;
    this.#stopFollowing = await store.followOthers((error) =>
      log.warn({ err: error.message }, 'could not read a registry change made through another instance'),
    );
    log.info(
      { database: db.description, migrations: applied, vessels: store.inService().length, seeded },
      'vessel registry open',
    );
  }

  async stop(): Promise<void> {
    await this.#stopFollowing?.();
    this.#stopFollowing = undefined;
    await this.#db?.close();
    this.#db = undefined;
  }

  health(): { status: 'ok' | 'degraded'; database: string; vessels: number } {
    return {
      status: this.#store ? 'ok' : 'degraded',
      database: this.#db?.description ?? 'closed',
      vessels: this.#store?.inService().length ?? 0,
    };
  }

  async #seedDemo(store: RegistryStore): Promise<number> {
    const demo = this.options.demo;
    if (!demo) return 0;
    const known = new Set((await store.units()).map((u) => u.code));
    await store.saveUnits(demo.units.filter((u) => !known.has(u.code)));
    const have = new Set(
      [...(await store.list()), ...(await store.list({ retired: true }))].map((v) => v.registration),
    );
    const missing = demo.vessels
      // An MMSI an officer has given to another vessel meanwhile stays with it.
      .filter((v) => !have.has(v.registration) && (v.mmsi === undefined || !store.byMmsi(v.mmsi)))
      .map((fields, i) => ({ row: i + 2, fields: fields as Record<string, unknown> }));
    if (missing.length === 0) return 0;
    const result = await store.importVessels(missing, 'demo: generated registry', {
      action: 'seed',
      demo: true,
    });
    return result.created;
  }

  async #seed(store: RegistryStore): Promise<number> {
    const missing: Array<{ row: number; fields: Record<string, unknown> }> = [];
    for (const [i, vessel] of (this.options.seed ?? []).entries()) {
      if (await store.get(vessel.registration)) continue;
      missing.push({ row: i, fields: fieldsOfConfigVessel(vessel) });
    }
    if (missing.length === 0) return 0;
    return (await store.importVessels(missing, 'config: cloud.fisheries.vessels', { action: 'seed' }))
      .created;
  }
}

function fieldsOfConfigVessel(vessel: VesselRegistration): VesselFields {
  const fields: VesselFields = {
    registration: vessel.registration,
    name: vessel.name,
    mmsi: vessel.mmsi,
    lengthM: vessel.lengthM,
  };
  if (vessel.homePort !== undefined) fields.homePort = vessel.homePort;
  if (vessel.owner?.name) fields.ownerName = vessel.owner.name;
  if (vessel.owner?.phone) fields.ownerPhone = vessel.owner.phone;
  return fields;
}
