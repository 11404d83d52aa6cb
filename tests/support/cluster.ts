import { startTestInfluxd, type TestInfluxd } from './influxd.js';
import { startTestPostgres, type TestPostgres } from './postgres.js';
import { startTestRedis, type TestRedis } from './redis.js';
import type { TestScope } from './scope.js';

/** What the instances of a cloud cluster share: InfluxDB, Redis and the registry's PostgreSQL. */
export interface ClusterServers {
  influx: TestInfluxd;
  redis: TestRedis;
  postgres: TestPostgres;
}

/** Starts the three at once; `scope` stops them, also when one of them fails to start. */
export async function startClusterServers(scope: TestScope): Promise<ClusterServers> {
  const [influx, redis, postgres] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    scope.use(startTestRedis(), (started) => started.cleanup()),
    startTestPostgres(scope),
  ]);
  return { influx, redis, postgres };
}
