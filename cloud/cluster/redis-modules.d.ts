// aedes-persistence-redis ships no types. Its default export wraps the Redis store in aedes-persistence's
// CallBackPersistence (streams and promises), the interface aedes 1.x uses, like its in-memory default.
declare module 'aedes-persistence-redis' {
  import type { Redis, RedisOptions } from 'ioredis';
  interface RedisPersistenceOptions extends RedisOptions {
    conn?: Redis;
    maxSessionDelivery?: number;
    packetTTL?: (packet: unknown) => number;
  }
  interface RedisPersistence {
    setup(broker: unknown): Promise<void>;
    /** Without a callback: a promise (with one, it waits for an event aedes 1.x never triggers). */
    destroy(): Promise<void>;
  }
  function aedesPersistenceRedis(options?: RedisPersistenceOptions): RedisPersistence;
  export = aedesPersistenceRedis;
}
