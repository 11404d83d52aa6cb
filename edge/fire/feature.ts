import path from 'node:path';
import { PartFeature } from '../../runtime/feature.js';
import type { EdgeContext } from '../core.js';
import { FirePart } from './fire-part.js';

export type FireFeature = PartFeature<EdgeContext, FirePart>;

/**
 * Fire detection on the edge's cameras (`edge.fire`): alerts into the outbox, camera status published retained,
 * per-camera settings from the dashboard applied as they arrive and kept on disk.
 */
export function fireFeature(): FireFeature {
  return new PartFeature('fire', (context: EdgeContext) => {
    return new FirePart(context.config.fire, {
      edgeId: context.config.edgeId,
      bus: context.bus,
      outbox: context.outbox,
      publishDirect: (topic, payload, retain) => context.publishDirect(topic, payload, retain),
      log: context.log.child({ part: 'fire' }),
      registry: context.registry,
      settings: {
        subscribe: (filter, onMessage) => context.subscribe(filter, onMessage),
        // Beside the outbox and the receipt log: the edge's one folder of state kept across restarts.
        file: path.join(context.config.outbox.dir, 'camera-settings.ndjson'),
      },
    });
  });
}
