import type { AlarmsPart } from './alarms/alarms-part.js';
import { cameraSchemas, camerasExtension } from './cameras/cameras-part.js';
import type { CloudConfig } from './config.js';
import type { CloudExtension, CreateCloudOptions } from './core.js';
import { dashboardExtension } from './dashboard/index.js';
import { fireExtension, fireSchemas } from './fire/fire-alerts-part.js';
import { fisheriesExtension } from './fisheries/part.js';
import { notifyExtension } from './notify/notify-part.js';
import { storageExtension } from './storage/storage-part.js';

/**
 * The features a full Lookout cloud runs, in one place so that `lookout cloud`, `lookout demo` and the tests
 * start the same thing: fisheries (vessels, rules, alarms), fire alerts (raised as alarms too), cameras, the
 * live web dashboard at `/` (cloud/dashboard), and alarm notifications to webhooks (cloud/notify).
 */
export function cloudFeatures(config: CloudConfig, extra: CloudExtension[] = []): Required<Pick<CreateCloudOptions, 'extensions' | 'schemas'>> {
  let alarms: AlarmsPart | undefined;
  return {
    extensions: [
      fisheriesExtension(config.fisheries, { onCreated: (parts) => (alarms = parts.alarms) }),
      // Through the part, not the store: held while the alarms are not rebuilt from InfluxDB (no duplicates).
      fireExtension({ raiseAlarm: (request) => void alarms?.raise(request) }),
      camerasExtension(),
      dashboardExtension(),
      notifyExtension(config.notify),
      storageExtension(config.storage),
      ...extra,
    ],
    schemas: { ...fireSchemas, ...cameraSchemas },
  };
}
