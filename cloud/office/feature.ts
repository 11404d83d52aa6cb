import { PartFeature } from '../../runtime/feature.js';
import type { AlarmsFeature } from '../alarms/feature.js';
import type { CloudContext } from '../core.js';
import type { FisheriesFeature } from '../fisheries/feature.js';
import type { RegistryFeature } from '../registry/feature.js';
import { OfficePart } from './part.js';
import { registerOfficeRoutes } from './routes.js';

export interface OfficeFeatureOptions {
  registry: RegistryFeature;
  fisheries: FisheriesFeature;
  alarms: AlarmsFeature;
  clock?: () => number;
}

export type OfficeFeature = PartFeature<CloudContext, OfficePart>;

/**
 * The fisheries office (`cloud.office`): fleet statistics, daily snapshots, reports, port visits and voyages,
 * signal-loss cases; `/api/v1/fleet/...`, `/api/v1/reports`, `/api/v1/port-events`, `/api/v1/voyages`,
 * `/api/v1/signal-cases/...`.
 */
export function officeFeature(options: OfficeFeatureOptions): OfficeFeature {
  const { registry, fisheries, alarms } = options;
  return new PartFeature(
    'office',
    (context: CloudContext) => {
      const office = new OfficePart({
        config: context.config.office,
        leadership: context.config.cluster ? context.leadership : undefined,
        rules: context.config.fisheries.rules,
        vms: context.config.registry.vms,
        registry: registry.part,
        fisheries: fisheries.part,
        alarms: alarms.part,
        bus: context.bus,
        dataDir: context.config.dataDir,
        log: context.log.child({ part: 'office' }),
        metrics: context.registry,
        clock: options.clock,
      });
      context.addRoutes((app) => registerOfficeRoutes(app, office), { prefix: '/api/v1' });
      context.addHealth('office', () => office.health());
      return office;
    },
    [registry, fisheries, alarms],
  );
}
