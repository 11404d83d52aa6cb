import path from 'node:path';
import { PartFeature } from '../../runtime/feature.js';
import type { AlarmsFeature } from '../alarms/feature.js';
import type { CloudContext } from '../core.js';
import type { OfflineAlarmsConfig } from './config.js';
import { OfflinePart } from './offline-part.js';
import { registerMaintenanceRoutes } from './routes.js';

export type OfflineAlarmsFeature = PartFeature<CloudContext, OfflinePart>;

/**
 * Camera and edge offline alarms (MAJOR, cleared when the device is back) and maintenance windows
 * (`/api/v1/maintenance`, kept in `<dataDir>/offline/maintenance.ndjson`).
 */
export function offlineAlarmsFeature(
  config: OfflineAlarmsConfig,
  alarms: AlarmsFeature,
): OfflineAlarmsFeature {
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
        windowsFile: path.resolve(context.config.dataDir, 'offline', 'maintenance.ndjson'),
        leadership: context.config.cluster ? context.leadership : undefined,
      });
      context.addRoutes((app) => registerMaintenanceRoutes(app, part), { prefix: '/api/v1' });
      return part;
    },
    [alarms],
  );
}
