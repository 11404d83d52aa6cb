import path from 'node:path';
import { PartFeature } from '../../runtime/feature.js';
import type { CloudContext } from '../core.js';
import type { StorageConfig } from './config.js';
import { StoragePart } from './storage-part.js';

export type StorageFeature = PartFeature<CloudContext, StoragePart>;

/** Disk budgets: fire snapshots by age and size, free space watched, the least important data shed first. */
export function storageFeature(config: StorageConfig, snapshotDir?: string): StorageFeature {
  return new PartFeature('storage', (context: CloudContext) => {
    const dataDir = path.resolve(context.config.dataDir);
    const part = new StoragePart({
      ...config,
      dataDir,
      snapshotDir: snapshotDir ?? path.join(dataDir, 'fire-snapshots'),
      deadLetterFile: path.join(dataDir, 'dead-letter.ndjson'),
      log: context.log.child({ part: 'storage' }),
      registry: context.registry,
    });
    context.addHealth('storage', () => part.health());
    return part;
  });
}
