import { LocalRedis } from '../../cloud/cluster/local-redis.js';
import { removeDir, tempDir } from './cloud-fixtures.js';

export interface TestRedis {
  redis: LocalRedis;
  dir: string;
  /** Stops redis-server and removes its folder. */
  cleanup(): Promise<void>;
}

/** A real redis-server on a free loopback port with a temp data dir (for `scope.use(startTestRedis(), r => r.cleanup())`). */
export async function startTestRedis(): Promise<TestRedis> {
  const dir = await tempDir('redis');
  const redis = new LocalRedis({ dir });
  try {
    await redis.start();
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
  return {
    redis,
    dir,
    async cleanup() {
      await redis.stop();
      await removeDir(dir);
    },
  };
}
