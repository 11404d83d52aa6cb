import { PartFeature } from '../../runtime/feature.js';
import type { AlarmsFeature } from '../alarms/feature.js';
import type { CloudContext } from '../core.js';
import type { RegistryFeature } from '../registry/feature.js';
import type { FisheriesConfig } from './config.js';
import { FisheriesPart } from './part.js';
import { registerFisheriesRoutes } from './routes.js';

export interface FisheriesFeatureOptions {
  /** The alarms feature the rules raise into (listed before this one). */
  alarms: AlarmsFeature;
  /** The vessel registry the rules read (listed before this one); without it, the config's vessel list. */
  registry?: RegistryFeature;
  baseDir?: string;
  /** One clock for signal loss and escalations (give the alarms feature the same); default the wall clock. */
  clock?: () => number;
}

export type FisheriesFeature = PartFeature<CloudContext, FisheriesPart>;

/**
 * The fisheries control room: vessel rules on every `positions` batch, `GET /api/v1/vessels`, `.../track`,
 * `/api/v1/zones` (listed in the OpenAPI document at `/api/v1/openapi.json`), `/health` `features.fisheries`.
 */
export function fisheriesFeature(
  config: FisheriesConfig,
  options: FisheriesFeatureOptions,
): FisheriesFeature {
  const { alarms, registry } = options;
  return new PartFeature(
    'fisheries',
    (context: CloudContext) => {
      const database = context.config.influx.database;
      const fisheries = new FisheriesPart({
        config,
        bus: context.bus,
        influx: context.influx,
        database,
        alarms: alarms.part,
        log: context.log.child({ part: 'fisheries' }),
        registry: context.registry,
        baseDir: options.baseDir,
        clock: options.clock,
        vessels: registry && {
          lookup: { get: (mmsi) => registry.part.store.byMmsi(mmsi) },
          vmsRequiredFromLengthM: context.config.registry.vms.requiredFromLengthM,
          onChange: (listener) =>
            registry.part.store.onChange(({ before, after }) =>
              listener([before?.mmsi, after?.mmsi].filter((m): m is number => m !== undefined)),
            ),
        },
      });
      const { rawDays } = context.config.influx.retention;
      context.addRoutes((app) => registerFisheriesRoutes(app, fisheries, context.influx, database, rawDays), {
        prefix: '/api/v1',
      });
      context.addHealth('fisheries', () => fisheries.health());
      return fisheries;
    },
    registry ? [registry, alarms] : [alarms],
  );
}
