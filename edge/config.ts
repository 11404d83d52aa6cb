import { Type, type Static } from '@sinclair/typebox';
import { DEFAULT_MAX_FUTURE_SKEW_S } from '../protocols/record-time.js';
import { TlsClientConfig } from '../runtime/tls.js';
import { loadConfigSection, validateConfigSection } from '../runtime/config.js';
import { CamerasConfigSchema } from './cameras/config.js';
import { FireConfigSchema } from './fire/config.js';

/** 10110 is the customary NMEA-over-IP port; UDP and TCP may share the number. */
const Listener = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 10110, description: '0 picks a free port' }),
  },
  { additionalProperties: false, default: {} },
);

export const EdgeConfigSchema = Type.Object(
  {
    /** Becomes a topic segment: letters, digits, `_ . -`, at most 64 characters. */
    edgeId: Type.String({ default: 'edge-1', pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    mqtt: Type.Object(
      {
        /** `mqtt://` plain text, `mqtts://` TLS (the cloud with `cloud.tls`). */
        url: Type.String({ pattern: '^(mqtts?|wss?)://', default: 'mqtt://127.0.0.1:1883' }),
        /**
         * Several cloud instances (a cluster, cloud/README.md "Cluster"): the uplink connects to the first and moves to
         * the next when one fails or is lost. When given, `url` is not used.
         */
        urls: Type.Optional(Type.Array(Type.String({ pattern: '^(mqtts?|wss?)://' }), { minItems: 1 })),
        /** For `mqtts://`: a private CA to trust (the cloud's certificate issuer) and the name to check. */
        tls: Type.Optional(TlsClientConfig),
        username: Type.Optional(Type.String()),
        password: Type.Optional(Type.String()),
        keepaliveS: Type.Integer({ minimum: 1, default: 30 }),
        connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
        reconnect: Type.Object(
          {
            minMs: Type.Integer({ minimum: 10, default: 500 }),
            maxMs: Type.Integer({ minimum: 10, default: 30_000 }),
          },
          { additionalProperties: false, default: {} },
        ),
        /** Outbox records published but not yet acknowledged (PUBACK) at any time. */
        maxInFlight: Type.Integer({ minimum: 1, maximum: 1000, default: 32 }),
      },
      { additionalProperties: false, default: {} },
    ),
    ais: Type.Object(
      {
        udp: Type.Object(
          {
            ...Listener.properties,
            /** SO_RCVBUF: bursts beyond it are dropped by the kernel (capped by net.core.rmem_max). */
            receiveBufferBytes: Type.Integer({ minimum: 65_536, default: 4 * 1024 * 1024 }),
          },
          { additionalProperties: false, default: {} },
        ),
        tcp: Listener,
        /** Longer lines are discarded and counted (`line_too_long`); NMEA allows 82, tag blocks add more. */
        maxLineBytes: Type.Integer({ minimum: 82, maximum: 65_536, default: 1024 }),
        /** Parts of a multi-sentence message older than this are dropped. */
        maxPartialAgeMs: Type.Integer({ minimum: 100, default: 10_000 }),
        /**
         * A message whose tag-block time is more than this far ahead of the edge's receive time is refused and
         * counted (`lookout_edge_ais_rejected_total{stage="pipeline",reason="future_time"}`): a receiver clock in
         * 2100 would make it its vessel's newest position for good. 300 s tolerates clock drift (see
         * protocols/record-time.ts). The cloud applies the same rule (`cloud.ingest.maxFutureSkewS`).
         */
        maxFutureSkewS: Type.Integer({ minimum: 0, default: DEFAULT_MAX_FUTURE_SKEW_S }),
      },
      { additionalProperties: false, default: {} },
    ),
    outbox: Type.Object(
      {
        dir: Type.String({ default: '.lookout/edge-outbox' }),
        maxBytes: Type.Integer({ minimum: 4096, default: 256 * 1024 * 1024 }),
        /** Alerts are never dropped nor refused, whichever policy is chosen. */
        whenFull: Type.Union([Type.Literal('drop-oldest-telemetry'), Type.Literal('refuse-new-telemetry')], {
          default: 'drop-oldest-telemetry',
        }),
        /** fdatasync after every append: survives power loss, costs a disk flush per record. */
        fsync: Type.Boolean({ default: false }),
      },
      { additionalProperties: false, default: {} },
    ),
    batching: Type.Object(
      {
        maxPositions: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
        maxDelayMs: Type.Integer({ minimum: 1, default: 1000 }),
        /**
         * Each received position and static report is also appended (no fsync) to `<outbox.dir>/received.log`
         * until its batch is in the outbox, so a crash of the edge process loses none of the last `maxDelayMs`;
         * about 3 µs per position (edge/README.md, Durability). false: that window is lost on a crash.
         */
        durableOnReceipt: Type.Boolean({ default: true }),
      },
      { additionalProperties: false, default: {} },
    ),
    dedupe: Type.Object(
      {
        /** A whole message heard again (two receivers hearing the same burst) within this window is dropped; 0 = off. */
        windowMs: Type.Integer({ minimum: 0, default: 2000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    downsample: Type.Object(
      {
        /** At most one position per vessel per this many seconds; 0 = off. */
        minIntervalS: Type.Number({ minimum: 0, default: 0 }),
      },
      { additionalProperties: false, default: {} },
    ),
    health: Type.Object(
      {
        intervalS: Type.Number({ minimum: 0.05, default: 30 }),
      },
      { additionalProperties: false, default: {} },
    ),
    http: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8081 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Fire and smoke detection on camera streams (edge/fire/, issue 4). */
    fire: FireConfigSchema,
    /** Cameras: ONVIF discovery/provisioning or plain URLs (edge/cameras/, issue 5). */
    cameras: CamerasConfigSchema,
  },
  { additionalProperties: false },
);

export type EdgeConfig = Static<typeof EdgeConfigSchema>;

/** The edge section of a config file, defaults applied, errors naming the path (`/edge/mqtt/url: ...`). */
export function loadEdgeConfig(file: string): Promise<EdgeConfig> {
  return loadConfigSection(file, 'edge', EdgeConfigSchema);
}

/** Builds a config from a partial object (tests, demo): everything not given takes the schema default. */
export function edgeConfig(partial: DeepPartial<EdgeConfig> = {}): EdgeConfig {
  return validateConfigSection('(in code)', { edge: partial }, 'edge', EdgeConfigSchema);
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
