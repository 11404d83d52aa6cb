import path from 'node:path';
import { PartFeature } from '../../runtime/feature.js';
import type { CloudContext } from '../core.js';
import { INSTALL_DIR } from '../fisheries/part.js';
import { loadZones } from '../fisheries/zones.js';
import type { CamerasFeature } from '../cameras/feature.js';
import type { ClusterFeature } from '../cluster/feature.js';
import { loadCommunes } from './area.js';
import type { NotifyConfig } from './config.js';
import { NotifyPart } from './notify-part.js';

export type NotifyFeature = PartFeature<CloudContext, NotifyPart>;

/**
 * Alarm changes (`alarmChange` on the bus) to webhooks; spill file `<dataDir>/notify/pending.ndjson`. Given the
 * cameras feature, alarms of a camera are placed at its reported position for webhooks' areas. Given the cluster
 * feature, waiting notifications are kept in Redis instead (the next leader sends them).
 */
export function notifyFeature(
  config: NotifyConfig,
  options: { cameras?: CamerasFeature; cluster?: ClusterFeature } = {},
): NotifyFeature {
  const { cameras, cluster } = options;
  return new PartFeature(
    'notify',
    (context: CloudContext) => {
      const part = new NotifyPart({
        config,
        bus: context.bus,
        log: context.log.child({ part: 'notify' }),
        registry: context.registry,
        spillFile: path.resolve(context.config.dataDir, 'notify', 'pending.ndjson'),
        leadership: context.config.cluster ? context.leadership : undefined,
        outbox: cluster?.notifyOutbox(),
        zoneNames: async () => {
          const zones = await loadZones(context.config.fisheries.zoneFiles, INSTALL_DIR);
          return new Map(zones.map((zone) => [zone.id, zone.name]));
        },
        communes: async () => loadCommunes(config.communesFile!, process.cwd()),
        cameraPosition: cameras
          ? (edgeId, cameraId) =>
              cameras.part.list({ edgeId }).find((camera) => camera.cameraId === cameraId)?.position
          : undefined,
      });
      if (config.webhooks.length > 0) context.addHealth('notify', () => part.health());
      return part;
    },
    [...(cameras ? [cameras] : []), ...(cluster ? [cluster] : [])],
  );
}
