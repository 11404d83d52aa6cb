import { readTlsClientFiles } from '../runtime/tls.js';
import type { Registry } from 'prom-client';
import type { EdgeHealth } from '../protocols/mqtt/payloads.js';
import { createHttpApp, HttpServerPart, type HealthReport } from '../runtime/http-server.js';
import { createLogger, type Logger } from '../runtime/logger.js';
import { createMetricsRegistry } from '../runtime/metrics.js';
import { featureParts, type Feature } from '../runtime/feature.js';
import { ServiceCore } from '../runtime/service.js';
import { aisMetrics } from './ais/ais-metrics.js';
import { AisPipeline } from './ais/pipeline.js';
import { TcpAisReceiver } from './ais/tcp-receiver.js';
import { UdpAisReceiver } from './ais/udp-receiver.js';
import { VesselBatching } from './batching/vessel-batching.js';
import { CameraInventoryPart } from './cameras/inventory-part.js';
import type { EdgeConfig } from './config.js';
import { createEdgeBus, type EdgeBus } from './events.js';
import { HealthPublisher } from './health.js';
import { DiskOutbox } from './outbox/outbox.js';
import { MqttUplink } from './uplink/mqtt-uplink.js';

export const EDGE_VERSION = '0.1.0';

/** What a feature (fire detection, ...) gets in `start` to plug itself into the edge. */
export interface EdgeContext {
  config: EdgeConfig;
  bus: EdgeBus;
  log: Logger;
  registry: Registry;
  /** Store-and-forward outbox: `outbox.enqueue('alert', topic, payload)` (never dropped, sent in order). */
  outbox: DiskOutbox;
  /** Publishes outside the outbox (retained state); resolves false when the link is down. */
  publishDirect(topic: string, payload: string, retain?: boolean): Promise<boolean>;
  /** Listens to an MQTT filter from the cloud (desired state) on every connection; returns the unsubscribe. */
  subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): () => void;
}

/**
 * An edge feature: started in list order after the AIS parts and before camera provisioning (so that it is
 * subscribed to `camera.sources` before the first emission), health and HTTP; stopped in reverse.
 */
export type EdgeFeature = Feature<EdgeContext>;

export interface EdgeDeps {
  log?: Logger;
  /** Default: a fresh registry for service `edge` (with process metrics). */
  registry?: Registry;
  /** The product's list is `edgeFeatures(config)` (features.ts). */
  features?: EdgeFeature[];
}

export interface EdgePorts {
  /** Bound AIS UDP port, when the UDP listener is configured. */
  udp?: number;
  /** Bound AIS TCP port, when the TCP listener is configured. */
  tcp?: number;
  http: number;
}

export interface Edge {
  readonly config: EdgeConfig;
  readonly bus: EdgeBus;
  readonly registry: Registry;
  readonly log: Logger;
  /** Store-and-forward outbox; other parts (fire alerts) enqueue through `outbox.enqueue('alert', topic, payload)`. */
  readonly outbox: DiskOutbox;
  readonly uplink: MqttUplink;
  readonly pipeline: AisPipeline;
  /** Camera discovery/provisioning and inventory (edge/cameras/). */
  readonly cameras: CameraInventoryPart;
  /** Actual bound ports, valid after `start()`. */
  readonly ports: EdgePorts;
  /** `http://host:port` of /health and /metrics, valid after `start()`. */
  readonly httpAddress: string;
  /** The `EdgeHealth` payload as it would be published now. */
  health(): EdgeHealth;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The edge service: a small core wiring independent parts that talk through a typed bus.
 *
 *   AIS UDP/TCP receivers -> `ais.line` -> AisPipeline (dedupe, decode, downsample) -> `vessel.position` /
 *   `vessel.static` -> VesselBatching -> DiskOutbox -> `outbox.appended` -> MqttUplink -> broker.
 *   HealthPublisher publishes `EdgeHealth`; the HTTP part serves /health and /metrics.
 *
 * Start order: outbox, uplink, pipeline, batching, receivers, features, cameras, health, http; stop is the reverse,
 * so receivers go quiet first, batches waiting are flushed to the outbox, the uplink drains briefly and says
 * `offline`, and the outbox closes last.
 */
export function createEdge(config: EdgeConfig, deps: EdgeDeps = {}): Edge {
  const log = deps.log ?? createLogger('edge');
  const registry = deps.registry ?? createMetricsRegistry('edge');
  const bus = createEdgeBus({ registry, log: log.child({ part: 'bus' }) });
  const core = new ServiceCore(`edge ${config.edgeId}`, log);
  const startedAt = Date.now();
  const child = (part: string) => log.child({ part });

  const outbox = core.add(
    new DiskOutbox(
      {
        dir: config.outbox.dir,
        maxBytes: config.outbox.maxBytes,
        whenFull: config.outbox.whenFull,
        fsync: config.outbox.fsync,
      },
      { log, registry, onAppended: (seq) => bus.emit('outbox.appended', { seq }) },
    ),
  );
  const uplink = core.add(
    new MqttUplink(
      {
        edgeId: config.edgeId,
        ...config.mqtt,
        tls: config.mqtt.tls ? readTlsClientFiles(config.mqtt.tls, 'edge.mqtt.tls') : undefined,
        version: EDGE_VERSION,
      },
      { outbox, bus, log: child('uplink'), registry },
    ),
  );
  const pipeline = core.add(
    new AisPipeline(
      {
        dedupeWindowMs: config.dedupe.windowMs,
        downsampleMinIntervalS: config.downsample.minIntervalS,
        maxPartialAgeMs: config.ais.maxPartialAgeMs,
        maxFutureSkewS: config.ais.maxFutureSkewS,
      },
      { bus, log: child('ais'), registry },
    ),
  );
  core.add(
    new VesselBatching(
      {
        edgeId: config.edgeId,
        ...config.batching,
        receiptLogDir: config.batching.durableOnReceipt ? config.outbox.dir : undefined,
      },
      { bus, outbox, log: child('batching'), registry },
    ),
  );
  const { udp: udpConfig, tcp: tcpConfig, maxLineBytes } = config.ais;
  const udp = udpConfig.enabled
    ? core.add(
        new UdpAisReceiver(
          {
            host: udpConfig.host,
            port: udpConfig.port,
            maxLineBytes,
            receiveBufferBytes: udpConfig.receiveBufferBytes,
          },
          { bus, log: child('ais-udp'), registry },
        ),
      )
    : undefined;
  const tcp = tcpConfig.enabled
    ? core.add(
        new TcpAisReceiver(
          { host: tcpConfig.host, port: tcpConfig.port, maxLineBytes },
          { bus, log: child('ais-tcp'), registry },
        ),
      )
    : undefined;

  const cameras = new CameraInventoryPart(config.cameras, {
    edgeId: config.edgeId,
    bus,
    log,
    registry,
    publishRetained: (topic, payload) => uplink.publishDirect(topic, payload, true),
  });

  const cameraCounts = () => {
    const counts = cameras.countByState();
    return {
      online: counts.online,
      offline: counts.pending + counts.unauthorized + counts.unreachable + counts.malformed,
    };
  };

  const health = (): EdgeHealth => {
    const stats = outbox.stats;
    const decoder = pipeline.decoder.stats;
    return {
      ts: Date.now(),
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      outbox: { messages: stats.messages, bytes: stats.bytes, dropped: stats.dropped },
      ais: {
        sentences: decoder.sentences,
        messages: decoder.messages,
        rejected: aisMetrics(registry).rejectedTotal(),
        duplicates: pipeline.duplicates,
      },
      cameras: cameraCounts(),
    };
  };

  const healthReport = (): HealthReport => ({
    status: uplink.connected ? 'ok' : 'degraded',
    edgeId: config.edgeId,
    uplink: uplink.stats,
    outbox: outbox.stats,
    cameras: cameras.countByState(),
    ais: { ...health().ais, listeners: { udp: udp?.port, tcp: tcp?.port } },
  });

  const http = new HttpServerPart(
    createHttpApp({ log: child('http'), registry, health: healthReport }),
    config.http.host,
    config.http.port,
  );
  const healthPublisher = new HealthPublisher({
    edgeId: config.edgeId,
    intervalS: config.health.intervalS,
    snapshot: health,
    publish: (topic, payload) => uplink.publishDirect(topic, payload),
    log: child('health'),
  });

  const context: EdgeContext = {
    config,
    bus,
    log,
    registry,
    outbox,
    publishDirect: (topic, payload, retain = false) => uplink.publishDirect(topic, payload, retain),
    subscribe: (filter, onMessage) => uplink.subscribe(filter, onMessage),
  };
  for (const part of featureParts(deps.features ?? [], context)) core.add(part);
  // After the features: the frame readers subscribe to `camera.sources` in their start().
  core.add(cameras);
  core.add(healthPublisher);
  core.add(http);

  return {
    config,
    bus,
    registry,
    log,
    outbox,
    uplink,
    pipeline,
    cameras,
    get ports() {
      return { udp: udp?.port, tcp: tcp?.port, http: http.port };
    },
    get httpAddress() {
      return http.address;
    },
    health,
    async start() {
      await core.start();
      log.info(
        {
          edgeId: config.edgeId,
          ports: this.ports,
          http: http.address,
          mqtt: config.mqtt.urls ?? config.mqtt.url,
        },
        'edge started',
      );
    },
    async stop() {
      await core.stop();
    },
  };
}
