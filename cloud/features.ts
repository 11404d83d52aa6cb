import { alarmsFeature } from './alarms/feature.js';
import { camerasFeature } from './cameras/feature.js';
import type { CloudConfig } from './config.js';
import type { CloudFeature } from './core.js';
import { dashboardFeature } from './dashboard/index.js';
import { fireAlertsFeature } from './fire/feature.js';
import { fisheriesFeature } from './fisheries/feature.js';
import { notifyFeature } from './notify/feature.js';

/**
 * The features a full Lookout cloud runs, in one place so that `lookout cloud`, `lookout demo` and the tests
 * start the same thing: alarms (used by fisheries and fire alerts, owned by neither), fisheries (vessels,
 * rules), fire alerts, cameras, the live web dashboard at `/` (cloud/dashboard), and alarm notifications to
 * webhooks (cloud/notify): `createCloud(config, { features: cloudFeatures(config) })`.
 */
export function cloudFeatures(config: CloudConfig): CloudFeature[] {
  const { restore } = config.fisheries;
  const alarms = alarmsFeature({
    restore: {
      retryMinMs: restore.retryMinMs,
      retryMaxMs: restore.retryMaxMs,
      maxHeld: restore.maxHeldAlarmRaises,
    },
  });
  return [
    alarms,
    fisheriesFeature(config.fisheries, { alarms }),
    fireAlertsFeature({ alarms }),
    camerasFeature(),
    dashboardFeature(),
    notifyFeature(config.notify),
  ];
}
