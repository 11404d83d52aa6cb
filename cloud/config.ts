import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_MAX_FUTURE_SKEW_S } from '../protocols/record-time.js';
import { ConfigError, loadConfigSection } from '../runtime/config.js';
import { TlsServerConfig } from '../runtime/tls.js';
import { FisheriesConfig } from './fisheries/config.js';
import { DashboardConfig } from './dashboard/config.js';
import { FireCloudConfig } from './fire/config.js';
import { NotifyConfig } from './notify/config.js';
import { OfflineAlarmsConfig } from './offline/config.js';
import { OfficeConfig } from './office/config.js';
import { RegistryConfig } from './registry/config.js';
import { ClusterConfig, clusterConfigProblems } from './cluster/config.js';
import { StorageConfig } from './storage/config.js';

const Port = (value: number, description: string) =>
  Type.Integer({ minimum: 0, maximum: 65535, default: value, description });
const Host = (description: string) => Type.String({ minLength: 1, default: '127.0.0.1', description });

export const MqttUser = Type.Object(
  {
    username: Type.String({ minLength: 1 }),
    password: Type.String({ minLength: 1 }),
    /**
     * `edge` (default): may publish and subscribe. `dashboard`: read-only, may only subscribe under `lookout/v1/`
     * and never publish; the web dashboard hands these credentials to the browsers it serves.
     */
    role: Type.Optional(Type.Union([Type.Literal('edge'), Type.Literal('dashboard')])),
    /**
     * Edge users only: the edge ids this login may act as. It may publish (and subscribe) only under
     * `lookout/v1/edge/{edgeId}/...` for these ids, its last will included. Default: `[username]`.
     */
    edgeIds: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), { minItems: 1 })),
  },
  { additionalProperties: false },
);
export type MqttUser = Static<typeof MqttUser>;

/** An HTTP API account (`cloud.http.operators`): `password` (plain) or `passwordHash` (`lookout cloud hash-password`). */
export const HttpOperator = Type.Object(
  {
    username: Type.String({
      minLength: 1,
      pattern: '^[^:]+$',
      description: 'no colon (HTTP Basic separates user and password by it)',
    }),
    password: Type.Optional(Type.String({ minLength: 1 })),
    /** `$scrypt$ln=14,r=8,p=1$<salt base64>$<key base64>`, as printed by `lookout cloud hash-password`. */
    passwordHash: Type.Optional(Type.String({ pattern: '^\\$scrypt\\$' })),
    /** `viewer`: GET only. `operator`: also POST (acknowledge / clear alarms). */
    role: Type.Union([Type.Literal('viewer'), Type.Literal('operator')], { default: 'viewer' }),
  },
  { additionalProperties: false },
);
export type HttpOperator = Static<typeof HttpOperator>;

/**
 * Failed logins per listener (Grafana's brute-force protection: 5 failures of a user within 5 minutes lock that
 * user out, the right password included, until the window has passed). Counted per user and per client address.
 */
export const LoginLimits = Type.Object(
  {
    /** Failures of one username within `windowS` that lock it out; 0 = never. */
    maxFailuresPerUser: Type.Integer({ minimum: 0, default: 5 }),
    /**
     * Failures from one client address within `windowS` that lock the address out; 0 = never. Higher than per
     * user: edges behind one NAT share an address, and one misconfigured edge must not lock out the others.
     */
    maxFailuresPerAddress: Type.Integer({ minimum: 0, default: 30 }),
    windowS: Type.Integer({ minimum: 1, default: 300 }),
    /** How long a lockout lasts; meanwhile every login of that user or address is refused without a check. */
    lockoutS: Type.Integer({ minimum: 1, default: 300 }),
    /** A failed login is answered this much later (slows guessing on one connection). */
    failureDelayMs: Type.Integer({ minimum: 0, default: 1000 }),
  },
  { additionalProperties: false, default: {} },
);
export type LoginLimits = Static<typeof LoginLimits>;

/** What one MQTT client may make the broker hold and do (cloud/README.md, Security: broker limits). */
export const MqttLimits = Type.Object(
  {
    /** Largest MQTT packet accepted (EMQX `max_packet_size`, 1 MB); a larger one closes the connection unread. */
    maxPacketBytes: Type.Integer({ minimum: 1024, maximum: 268_435_455, default: 1024 * 1024 }),
    /** Retained messages one client (its username, or its client id when anonymous) may keep in the broker. */
    retainedPerClient: Type.Integer({ minimum: 0, default: 1000 }),
    retainedBytesPerClient: Type.Integer({ minimum: 0, default: 8 * 1024 * 1024 }),
    /** Retained messages in all (old EMQX retainer `max_message_num` 100,000) and their payload bytes. */
    retainedTotal: Type.Integer({ minimum: 0, default: 100_000 }),
    retainedBytesTotal: Type.Integer({ minimum: 0, default: 256 * 1024 * 1024 }),
    /** PUBLISHes per second per client (token bucket); beyond it the broker reads that client's packets later. */
    publishesPerSecond: Type.Number({ exclusiveMinimum: 0, default: 200 }),
    publishBurst: Type.Integer({ minimum: 1, default: 400 }),
    logins: LoginLimits,
  },
  { additionalProperties: false, default: {} },
);
export type MqttLimits = Static<typeof MqttLimits>;

/** Timeouts and admission of unauthenticated work on the HTTP API (cloud/README.md, Security). */
export const HttpLimits = Type.Object(
  {
    /** Time to receive a request's headers (Node `headersTimeout`; Node's default is 60 s). */
    headersTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
    /** Time to receive a whole request, body included (Node `requestTimeout`; fastify's default 0 = none). */
    requestTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
    /** An idle keep-alive connection is closed after this (Node's default, 5 s). */
    keepAliveTimeoutMs: Type.Integer({ minimum: 100, default: 5_000 }),
    /** A connection with no traffic at all for this long is closed (fastify `connectionTimeout`). */
    idleTimeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
    /**
     * scrypt checks of passwords at once. They run on libuv's thread pool (4 threads), which the journal's writes
     * and fdatasync share: the rest of the pool stays free for the durability path.
     */
    passwordChecks: Type.Integer({ minimum: 1, maximum: 3, default: 1 }),
    /** Password checks that may wait for one; beyond it a login is answered 503 with Retry-After at once. */
    passwordCheckQueue: Type.Integer({ minimum: 0, default: 8 }),
    logins: LoginLimits,
  },
  { additionalProperties: false, default: {} },
);
export type HttpLimits = Static<typeof HttpLimits>;

export const CloudConfig = Type.Object(
  {
    mqtt: Type.Object(
      {
        host: Host('address the MQTT listeners bind to'),
        port: Port(1883, 'MQTT over TCP (edges); 0 = a free port'),
        wsPort: Port(8883, 'MQTT over WebSocket (browsers); 0 = a free port'),
        /** Edge and dashboard credentials. Empty = anonymous clients are accepted (and may publish anywhere). */
        users: Type.Array(MqttUser, { default: [] }),
        limits: MqttLimits,
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        host: Host('address the HTTP API binds to'),
        port: Port(8080, 'HTTP API, /health, /metrics; 0 = a free port'),
        /**
         * API accounts (HTTP Basic). Empty = `/api/v1/*` and the dashboard are open to anyone who reaches the port.
         * `/health` and `/metrics` stay open either way.
         */
        operators: Type.Array(HttpOperator, { default: [] }),
        limits: HttpLimits,
      },
      { additionalProperties: false, default: {} },
    ),
    influx: Type.Object(
      {
        host: Host('InfluxDB 1.x host'),
        port: Port(8086, 'InfluxDB HTTP port'),
        database: Type.String({ minLength: 1, default: 'lookout' }),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        /**
         * How long InfluxDB keeps data (influxdb/retention.ts; days, 0 = forever), set when the writer creates the
         * database (needs an admin login). `rawDays`: everything at full rate, in the database's default policy,
         * alarms and fire alerts included. `longDays`: the `long` policy, a vessel's track at one point per 10 min
         * and its static data once a day (continuous queries). Sizes per vessel and year: cloud/README.md, Disks.
         */
        retention: Type.Object(
          {
            rawDays: Type.Integer({ minimum: 0, default: 365 }),
            longDays: Type.Integer({ minimum: 0, default: 0 }),
          },
          { additionalProperties: false, default: {} },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    ingest: Type.Object(
      {
        /** A write to InfluxDB is sent as soon as this many points wait... */
        batchSize: Type.Integer({ minimum: 1, maximum: 50_000, default: 5000 }),
        /** ...or when the oldest waiting point is this old. */
        flushIntervalMs: Type.Integer({ minimum: 1, default: 200 }),
        /**
         * A position or static report whose time is more than this far ahead of the broker's receive time is
         * dropped and counted (`lookout_cloud_invalid_records_total{reason="future_time"}`); the rest of its
         * message is stored. 300 s tolerates an edge clock without NTP and bounds how long a wrong time can hide
         * a vessel's real positions (see protocols/record-time.ts). Times beyond InfluxDB (2262) always are.
         */
        maxFutureSkewS: Type.Integer({ minimum: 0, default: DEFAULT_MAX_FUTURE_SKEW_S }),
        /** Append invalid payloads (topic, reason, payload) to `<dataDir>/dead-letter.ndjson`. */
        deadLetter: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    buffer: Type.Object(
      {
        /** Points held in memory waiting for InfluxDB; beyond it they wait in the on-disk journal only. */
        memoryPoints: Type.Integer({ minimum: 1, default: 50_000 }),
        /** Journal folder (accepted telemetry, the disk buffer). Default `<dataDir>/journal`. */
        dir: Type.Optional(Type.String({ minLength: 1 })),
        /** When the journal reaches this size the broker stops acknowledging telemetry (backpressure). */
        diskMaxBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 * 1024 }),
        /**
         * Alerts (fire) have a journal of their own under `<dataDir>/journal-alerts`, read on its own: a telemetry
         * backlog never holds an alert back, and a full telemetry journal does not refuse alerts. Its bound:
         */
        alertsDiskMaxBytes: Type.Integer({ minimum: 1024, default: 256 * 1024 * 1024 }),
        /** Journal segment file size. */
        segmentBytes: Type.Integer({ minimum: 1024, default: 16 * 1024 * 1024 }),
        /**
         * `always`: fdatasync before the PUBACK (group commit; survives power loss).
         * `never`: written to the OS before the PUBACK (survives a cloud crash, not a power loss).
         */
        fsync: Type.Union([Type.Literal('always'), Type.Literal('never')], { default: 'always' }),
        /** How long a telemetry PUBLISH may wait for room in a full journal before the edge is disconnected. */
        fullWaitMs: Type.Integer({ minimum: 0, default: 5000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Fisheries control room: zones, vessel registry, rule parameters (cloud/fisheries/config.ts). */
    fisheries: FisheriesConfig,
    /** Vessel registry database (PGlite by default, or a PostgreSQL server) and the VMS rules (cloud/registry/). */
    registry: RegistryConfig,
    /** The fisheries office: statistics, daily snapshots, scheduled reports (cloud/office/). */
    office: OfficeConfig,
    /** Alarm notifications to webhooks: rangers' and officers' chat, SMS gateways (cloud/notify/config.ts). */
    notify: NotifyConfig,
    /** Camera and edge offline alarms, maintenance windows (cloud/offline/config.ts). */
    offlineAlarms: OfflineAlarmsConfig,
    /** The web dashboard's map: an optional raster tile source (cloud/dashboard/config.ts). */
    dashboard: DashboardConfig,
    /** Disk: fire snapshot budget and age, free-space warning and shedding (cloud/storage/). */
    storage: StorageConfig,
    /** Fire location from the cameras' cones, and the places layer it is described by (cloud/fire/config.ts). */
    fire: FireCloudConfig,
    /** Cloud state (journal, checkpoint, dead letters). Relative paths resolve against the working directory. */
    dataDir: Type.String({ minLength: 1, default: '.lookout/cloud' }),
    /**
     * TLS for every listener: MQTT over TCP becomes `mqtts://`, the WebSocket `wss://`, the HTTP API `https://`.
     * Absent: plain text (fine on loopback or a private network; see cloud/README.md, Security).
     */
    tls: Type.Optional(TlsServerConfig),
    /** Several cloud instances sharing one Redis server (cloud/cluster/config.ts). Absent: one process. */
    cluster: Type.Optional(ClusterConfig),
  },
  { additionalProperties: false, default: {} },
);
export type CloudConfig = Static<typeof CloudConfig>;

/**
 * The `cloud:` section of a config file, defaults applied; an error names the file and the path, also for what
 * the schema cannot say alone (cluster mode needs a PostgreSQL server for the registry).
 */
export async function loadCloudConfig(file: string): Promise<CloudConfig> {
  const config = await loadConfigSection(file, 'cloud', CloudConfig);
  const problems = clusterConfigProblems(config);
  if (problems.length > 0) throw new ConfigError(file, problems);
  return config;
}
