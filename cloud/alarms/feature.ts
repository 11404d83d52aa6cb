import path from 'node:path';
import { PartFeature } from '../../runtime/feature.js';
import type { CloudContext } from '../core.js';
import { AlarmsPart, type AlarmsRestoreOptions } from './alarms-part.js';
import { registerAlarmRoutes } from './routes.js';
import type { ClusterFeature } from '../cluster/feature.js';

export interface AlarmsFeatureOptions {
  restore?: Partial<AlarmsRestoreOptions>;
  /** Server clock for the alarm lifecycle; tests pass a simulated one (the same as the features raising). */
  clock?: () => number;
  /** Cluster mode: only the leader changes alarms, the others forward to it (cloud/cluster/alarm-relay.ts). */
  cluster?: ClusterFeature;
}

export type AlarmsFeature = PartFeature<CloudContext, AlarmsPart>;

/**
 * The cloud's alarms as a feature of their own: the store and its lifecycle (`AlarmsPart`), `GET/POST
 * /api/v1/alarms...`, `/health` `features.alarms`. Features that raise alarms (fisheries, fire alerts) are given
 * this feature and list it in their `needs`; they raise through `part.raise` (held until the store is rebuilt).
 */
export function alarmsFeature(options: AlarmsFeatureOptions = {}): AlarmsFeature {
  return new PartFeature(
    'alarms',
    (context: CloudContext) => {
      const alarms = new AlarmsPart({
        influx: context.influx,
        database: context.config.influx.database,
        log: context.log.child({ part: 'alarms' }),
        registry: context.registry,
        publish: context.publish,
        clock: options.clock,
        restore: options.restore,
        spillFile: path.resolve(context.config.dataDir, 'alarms', 'unwritten.ndjson'),
        // In a cluster no instance's disk holds the alarm state: every leader rebuilds from InfluxDB (shared).
        stateFile: options.cluster
          ? undefined
          : path.resolve(context.config.dataDir, 'alarms', 'state.ndjson'),
        bus: context.bus,
        cluster: options.cluster?.alarmRelay(),
      });
      context.addRoutes((app) => registerAlarmRoutes(app, alarms), { prefix: '/api/v1' });
      context.addHealth('alarms', () => alarms.health());
      return alarms;
    },
    options.cluster ? [options.cluster] : [],
  );
}
