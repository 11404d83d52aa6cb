import { PartFeature } from '../../runtime/feature.js';
import type { VesselRegistration } from '../../protocols/api/vessels.js';
import type { AdminUnit, VesselFields } from '../../protocols/api/registry.js';
import type { CloudContext } from '../core.js';
import type { Database } from './database.js';
import { RegistryPart } from './part.js';
import { registerRegistryRoutes } from './routes.js';

export interface RegistryFeatureOptions {
  /** Vessels of the old config list, added once when missing. */
  seed?: readonly VesselRegistration[];
  /** Generated demo data (`lookout demo`): units and vessels added when missing, marked `demo`. */
  demo?: { units: readonly AdminUnit[]; vessels: readonly VesselFields[] };
  /** An open database instead of the configured one (tests). */
  database?: Database;
  clock?: () => number;
}

export type RegistryFeature = PartFeature<CloudContext, RegistryPart>;

/** The vessel registry (`cloud.registry`): `/api/v1/registry/...`, `/health` `features.registry`. */
export function registryFeature(options: RegistryFeatureOptions = {}): RegistryFeature {
  return new PartFeature('registry', (context: CloudContext) => {
    const registry = new RegistryPart({
      config: context.config.registry,
      dataDir: context.config.dataDir,
      log: context.log.child({ part: 'registry' }),
      registry: context.registry,
      seed: options.seed,
      demo: options.demo,
      database: options.database,
      clock: options.clock,
    });
    context.addRoutes((app) => registerRegistryRoutes(app, registry), { prefix: '/api/v1' });
    context.addHealth('registry', () => registry.health());
    return registry;
  });
}
