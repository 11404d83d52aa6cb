import { PartFeature } from '../../runtime/feature.js';
import type { AlarmsFeature } from '../alarms/feature.js';
import type { CloudContext } from '../core.js';
import type { FisheriesConfig } from './config.js';
import { FisheriesPart } from './part.js';
import { registerFisheriesRoutes } from './routes.js';

export interface FisheriesFeatureOptions {
  /** The alarms feature the rules raise into (listed before this one). */
  alarms: AlarmsFeature;
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
  const { alarms } = options;
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
      });
      context.addRoutes((app) => registerFisheriesRoutes(app, fisheries, context.influx, database), {
        prefix: '/api/v1',
      });
      context.addHealth('fisheries', () => fisheries.health());
      return fisheries;
    },
    [alarms],
  );
}
