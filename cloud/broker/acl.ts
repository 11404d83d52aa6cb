import {
  EDGE_CLIENT_ID_PREFIX,
  TOPIC_ROOT,
  edgeClientId,
  isCloudToEdgeTopic,
} from '../../protocols/mqtt/topics.js';
import type { MqttUser } from '../config.js';

/** Why the broker refused something; the `reason` label of `lookout_cloud_mqtt_denied_total`. */
export type MqttDeniedReason =
  /** CONNECT with an unknown user or a wrong password. */
  | 'bad_credentials'
  /** A `dashboard` user tried to publish (or connected with a last will). */
  | 'read_only'
  /** An edge user published outside `lookout/v1/edge/{one of its edgeIds}/...`. */
  | 'publish_topic'
  /** An edge user's last will is outside its own edge topics (refused at CONNECT). */
  | 'will_topic'
  /** A subscription filter outside what the user may read. */
  | 'subscribe_topic'
  /** A client id the login may not use: an edge's own `lookout-edge-{id}` only (refused at CONNECT). */
  | 'client_id'
  /**
   * A client published (or set a last will) where only the cloud publishes: under `lookout/v1/cloud/`, or a
   * camera's desired settings inside an edge's subtree.
   */
  | 'cloud_topic'
  /** CONNECT of a user or from an address locked out after too many failed logins. */
  | 'locked_out'
  /** A packet larger than `mqtt.limits.maxPacketBytes` (the connection is closed before it is read). */
  | 'packet_too_large'
  /** A retained PUBLISH beyond the client's or the broker's retained-message limits. */
  | 'retained_limit';

export type AclDecision = { allowed: true } | { allowed: false; reason: MqttDeniedReason; message: string };

export interface MqttPrincipal {
  username: string;
  role: 'edge' | 'dashboard';
  /** Edge users: the edge ids whose topics it may publish on. Empty for dashboard users. */
  edgeIds: ReadonlySet<string>;
}

const ALLOWED: AclDecision = { allowed: true };
const EDGE_PREFIX = `${TOPIC_ROOT}/edge/`;
const EDGE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const CLOUD_ROOT = `${TOPIC_ROOT}/cloud`;

/**
 * Topics only the cloud publishes on, whatever the authentication mode: alarms for the dashboards, and the desired
 * settings it sends to an edge's cameras (an edge, or anyone else, must not change what the cloud asks of it).
 */
export function isCloudTopic(topic: string): boolean {
  return topic === CLOUD_ROOT || topic.startsWith(`${CLOUD_ROOT}/`) || isCloudToEdgeTopic(topic);
}

/**
 * Who may publish and subscribe what on the broker, from `cloud.mqtt.users`.
 *
 * - Nobody but the cloud itself publishes under `lookout/v1/cloud/` or on a camera's `settings/desired` (its own
 *   publishes do not pass the ACL).
 * - No users configured: anonymous broker, everything else allowed (demo, single machine).
 * - `edge` users: publish only on `lookout/v1/edge/{id}/...` for their `edgeIds` (default: the username), the
 *   same for their last will; subscribe only to filters inside those subtrees (an edge subscribes to its cameras' desired settings).
 * - `dashboard` users: never publish; subscribe to filters under `lookout/v1/` only.
 * - A client without a known user (cannot happen once authenticated) is refused everything: fail closed.
 */
export class MqttAcl {
  readonly #principals = new Map<string, MqttPrincipal>();

  /** Throws with the config path of the first inconsistent user (duplicate name, edgeIds on a dashboard user). */
  constructor(users: readonly MqttUser[]) {
    users.forEach((user, index) => {
      const where = `/cloud/mqtt/users/${index}`;
      if (this.#principals.has(user.username))
        throw new Error(`${where}/username: "${user.username}" is listed twice`);
      const role = user.role ?? 'edge';
      if (role === 'dashboard' && user.edgeIds)
        throw new Error(
          `${where}/edgeIds: only edge users act as edges; remove it from dashboard user "${user.username}"`,
        );
      const edgeIds = role === 'edge' ? (user.edgeIds ?? [user.username]) : [];
      const invalid = edgeIds.find((id) => !EDGE_ID.test(id));
      if (invalid !== undefined) {
        throw new Error(
          `${where}: edge user "${user.username}" acts as edge id "${invalid}", which is not a valid edge id (letters, digits, _ . -); set edgeIds`,
        );
      }
      this.#principals.set(user.username, { username: user.username, role, edgeIds: new Set(edgeIds) });
    });
  }

  /** True when no users are configured: the broker accepts anyone and allows everything. */
  get anonymous(): boolean {
    return this.#principals.size === 0;
  }

  principal(username: string | undefined): MqttPrincipal | undefined {
    return username === undefined ? undefined : this.#principals.get(username);
  }

  /** May this login publish on `topic`? `will`: the topic of its last will, checked at CONNECT. */
  publish(username: string | undefined, topic: string, { will = false } = {}): AclDecision {
    if (isCloudTopic(topic))
      return denied(
        'cloud_topic',
        `only the cloud publishes under ${CLOUD_ROOT}/ and a camera's settings/desired, not a client (${topic})`,
      );
    if (this.anonymous) return ALLOWED;
    const principal = this.principal(username);
    if (!principal) return denied('publish_topic', `unknown user may not publish on ${topic}`);
    if (principal.role === 'dashboard')
      return denied(
        'read_only',
        `read-only (dashboard) user "${principal.username}" may not publish${will ? ' a last will' : ''}`,
      );
    if (ownEdgeTopic(principal, topic)) return ALLOWED;
    return denied(
      will ? 'will_topic' : 'publish_topic',
      `edge user "${principal.username}" may publish only on ${describeEdgeTopics(principal)}, not on ${topic}`,
    );
  }

  /**
   * May this login connect with `clientId`? An edge login only as one of its edges (`lookout-edge-{id}`), a
   * dashboard login never as an edge: otherwise a login could take over another client's session (MQTT session
   * takeover closes the older connection with the same client id).
   */
  clientId(username: string | undefined, clientId: string): AclDecision {
    if (this.anonymous) return ALLOWED;
    const principal = this.principal(username);
    if (!principal) return denied('client_id', `unknown user may not connect as ${clientId}`);
    if (principal.role === 'dashboard') {
      if (!clientId.startsWith(EDGE_CLIENT_ID_PREFIX)) return ALLOWED;
      return denied(
        'client_id',
        `dashboard user "${principal.username}" may not connect with an edge's client id (${clientId})`,
      );
    }
    if ([...principal.edgeIds].some((id) => edgeClientId(id) === clientId)) return ALLOWED;
    const allowed = [...principal.edgeIds].map(edgeClientId).join(', ');
    return denied(
      'client_id',
      `edge user "${principal.username}" may connect only as ${allowed}, not as "${clientId}"`,
    );
  }

  /** May this login subscribe to `filter`? */
  subscribe(username: string | undefined, filter: string): AclDecision {
    if (this.anonymous) return ALLOWED;
    const principal = this.principal(username);
    if (!principal) return denied('subscribe_topic', `unknown user may not subscribe to ${filter}`);
    if (principal.role === 'dashboard') {
      if (filter.startsWith(`${TOPIC_ROOT}/`)) return ALLOWED;
      return denied(
        'subscribe_topic',
        `dashboard user "${principal.username}" may subscribe only under ${TOPIC_ROOT}/, not to ${filter}`,
      );
    }
    if (ownEdgeTopic(principal, filter)) return ALLOWED;
    return denied(
      'subscribe_topic',
      `edge user "${principal.username}" may subscribe only inside ${describeEdgeTopics(principal)}, not to ${filter}`,
    );
  }
}

/**
 * `lookout/v1/edge/{id}/<at least one more level>` with `id` one of the principal's edge ids. The id level must be
 * literal, so `+`/`#` there (another edge's data) never match; wildcards below it stay inside its own subtree.
 */
function ownEdgeTopic(principal: MqttPrincipal, topic: string): boolean {
  if (!topic.startsWith(EDGE_PREFIX)) return false;
  const rest = topic.slice(EDGE_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return false;
  return principal.edgeIds.has(rest.slice(0, slash));
}

function describeEdgeTopics(principal: MqttPrincipal): string {
  return [...principal.edgeIds].map((id) => `${EDGE_PREFIX}${id}/...`).join(', ');
}

function denied(reason: MqttDeniedReason, message: string): AclDecision {
  return { allowed: false, reason, message };
}
