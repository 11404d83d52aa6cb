import { Type, type Static } from '@sinclair/typebox';
import { isValidId } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { ConfigError, readConfigDocument, validateConfigSection } from '../../runtime/config.js';

/**
 * How the simulated edges log in. They must match what the cloud declares in `cloud.mqtt.users`
 * (`{ username, password, role?, edgeIds? }`: an edge login may act as each id of its `edgeIds`, default its username).
 */
export const EdgeCredentialsConfig = Type.Object(
  {
    /**
     * `none`: anonymous (a cloud without `cloud.mqtt.users`). `template`: `username`/`password` below, where
     * `{edgeId}` and `{index}` (1-based) are replaced per edge. `cloud`: the edge ids and logins of `cloud.mqtt.users`
     * in the same config file, one simulated edge per edge id (edge users only, in file order).
     */
    source: Type.Union([Type.Literal('none'), Type.Literal('template'), Type.Literal('cloud')], {
      default: 'none',
    }),
    username: Type.String({ minLength: 1, default: '{edgeId}' }),
    password: Type.String({ minLength: 1, default: 'demo-only-{edgeId}' }),
  },
  { additionalProperties: false, default: {} },
);

export const EdgeFleetConfig = Type.Object(
  {
    /** The cloud's MQTT listener (`mqtt://` or `tcp://`). */
    url: Type.String({ minLength: 1, default: 'mqtt://127.0.0.1:1883' }),
    /**
     * Several cloud instances (a cluster): edge i starts on `urls[i % n]` and, when its connection fails or drops,
     * moves on to the next one in list order (as the edge's `edge.mqtt.urls`). When given, `url` is not used.
     */
    urls: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    count: Type.Integer({ minimum: 1, maximum: 20_000, default: 10 }),
    /** Edge ids are this prefix and a zero-padded number (`sim-edge-001`...), unless credentials come from the cloud. */
    idPrefix: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,48}$', default: 'sim-edge-' }),
    seed: Type.Integer({ default: 1 }),
    /** Stop after this many seconds; 0 = until Ctrl-C (or until `positionsPerEdge` are delivered). */
    durationS: Type.Number({ minimum: 0, default: 0 }),
    /** Each edge reports exactly this many positions of its own vessels, then the run ends once all are delivered; 0 = no limit. */
    positionsPerEdge: Type.Integer({ minimum: 0, default: 0 }),
    /** Connections spread evenly over this many seconds (edge i starts at i/count of it). */
    rampUpS: Type.Number({ minimum: 0, default: 5 }),
    vesselsPerEdge: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
    /** Overlapping receivers: every vessel report is heard by this many edges (its own and the next ones). */
    receiversPerVessel: Type.Integer({ minimum: 1, maximum: 16, default: 1 }),
    /** Position reports per second from each edge's own vessels. */
    positionsPerSecond: Type.Number({ minimum: 0, default: 2 }),
    /** A position batch goes when its oldest position waited this long, or when it holds `maxBatchPositions`. */
    batchIntervalMs: Type.Integer({ minimum: 1, default: 1000 }),
    maxBatchPositions: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
    /** EdgeHealth every this many seconds while connected; 0 = never. */
    healthIntervalS: Type.Number({ minimum: 0, default: 30 }),
    /** Fire alerts (a `new` with a small snapshot, then an `end`) per edge per hour; 0 = none. */
    fireAlertsPerHour: Type.Number({ minimum: 0, default: 0 }),
    churn: Type.Object(
      {
        /** Connection drops per edge per hour of connected time (socket cut, no DISCONNECT: the last will fires); 0 = none. */
        dropsPerHour: Type.Number({ minimum: 0, default: 0 }),
        /** A dropped edge stays down a random time between these, then reconnects. */
        downMinS: Type.Number({ minimum: 0, default: 1 }),
        downMaxS: Type.Number({ minimum: 0, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Messages each edge holds in memory while disconnected; beyond it the oldest position batch is dropped (alerts never). */
    queueMaxMessages: Type.Integer({ minimum: 1, default: 1000 }),
    /** QoS 1 messages published and not yet acknowledged, per edge. */
    maxInFlight: Type.Integer({ minimum: 1, maximum: 1000, default: 16 }),
    keepaliveS: Type.Integer({ minimum: 0, default: 30 }),
    /** Progress line on stderr every this many seconds; 0 = none. */
    progressIntervalS: Type.Number({ minimum: 0, default: 5 }),
    /** The cloud's Prometheus /metrics (e.g. http://127.0.0.1:8080/metrics): the summary then says what the cloud refused during the run; '' = off. */
    cloudMetricsUrl: Type.String({ pattern: '^(https?://.+)?$', default: '' }),
    credentials: EdgeCredentialsConfig,
  },
  { additionalProperties: false, default: {} },
);
export type EdgeFleetConfig = Static<typeof EdgeFleetConfig>;

export const SimulatorsEdgesSection = Type.Object(
  { edges: EdgeFleetConfig },
  { additionalProperties: true, default: {} },
);

/** Who one simulated edge is and how it logs in (no username: anonymous). */
export interface EdgeIdentity {
  edgeId: string;
  username?: string;
  password?: string;
}

/** The part of `cloud.mqtt.users` the simulator reads (the cloud validates the rest itself). */
const CloudMqttUsers = Type.Array(
  Type.Object(
    {
      username: Type.String({ minLength: 1 }),
      password: Type.String({ minLength: 1 }),
      role: Type.Optional(Type.Union([Type.Literal('edge'), Type.Literal('dashboard')])),
      edgeIds: Type.Optional(Type.Array(Type.String())),
    },
    { additionalProperties: true },
  ),
  { default: [] },
);

/** `simulators.edges` of a config document (defaults when absent); errors name the path, e.g. `/simulators/edges/count`. */
export function edgeFleetConfig(file: string, document: unknown): EdgeFleetConfig {
  const config = validateConfigSection(file, document, 'simulators', SimulatorsEdgesSection).edges;
  checkBrokerUrls(config, file);
  return config;
}

/** Checks a config changed after loading (command-line flags over the file) against the same schema. */
export function checkEdgeFleetConfig(config: EdgeFleetConfig, where: string): EdgeFleetConfig {
  const result = compileSchema(EdgeFleetConfig).parseValue(config, '/simulators/edges');
  if (!result.ok) throw new ConfigError(where, result.errors);
  checkBrokerUrls(result.value, where);
  return result.value;
}

/** The brokers the edges use, in order: `urls` when given, else `url` alone. */
export function brokerUrls(config: Pick<EdgeFleetConfig, 'url' | 'urls'>): string[] {
  return config.urls && config.urls.length > 0 ? [...config.urls] : [config.url];
}

/** Each broker URL an MQTT one with a host, none twice; a problem quotes the entry and names its path. */
function checkBrokerUrls(config: EdgeFleetConfig, where: string): void {
  const entries = config.urls
    ? config.urls.map((url, index) => ({ url, path: `/simulators/edges/urls/${index}` }))
    : [{ url: config.url, path: '/simulators/edges/url' }];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { url, path } of entries) {
    const problem = brokerUrlProblem(url);
    if (problem) problems.push(`${path}: "${url}" ${problem}`);
    else if (seen.has(url)) problems.push(`${path}: "${url}" is listed twice`);
    seen.add(url);
  }
  if (problems.length > 0) throw new ConfigError(where, problems);
}

/** What is wrong with one broker URL (`is not an MQTT broker URL (...)`), or undefined when it is fine. */
export function brokerUrlProblem(url: string): string | undefined {
  const expected = 'expected mqtt://host:port or tcp://host:port';
  if (!/^(mqtt|tcp):\/\//.test(url)) return `is not an MQTT broker URL (${expected})`;
  try {
    if (new URL(url).hostname === '') return `has no host (${expected})`;
  } catch {
    return `is not a valid URL (${expected})`;
  }
  return undefined;
}

export async function loadEdgeFleetDocument(
  file: string | undefined,
): Promise<{ file: string; document: unknown }> {
  return file ? { file, document: await readConfigDocument(file) } : { file: '(defaults)', document: {} };
}

export function edgeIdOf(prefix: string, index: number, count: number): string {
  return `${prefix}${String(index + 1).padStart(Math.max(3, String(count).length), '0')}`;
}

const fill = (template: string, edgeId: string, index: number) =>
  template.replaceAll('{edgeId}', edgeId).replaceAll('{index}', String(index + 1));

/**
 * The `count` edges to simulate. With `credentials.source: cloud` they come from `cloud.mqtt.users` of the same
 * document (each edge id of each edge login), so the simulator logs in exactly as the cloud expects.
 */
export function edgeIdentities(
  config: EdgeFleetConfig,
  document: unknown,
  file = '(defaults)',
): EdgeIdentity[] {
  const { count, idPrefix, credentials } = config;
  if (credentials.source !== 'cloud') {
    return Array.from({ length: count }, (_, index) => {
      const edgeId = edgeIdOf(idPrefix, index, count);
      if (!isValidId(edgeId))
        throw new ConfigError(file, [
          `/simulators/edges/idPrefix: "${edgeId}" is not a valid edge id (letters, digits, _ . -, max 64)`,
        ]);
      if (credentials.source === 'none') return { edgeId };
      return {
        edgeId,
        username: fill(credentials.username, edgeId, index),
        password: fill(credentials.password, edgeId, index),
      };
    });
  }
  const cloud = (document as { cloud?: { mqtt?: { users?: unknown } | null } | null } | null)?.cloud;
  const users = compileSchema(CloudMqttUsers).parseValue(cloud?.mqtt?.users ?? [], '/cloud/mqtt/users');
  if (!users.ok) throw new ConfigError(file, users.errors);
  const identities: EdgeIdentity[] = [];
  for (const user of users.value) {
    if (user.role === 'dashboard') continue;
    for (const edgeId of user.edgeIds ?? [user.username])
      identities.push({ edgeId, username: user.username, password: user.password });
  }
  if (identities.length < count) {
    throw new ConfigError(file, [
      `/simulators/edges/count: ${count} edges asked for, but /cloud/mqtt/users gives only ${identities.length} edge ids (credentials.source: cloud)`,
    ]);
  }
  return identities.slice(0, count);
}

/**
 * The `cloud.mqtt.users` entries that accept these identities: one login per username, acting as all the edge
 * ids that use it (a shared load login becomes one user with many `edgeIds`). Empty for anonymous edges.
 */
export function cloudUsersFor(
  identities: readonly EdgeIdentity[],
): Array<{ username: string; password: string; edgeIds: string[] }> {
  const byUser = new Map<string, { username: string; password: string; edgeIds: string[] }>();
  for (const { edgeId, username, password } of identities) {
    if (username === undefined || password === undefined) continue;
    const user = byUser.get(username);
    if (!user) byUser.set(username, { username, password, edgeIds: [edgeId] });
    else if (user.password !== password)
      throw new Error(
        `login "${username}" is given two passwords (edges ${user.edgeIds[0]} and ${edgeId}); use {edgeId} in both templates or in neither`,
      );
    else user.edgeIds.push(edgeId);
  }
  return [...byUser.values()];
}
