import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../runtime/logger.js';
import { startTestRedis, type TestRedis } from '../../tests/support/redis.js';
import { scopeForFile } from '../../tests/support/scope.js';
import { waitFor } from '../../tests/support/wait.js';
import { LeaderLease } from './lease.js';

const scope = scopeForFile();
let redis: TestRedis;

beforeAll(async () => {
  redis = await scope.use(startTestRedis(), (started) => started.cleanup());
});

function connection(): Redis {
  const client = new Redis(redis.redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  scope.defer(() => client.disconnect());
  return client;
}

async function lease(holder: string, prefix: string): Promise<{ lease: LeaderLease; client: Redis }> {
  const client = connection();
  await waitFor(() => client.status === 'ready', 10_000, 'redis connection');
  const created = new LeaderLease({
    redis: client,
    holder,
    prefix,
    ttlMs: 600,
    renewMs: 150,
    log: silentLogger(),
  });
  await created.start();
  scope.defer(() => created.stop());
  return { lease: created, client };
}

describe('LeaderLease (real redis-server)', () => {
  it('grants one leader; a clean stop hands over at once with a higher epoch', async () => {
    const { lease: a } = await lease('a', 'clean');
    const { lease: b } = await lease('b', 'clean');
    expect(a.state).toEqual({ leader: true, epoch: 1 });
    expect(b.leader).toBe(false);
    expect(await a.fence()).toBe(true);
    expect(await b.fence(1)).toBe(false);
    expect(await b.holder()).toEqual({ holder: 'a', epoch: 1 });
    await a.stop();
    await waitFor(() => b.leader, 10_000, 'b to take the lease');
    expect(b.state.epoch).toBe(2);
    expect(await a.fence(1)).toBe(false);
    expect(await b.fence()).toBe(true);
  });

  it('a leader cut off from Redis steps down on its own clock and is replaced; its old epoch is refused', async () => {
    const { lease: a, client } = await lease('a', 'cut');
    const { lease: b } = await lease('b', 'cut');
    const changes: boolean[] = [];
    a.onChange((state) => changes.push(state.leader));
    const oldEpoch = a.state.epoch;
    expect(oldEpoch).toBeGreaterThan(0);
    client.disconnect(); // a network cut: no renewal reaches Redis and no answer reaches a
    await waitFor(() => !a.leader && changes.includes(false), 10_000, 'a to step down without Redis');
    await waitFor(() => b.leader, 10_000, 'b to take the lease once it expired');
    expect(b.state.epoch).toBeGreaterThan(oldEpoch);
    expect(await b.fence()).toBe(true);
    expect(await a.fence(oldEpoch)).toBe(false);
  });
});
