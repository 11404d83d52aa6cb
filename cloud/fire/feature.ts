import path from 'node:path';
import { FireAlert } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { PartFeature } from '../../runtime/feature.js';
import type { AlarmsFeature } from '../alarms/feature.js';
import type { CloudContext } from '../core.js';
import { INSTALL_DIR } from '../fisheries/part.js';
import { FireAlertsPart } from './fire-alerts-part.js';
import { registerFireRoutes } from './routes.js';
import { registerDatasetRoute, withAlarms } from './dataset.js';

/** Schemas the cloud ingest validates fire topics with (the feature adds them at start). */
export const fireSchemas = { 'alerts/fire': FireAlert };

export interface FireAlertsFeatureOptions {
  /** Snapshot folder; default `<cloud dataDir>/fire-snapshots`. */
  snapshotDir?: string;
  /** When given (listed before this one), `new` and `update` events raise a `fire` alarm through it. */
  alarms?: AlarmsFeature;
}

export type FireAlertsFeature = PartFeature<CloudContext, FireAlertsPart>;

/**
 * Fire alerts from the edges: a durable sink on the alerts lane (InfluxDB `fire_alert`, snapshot files),
 * `GET /api/v1/fire/alerts`, `GET /api/v1/fire/snapshots/...`, and `fire` alarms when given the alarms feature.
 * The alerts of cameras that see the same fire are located (`cloud.fire`): InfluxDB `fire_located`,
 * `GET /api/v1/fire/located`, MQTT `lookout/v1/cloud/fire/located/{id}`, and the location in the alarm.
 */
export function fireAlertsFeature(options: FireAlertsFeatureOptions = {}): FireAlertsFeature {
  const { alarms } = options;
  return new PartFeature(
    'fire-alerts',
    (context: CloudContext) => {
      const part = new FireAlertsPart({
        snapshotDir: options.snapshotDir ?? path.resolve(context.config.dataDir, 'fire-snapshots'),
        influx: context.influx,
        database: context.config.influx.database,
        bus: context.bus,
        log: context.log.child({ part: 'fire-alerts' }),
        registry: context.registry,
        // Through the part, not the store: held while the alarms are not rebuilt from InfluxDB (no duplicates).
        raiseAlarm: alarms ? (request) => void alarms.part.raise(request) : undefined,
        location: { config: context.config.fire, baseDir: INSTALL_DIR },
        publishLocated: (fire) =>
          void context
            .publish(topics.cloudLocatedFire(fire.id), JSON.stringify(fire))
            .catch((error: Error) =>
              context.log.warn({ err: error, fire: fire.id }, 'could not publish located fire'),
            ),
      });
      context.addSchemas(fireSchemas);
      context.addSink(part);
      context.addRoutes((app) =>
        registerFireRoutes(
          app,
          part,
          alarms ? (records) => withAlarms(records, alarms.part.store) : undefined,
        ),
      );
      if (alarms)
        context.addRoutes((app) =>
          registerDatasetRoute(app, {
            influx: context.influx,
            database: context.config.influx.database,
            store: alarms.part.store,
          }),
        );
      return part;
    },
    alarms ? [alarms] : [],
  );
}
