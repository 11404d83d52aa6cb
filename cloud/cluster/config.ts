import { Type, type Static } from '@sinclair/typebox';

/**
 * `cloud.cluster`: several cloud processes (on one or several machines) share one Redis server. aedes passes
 * messages between them (mqemitter-redis) and keeps retained messages, subscriptions, QoS 1 sessions and offline
 * queues there (aedes-persistence-redis); one instance holds the leader lease (cloud/cluster/README in
 * cloud/README.md, "Cluster"). Absent: one process, everything in its memory and on its disk, as before.
 */
export const ClusterConfig = Type.Object(
  {
    /** The Redis server, e.g. `redis://10.0.0.5:6379` or `redis://:password@host:6379/2` (`rediss://` for TLS). */
    redis: Type.String({ pattern: '^rediss?://[^\\s]+$', description: 'redis:// or rediss:// URL' }),
    /**
     * This instance's name in the cluster (logs, `/health`, the lease holder, aedes' broker id). Must differ between
     * instances running at the same time. Default: host name and process id.
     */
    instanceId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' })),
    /**
     * The leader lease's lifetime; renewed every third of it. A leader that dies (kill -9, a lost machine) is
     * replaced after at most this plus one renewal; one cut off from Redis stops acting a third earlier.
     */
    leaseMs: Type.Integer({ minimum: 300, maximum: 600_000, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type ClusterConfig = Static<typeof ClusterConfig>;

/**
 * What cluster mode needs beyond its own section, as config problems naming the path (empty: none). The SQL
 * database (vessel registry, camera settings, the office's cases) must be one server every instance shares: the
 * embedded PGlite lives in one instance's dataDir, so each instance would keep its own, diverging copy.
 */
export function clusterConfigProblems(config: {
  cluster?: ClusterConfig;
  registry: { database?: { url: string } };
}): string[] {
  if (!config.cluster || config.registry.database) return [];
  return [
    '/cloud/registry/database/url: required when /cloud/cluster is set: every instance must use one PostgreSQL ' +
      'database for the vessel registry, camera settings and office cases (without it each instance would keep ' +
      'its own embedded PGlite in its dataDir, and they would disagree). Set it to a PostgreSQL server all ' +
      'instances reach, e.g. registry: { database: { url: "postgres://lookout:${LOOKOUT_PG_PASSWORD}@10.0.0.5:5432/lookout" } } ' +
      '(cloud/README.md, "Cluster")',
  ];
}
