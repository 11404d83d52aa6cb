import type { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import { Redis } from 'ioredis';
import MQEmitterRedis from 'mqemitter-redis';
import { withDeadline } from '../../runtime/deadline.js';
import type { Logger } from '../../runtime/logger.js';
import type { CloudContext, CloudFeature } from '../core.js';
import { clusterConfigProblems, type ClusterConfig } from './config.js';
import { RedisNotifyOutbox } from './notify-outbox.js';
import { AlarmRelay } from './alarm-relay.js';
import { LeaderLease } from './lease.js';

/** How long the stop waits for what goes through Redis (persistence destroy) before dropping the connections. */
const STOP_WAIT_MS = 3000;

/** What the broker needs to be one node of a cluster: its id, the shared emitter and the shared persistence. */
export interface BrokerCluster {
  id: string;
  mq: MQEmitterRedis.MQEmitterRedis;
  persistence: ReturnType<typeof aedesPersistenceRedis>;
}

/** This instance's cluster name: the configured one, else host name and process id (unique while it runs). */
export function clusterInstanceId(config: ClusterConfig): string {
  return config.instanceId ?? `${hostname()}-${process.pid}`;
}

/** A Redis client that keeps reconnecting (a Redis restart must not stop the cloud) and says why it failed. */
export function redisClient(
  url: string,
  context: Pick<CloudContext, 'log'>,
  role: string,
  failFast = false,
): Redis {
  const client = new Redis(url, {
    lazyConnect: false,
    // The lease must fail at once when Redis is away (its holder steps down on time); aedes' connections wait.
    ...(failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 0 } : { maxRetriesPerRequest: null }),
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
    // No connectionName: its CLIENT SETNAME raced a subscriber's first SUBSCRIBE ("Connection in subscriber mode")
    // and the connection started over, losing what was published meanwhile.
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    context.log.warn({ role, err: error.message }, 'Redis connection error (retrying)');
  });
  client.on('ready', () => {
    if (lastError) context.log.info({ role }, 'Redis connection back');
    lastError = '';
  });
  return client;
}

/**
 * Cluster mode (`cloud.cluster`): the broker of this instance becomes one node of an aedes cluster on Redis.
 * Listed first in `cloudFeatures`, so the Redis connections exist before the broker starts and close after it.
 */
export class ClusterFeature implements CloudFeature {
  readonly name = 'cluster';
  readonly instanceId: string;
  #connections: Redis[] = [];
  #persistence: ReturnType<typeof aedesPersistenceRedis> | undefined;
  #mq: MQEmitterRedis.MQEmitterRedis | undefined;
  #lease: LeaderLease | undefined;
  #context: CloudContext | undefined;

  constructor(readonly config: ClusterConfig) {
    this.instanceId = clusterInstanceId(config);
  }

  async start(context: CloudContext): Promise<void> {
    // Also for configs built in code: cloudConfig() and the config loader refuse these already.
    const problems = clusterConfigProblems(context.config);
    if (problems.length > 0) throw new Error(`cluster mode refused:\n  ${problems.join('\n  ')}`);
    this.#context = context;
    const { log, connect: client } = this.#forPart('cluster');
    const persistenceConnection = client('aedes-persistence');
    await persistenceConnection.ping(); // fails start with the reason when Redis is unreachable
    this.#mq = MQEmitterRedis({ subConn: client('mq-sub'), pubConn: client('mq-pub') });
    // mqemitter-redis re-emits its connections' errors on `state`: unheard, a Redis restart or reset would crash the
    // process (seen when Redis stopped before the cloud). The connections log them already (redisClient).
    (this.#mq as unknown as { state: EventEmitter }).state.on('error', (error: Error) =>
      log.debug({ err: error.message }, 'mqemitter-redis connection error'),
    );
    this.#persistence = aedesPersistenceRedis({ conn: persistenceConnection });
    context.useBrokerCluster({ id: this.instanceId, mq: this.#mq, persistence: this.#persistence });
    const leaseConnection = client('lease', true);
    await new Promise<void>((resolve, reject) => {
      leaseConnection.once('ready', resolve);
      leaseConnection.once('end', () => reject(new Error('Redis connection for the lease closed')));
    });
    this.#lease = new LeaderLease({
      redis: leaseConnection,
      holder: this.instanceId,
      ttlMs: this.config.leaseMs,
      log,
    });
    await this.#lease.start();
    context.useLeadership(this.#lease);
    context.addHealth('cluster', () => ({
      status: this.#connections.every((connection) => connection.status === 'ready') ? 'ok' : 'degraded',
      instance: this.instanceId,
      leader: this.#lease?.leader ?? false,
      epoch: this.#lease?.epoch ?? 0,
      redis: this.#connections.map((connection) => connection.status),
    }));
    log.info({ redis: redactedUrl(this.config.redis) }, 'cluster mode: aedes on Redis');
  }

  /** The alarms' link to the leader (their feature lists this one in its needs, so it is started). */
  alarmRelay(): AlarmRelay {
    const { log, connect } = this.#forPart('alarm-relay');
    return new AlarmRelay({
      publisher: connect('alarms-pub'),
      subscriber: connect('alarms-sub'),
      instance: this.instanceId,
      leadership: () => this.#context!.leadership,
      log,
    });
  }

  /** Where the leader's waiting notifications outlive it (the notify feature lists this one in its needs). */
  notifyOutbox(): RedisNotifyOutbox {
    const { log, connect } = this.#forPart('notify-outbox');
    return new RedisNotifyOutbox(connect('notify-outbox'), log);
  }

  /** A logger for one user of the cluster's Redis, and its connections (dropped at stop, counted in health). */
  #forPart(part: string): { log: Logger; connect: (role: string, failFast?: boolean) => Redis } {
    const context = this.#context;
    if (!context) throw new Error('the cluster feature is not started');
    const log = context.log.child({ part, instance: this.instanceId });
    const connect = (role: string, failFast = false) => {
      const connection = redisClient(this.config.redis, { log }, role, failFast);
      this.#connections.push(connection);
      return connection;
    };
    return { log, connect };
  }

  get lease(): LeaderLease | undefined {
    return this.#lease;
  }

  async stop(): Promise<void> {
    await this.#lease?.stop(); // hands the lease over at once
    // aedes.close() closed the emitter when the broker had started; the persistence is ours to close. Its destroy
    // unsubscribes through Redis: with Redis away it would wait for ever (the connections drop below).
    if (this.#persistence)
      await withDeadline(this.#persistence.destroy(), STOP_WAIT_MS, 'the aedes persistence to close').catch(
        (error: Error) =>
          this.#context?.log.warn({ err: error.message }, 'is Redis away? stopping without it'),
      );
    for (const connection of this.#connections.splice(0)) connection.disconnect();
    this.#persistence = this.#mq = undefined;
  }
}

export function clusterFeature(config: ClusterConfig): ClusterFeature {
  return new ClusterFeature(config);
}

/** The URL without its password, for logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://?';
  }
}
