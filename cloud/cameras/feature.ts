import { PartFeature } from '../../runtime/feature.js';
import type { CloudContext } from '../core.js';
import { CameraStorePart } from './cameras-part.js';
import { registerCameraRoutes } from './routes.js';

export type CamerasFeature = PartFeature<CloudContext, CameraStorePart>;

/** The edges' cameras: stores their inventories and statuses, serves `GET /api/v1/cameras`. */
export function camerasFeature(): CamerasFeature {
  return new PartFeature('cameras', (context: CloudContext) => {
    const part = new CameraStorePart({
      bus: context.bus,
      log: context.log.child({ part: 'cameras' }),
      registry: context.registry,
    });
    context.addRoutes((app) => registerCameraRoutes(app, part));
    return part;
  });
}
