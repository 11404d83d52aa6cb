import path from 'node:path';
import { PartFeature } from '../../runtime/feature.js';
import type { CloudContext } from '../core.js';
import { INSTALL_DIR } from '../fisheries/part.js';
import { loadZones } from '../fisheries/zones.js';
import type { NotifyConfig } from './config.js';
import { NotifyPart } from './notify-part.js';

export type NotifyFeature = PartFeature<CloudContext, NotifyPart>;

/** Alarm changes (`alarmChange` on the bus) to webhooks; spill file `<dataDir>/notify/pending.ndjson`. */
export function notifyFeature(config: NotifyConfig): NotifyFeature {
  return new PartFeature('notify', (context: CloudContext) => {
    const part = new NotifyPart({
      config,
      bus: context.bus,
      log: context.log.child({ part: 'notify' }),
      registry: context.registry,
      spillFile: path.resolve(context.config.dataDir, 'notify', 'pending.ndjson'),
      leadership: context.config.cluster ? context.leadership : undefined,
      zoneNames: async () => {
        const zones = await loadZones(context.config.fisheries.zoneFiles, INSTALL_DIR);
        return new Map(zones.map((zone) => [zone.id, zone.name]));
      },
    });
    if (config.webhooks.length > 0) context.addHealth('notify', () => part.health());
    return part;
  });
}
