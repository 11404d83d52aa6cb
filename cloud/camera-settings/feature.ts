import { PartFeature } from '../../runtime/feature.js';
import type { CloudContext } from '../core.js';
import type { RegistryFeature } from '../registry/feature.js';
import { CameraSettingsPart } from './part.js';
import { registerCameraSettingsRoutes } from './routes.js';

export type CameraSettingsFeature = PartFeature<CloudContext, CameraSettingsPart>;

/**
 * Per-camera settings from the dashboard (mute, sensitivity, ignore masks) to the edges: kept in the registry's
 * SQL database (it needs the registry feature, listed before it), `/api/v1/cameras/{edgeId}/{cameraId}/settings`.
 */
export function cameraSettingsFeature(options: {
  registry: RegistryFeature;
  clock?: () => number;
}): CameraSettingsFeature {
  const { registry } = options;
  return new PartFeature(
    'camera-settings',
    (context: CloudContext) => {
      const part = new CameraSettingsPart({
        database: () => registry.part.database,
        bus: context.bus,
        publish: context.publish,
        log: context.log.child({ part: 'camera-settings' }),
        registry: context.registry,
        clock: options.clock,
      });
      context.addRoutes((app) => registerCameraSettingsRoutes(app, part), { prefix: '/api/v1' });
      return part;
    },
    [registry],
  );
}
