import { alarmsFeature } from './alarms/feature.js';
import { clusterFeature } from './cluster/feature.js';
import { cameraSettingsFeature } from './camera-settings/feature.js';
import { camerasFeature } from './cameras/feature.js';
import type { CloudConfig } from './config.js';
import type { CloudFeature } from './core.js';
import { dashboardFeature } from './dashboard/index.js';
import { fireAlertsFeature } from './fire/feature.js';
import { fisheriesFeature } from './fisheries/feature.js';
import { notifyFeature } from './notify/feature.js';
import { officeFeature } from './office/feature.js';
import { offlineAlarmsFeature } from './offline/feature.js';
import { registryFeature, type RegistryFeatureOptions } from './registry/feature.js';
import { storageFeature } from './storage/feature.js';

/**
 * The features a full Lookout cloud runs, in one place so that `lookout cloud`, `lookout demo` and the tests
 * start the same thing: the vessel registry (PGlite or PostgreSQL, read by the fisheries rules), the fisheries office (statistics,
 * reports, port visits, signal-loss cases), alarms (used by fisheries and fire alerts, owned by neither), fisheries (vessels,
 * rules), fire alerts, cameras and their settings from the dashboard (sent to the edges), the live web dashboard at `/` (cloud/dashboard), alarm notifications to
 * webhooks (cloud/notify) and the disk budgets (cloud/storage): `createCloud(config, { features: cloudFeatures(config) })`.
 */
export function cloudFeatures(
  config: CloudConfig,
  options: { registryDemo?: RegistryFeatureOptions['demo'] } = {},
): CloudFeature[] {
  const { restore } = config.fisheries;
  const cluster = config.cluster ? clusterFeature(config.cluster) : undefined;
  const alarms = alarmsFeature({
    cluster,
    restore: {
      retryMinMs: restore.retryMinMs,
      retryMaxMs: restore.retryMaxMs,
      maxHeld: restore.maxHeldAlarmRaises,
    },
  });
  // The config's vessel list seeds the registry database once (the database is the registry from then on).
  const registry = registryFeature({ seed: config.fisheries.vessels, demo: options.registryDemo });
  const fisheries = fisheriesFeature(config.fisheries, { alarms, registry });
  const cameras = camerasFeature();
  return [
    ...(cluster ? [cluster] : []),
    registry,
    alarms,
    fisheries,
    officeFeature({ registry, fisheries, alarms }),
    fireAlertsFeature({ alarms }),
    cameras,
    cameraSettingsFeature({ registry }),
    offlineAlarmsFeature(config.offlineAlarms, { alarms, registry }),
    dashboardFeature({ tiles: config.dashboard.tiles }),
    notifyFeature(config.notify, { cameras, cluster }),
    storageFeature(config.storage),
  ];
}
