import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_MAX_FUTURE_SKEW_S } from '../protocols/record-time.js';
import { TlsServerConfig } from '../runtime/tls.js';
import { FisheriesConfig } from './fisheries/config.js';
import { NotifyConfig } from './notify/config.js';
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

export const CloudConfig = Type.Object(
  {
    mqtt: Type.Object(
      {
        host: Host('address the MQTT listeners bind to'),
        port: Port(1883, 'MQTT over TCP (edges); 0 = a free port'),
        wsPort: Port(8883, 'MQTT over WebSocket (browsers); 0 = a free port'),
        /** Edge and dashboard credentials. Empty = anonymous clients are accepted (and may publish anywhere). */
        users: Type.Array(MqttUser, { default: [] }),
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
    /** Alarm notifications to webhooks: rangers' and officers' chat, SMS gateways (cloud/notify/config.ts). */
    notify: NotifyConfig,
    /** Disk: fire snapshot budget and age, free-space warning and shedding (cloud/storage/). */
    storage: StorageConfig,
    /** Cloud state (journal, checkpoint, dead letters). Relative paths resolve against the working directory. */
    dataDir: Type.String({ minLength: 1, default: '.lookout/cloud' }),
    /**
     * TLS for every listener: MQTT over TCP becomes `mqtts://`, the WebSocket `wss://`, the HTTP API `https://`.
     * Absent: plain text (fine on loopback or a private network; see cloud/README.md, Security).
     */
    tls: Type.Optional(TlsServerConfig),
  },
  { additionalProperties: false, default: {} },
);
export type CloudConfig = Static<typeof CloudConfig>;
