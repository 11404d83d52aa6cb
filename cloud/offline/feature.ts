import path from 'node:path';
import { PartFeature } from '../../runtime/feature.js';
import type { AlarmsFeature } from '../alarms/feature.js';
import type { CloudContext } from '../core.js';
import type { RegistryFeature } from '../registry/feature.js';
import type { OfflineAlarmsConfig } from './config.js';
import { OfflinePart } from './offline-part.js';
import { registerMaintenanceRoutes } from './routes.js';

export type OfflineAlarmsFeature = PartFeature<CloudContext, OfflinePart>;

/**
 * Camera and edge offline alarms (MAJOR, cleared when the device is back) and maintenance windows
 * (`/api/v1/maintenance`). The windows set on the API are kept in the registry's SQL database (it needs the
 * registry feature, listed before it), shared by every instance of a cluster: one set on any instance applies on
 * the leader, which judges offline alarms, within `checkIntervalS`. A `<dataDir>/offline/maintenance.ndjson` left
 * by an older version is imported at start.
 */
export function offlineAlarmsFeature(
  config: OfflineAlarmsConfig,
  features: { alarms: AlarmsFeature; registry: RegistryFeature },
): OfflineAlarmsFeature {
  const { alarms, registry } = features;
  return new PartFeature(
    'offline-alarms',
    (context: CloudContext) => {
      const part = new OfflinePart({
        config,
        alarms: alarms.part,
        bus: context.bus,
        edges: () => context.presence.list(),
        log: context.log.child({ part: 'offline-alarms' }),
        registry: context.registry,
        database: () => registry.part.database,
        legacyWindowsFile: path.resolve(context.config.dataDir, 'offline', 'maintenance.ndjson'),
        leadership: context.config.cluster ? context.leadership : undefined,
      });
      context.addRoutes((app) => registerMaintenanceRoutes(app, part), { prefix: '/api/v1' });
      return part;
    },
    [alarms, registry],
  );
}
