import path from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import type { InfluxDB } from 'influx';
import type { Registry } from 'prom-client';
import { filters } from '../protocols/mqtt/topics.js';
import { compileSchema } from '../protocols/validation.js';
import { readTlsServerFiles } from '../runtime/tls.js';
import { createHttpApp, HttpServerPart, type HealthReport, type HttpApp } from '../runtime/http-server.js';
import { silentLogger, type Logger } from '../runtime/logger.js';
import { featureParts, type Feature } from '../runtime/feature.js';
import { ServiceCore } from '../runtime/service.js';
import { BrokerPart, type BrokerBackend } from './broker/broker-part.js';
import { clusterConfigProblems } from './cluster/config.js';
import { soleLeadership, type Leadership } from './cluster/leadership.js';
import { CloudConfig } from './config.js';
import { createCloudBus, type CloudBus, type DurableSink } from './events.js';
import { installOperatorAuth } from './http/auth.js';
import { registerCoreRoutes } from './http/routes.js';
import { createInfluxClient, InfluxWriterPart } from './influxdb/writer-part.js';
import { IngestPart } from './ingest/ingest-part.js';
import { createCloudMetrics, type CloudMetrics } from './metrics.js';
import { PresencePart, type EdgePresence } from './presence/presence-part.js';

/** What a feature (fisheries, alarms, fire alerts, ...) gets in `start` to plug itself into the cloud. */
export interface CloudContext {
  config: CloudConfig;
  log: Logger;
  bus: CloudBus;
  metrics: CloudMetrics;
  registry: Registry;
  /** The fastify app, before it listens: add routes with `addRoutes` (or `app.register(plugin, { prefix })`). */
  app: HttpApp;
  /** Declares routes inside a plugin (under `prefix`, e.g. `/api/v1`), so that they are listed in the OpenAPI document. */
  addRoutes(register: (app: HttpApp) => void, options?: { prefix?: string }): void;
  influx: InfluxDB;
  presence: PresencePart;
  /** Makes the journal keep messages until this sink has finished with them (see DurableSink). */
  addSink(sink: DurableSink): void;
  /** Schemas for edge topic kinds the core does not know (e.g. `alerts/fire`), by kind. */
  addSchemas(schemas: Partial<Record<string, TSchema>>): void;
  /** Adds a feature's line to `/health` (under `features.<name>`); a `degraded` feature makes the cloud degraded. */
  addHealth(name: string, report: () => FeatureHealth): void;
  /** Publishes from the cloud to MQTT subscribers (e.g. alarms to dashboards); works once started. */
  publish(
    topic: string,
    payload: string | Buffer,
    options?: { qos?: 0 | 1; retain?: boolean },
  ): Promise<void>;
  /** Bound addresses (ports 0 resolved); valid once started, e.g. inside a request handler. */
  readonly addresses: CloudAddresses;
  /** Cluster mode (cloud/cluster): the broker becomes a node of an aedes cluster; call before the broker starts. */
  useBrokerCluster(backend: BrokerBackend): void;
  /** Whether this instance leads (always, on one process); read it when acting, it changes in a cluster. */
  readonly leadership: Leadership;
  /** Cluster mode: leadership by the Redis lease from now on (the cluster feature, listed first). */
  useLeadership(leadership: Leadership): void;
}

/**
 * A cloud feature: started in list order after the InfluxDB writer and presence, before the ingest replays the
 * journal and the broker accepts clients (so its sinks, schemas and routes are in place); stopped in reverse.
 */
export type CloudFeature = Feature<CloudContext>;

export interface CreateCloudOptions {
  log?: Logger;
  /** The product's list is `cloudFeatures(config)` (features.ts). */
  features?: CloudFeature[];
}

export interface CloudAddresses {
  mqtt: string;
  ws: string;
  http: string;
  mqttPort: number;
  wsPort: number;
  httpPort: number;
}

/** A feature's own health details (e.g. `{ status: 'degraded', restoring: true }` while rebuilding state). */
export interface FeatureHealth {
  status: 'ok' | 'degraded';
  [detail: string]: unknown;
}

export interface CloudHealth extends HealthReport {
  influx: { url: string; reachable: boolean; lastError?: string };
  buffer: {
    memoryPoints: number;
    diskBytes: number;
    diskMessages: number;
    diskMaxBytes: number;
    full: boolean;
    /** The alerts' own journal (IngestLane). */
    alerts: { diskBytes: number; diskMessages: number; diskMaxBytes: number; full: boolean };
  };
  mqtt: { clients: number };
  edges: EdgePresence[];
  /** One entry per feature that reports its health (CloudContext.addHealth). */
  features: Record<string, FeatureHealth>;
}

export interface Cloud {
  readonly config: CloudConfig;
  readonly bus: CloudBus;
  readonly metrics: CloudMetrics;
  readonly registry: Registry;
  readonly app: HttpApp;
  readonly influx: InfluxDB;
  readonly presence: PresencePart;
  /** Bound addresses; valid after start(). */
  readonly addresses: CloudAddresses;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): Promise<CloudHealth>;
  publish: CloudContext['publish'];
  /** Whether this instance leads (cloud/cluster/leadership.ts). */
  readonly leadership: Leadership;
}

/** Validates a (partial) `cloud:` section and fills in the defaults. */
export function cloudConfig(section: unknown = {}): CloudConfig {
  const result = compileSchema(CloudConfig).parseValue(section, '/cloud');
  const problems = result.ok ? clusterConfigProblems(result.value) : result.errors;
  if (!result.ok || problems.length > 0) throw new Error(`invalid cloud config:\n  ${problems.join('\n  ')}`);
  return result.value;
}

/**
 * The cloud service: parts wired through one event bus. Start order: InfluxDB writer, presence, features
 * (in list order), ingest (opens the journal and replays what was not stored yet), broker, HTTP; stop in reverse.
 */
export function createCloud(config: CloudConfig, options: CreateCloudOptions = {}): Cloud {
  const log = options.log ?? silentLogger();
  const metrics = createCloudMetrics();
  const bus = createCloudBus({ metrics, log: log.child({ part: 'bus' }) });
  const dataDir = path.resolve(config.dataDir);
  const core = new ServiceCore('cloud', log);

  const influx = createInfluxClient(config.influx);
  const writer = new InfluxWriterPart({
    influx,
    database: config.influx.database,
    batchSize: config.ingest.batchSize,
    flushIntervalMs: config.ingest.flushIntervalMs,
    memoryPoints: config.buffer.memoryPoints,
    retention: config.influx.retention,
    bus,
    metrics,
    log: log.child({ part: 'influx-writer' }),
  });
  const presence = new PresencePart({ bus, metrics, log: log.child({ part: 'presence' }) });
  const ingest = new IngestPart({
    journal: {
      dir: path.resolve(config.buffer.dir ?? path.join(dataDir, 'journal')),
      segmentBytes: config.buffer.segmentBytes,
      maxBytes: config.buffer.diskMaxBytes,
      fsync: config.buffer.fsync,
    },
    alertsJournal: {
      dir: path.join(dataDir, 'journal-alerts'),
      segmentBytes: Math.min(config.buffer.segmentBytes, 4 * 1024 * 1024),
      maxBytes: config.buffer.alertsDiskMaxBytes,
      fsync: config.buffer.fsync,
    },
    fullWaitMs: config.buffer.fullWaitMs,
    maxFutureSkewMs: config.ingest.maxFutureSkewS * 1000,
    deadLetterFile: config.ingest.deadLetter ? path.join(dataDir, 'dead-letter.ndjson') : undefined,
    bus,
    metrics,
    log: log.child({ part: 'ingest' }),
  });
  ingest.addSink(writer);
  const tls = config.tls ? readTlsServerFiles(config.tls, 'cloud.tls') : undefined;
  let brokerCluster: BrokerBackend | undefined;
  let leadership: Leadership = soleLeadership;
  const broker = new BrokerPart({
    config: config.mqtt,
    bus,
    metrics,
    log: log.child({ part: 'broker' }),
    publishGate: ingest.gate,
    retainable: ingest.retainable,
    tls,
    cluster: () => brokerCluster,
    // Every instance knows every edge and camera (live kinds are not journalled), and every instance's rules and
    // fire locator see every position and fire alert (stored by the instance that received it): a hot standby.
    remoteFilters: [
      filters.edgeStatus,
      filters.edgeHealth,
      filters.edgeCameras,
      filters.vesselPositions,
      filters.fireAlerts,
    ],
  });

  const featureHealth = new Map<string, () => FeatureHealth>();
  const health = async (): Promise<CloudHealth> => {
    const features = Object.fromEntries(Array.from(featureHealth, ([name, report]) => [name, report()]));
    const featuresOk = Object.values(features).every((feature) => feature.status === 'ok');
    return {
      status: writer.reachable && featuresOk ? 'ok' : 'degraded',
      influx: {
        url: `http://${config.influx.host}:${config.influx.port}`,
        reachable: writer.reachable,
        lastError: writer.lastError,
      },
      buffer: {
        memoryPoints: writer.pendingPoints,
        diskBytes: ingest.journal.bytes,
        diskMessages: ingest.journal.pendingMessages,
        diskMaxBytes: config.buffer.diskMaxBytes,
        full: ingest.journal.full,
        alerts: {
          diskBytes: ingest.alertsJournal?.bytes ?? 0,
          diskMessages: ingest.alertsJournal?.pendingMessages ?? 0,
          diskMaxBytes: config.buffer.alertsDiskMaxBytes,
          full: ingest.alertsJournal?.full ?? false,
        },
      },
      mqtt: { clients: broker.clients.size },
      edges: presence.list(),
      features,
    };
  };
  const app = createHttpApp({
    log: log.child({ part: 'http' }),
    registry: metrics.registry,
    health,
    https: tls,
    timeouts: config.http.limits,
  });
  // Before any route: the hook on the root instance then covers every route, features' routes included.
  installOperatorAuth(app, {
    operators: config.http.operators,
    limits: config.http.limits,
    log: log.child({ part: 'http-auth' }),
    metrics,
  });
  registerCoreRoutes(app, presence);
  const http = new HttpServerPart(app, config.http.host, config.http.port);

  const publish: CloudContext['publish'] = (topic, payload, publishOptions = {}) =>
    new Promise((resolve, reject) => {
      if (!broker.aedes) return reject(new Error('cloud is not started'));
      broker.aedes.publish(
        {
          cmd: 'publish',
          topic,
          payload: Buffer.from(payload),
          qos: publishOptions.qos ?? 1,
          retain: publishOptions.retain ?? false,
          dup: false,
        },
        (error?: Error) => (error ? reject(error) : resolve()),
      );
    });

  const addresses = (): CloudAddresses => ({
    mqtt: broker.mqttUrl,
    ws: broker.wsUrl,
    http: http.address,
    mqttPort: broker.port,
    wsPort: broker.wsPort,
    httpPort: http.port,
  });
  const shared = { config, bus, metrics, registry: metrics.registry, app, influx, presence, publish };
  const context: CloudContext = {
    ...shared,
    log,
    addRoutes: (register, routeOptions = {}) =>
      void app.register(async (scope) => register(scope as unknown as HttpApp), routeOptions),
    addSink: (sink) => ingest.addSink(sink),
    addSchemas: (schemas) => ingest.addSchemas(schemas),
    addHealth: (name, report) => void featureHealth.set(name, report),
    useBrokerCluster: (backend) => {
      brokerCluster = backend;
    },
    get leadership() {
      return leadership;
    },
    useLeadership: (chosen) => {
      leadership = chosen;
    },
    get addresses() {
      return addresses();
    },
  };
  core.add(writer);
  core.add(presence);
  for (const part of featureParts(options.features ?? [], context)) core.add(part);
  core.add(ingest);
  core.add(broker);
  core.add(http);

  return {
    ...shared,
    get addresses(): CloudAddresses {
      return addresses();
    },
    get leadership(): Leadership {
      return leadership;
    },
    start: async () => {
      await core.start();
      bus.emit('started', { at: Date.now() });
    },
    stop: () => core.stop(),
    health,
  };
}
