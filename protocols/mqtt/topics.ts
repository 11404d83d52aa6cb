/**
 * The MQTT topic tree, version 1. Everything Lookout publishes lives under `lookout/v1/`.
 * protocols/README.md documents each topic (QoS, retained, payload, publisher, subscribers).
 */
export const TOPIC_ROOT = 'lookout/v1';

const SEGMENT = /^[A-Za-z0-9_.-]{1,64}$/;

/** Ids become topic segments: no `/`, `+`, `#` or spaces, at most 64 characters. */
export function isValidId(id: string): boolean {
  return SEGMENT.test(id);
}

/** Every edge connects with this MQTT client id; the cloud binds edge logins to it (cloud/broker/acl.ts). */
export const EDGE_CLIENT_ID_PREFIX = 'lookout-edge-';

export function edgeClientId(edgeId: string): string {
  return `${EDGE_CLIENT_ID_PREFIX}${edgeId}`;
}

function edge(edgeId: string): string {
  if (!isValidId(edgeId)) throw new Error(`invalid edge id "${edgeId}": use letters, digits, _ . - (max 64)`);
  return `${TOPIC_ROOT}/edge/${edgeId}`;
}

export const topics = {
  /** Retained. `online` on connect (birth), `offline` by clean stop or by the broker (last will). */
  edgeStatus: (edgeId: string) => `${edge(edgeId)}/status`,
  /** The edge's own health, every `healthIntervalS`. */
  edgeHealth: (edgeId: string) => `${edge(edgeId)}/health`,
  /** A batch of decoded AIS position reports. */
  vesselPositions: (edgeId: string) => `${edge(edgeId)}/vessels/positions`,
  /** A batch of AIS static and voyage data (type 5, 24). */
  vesselStatics: (edgeId: string) => `${edge(edgeId)}/vessels/static`,
  /** Retained camera inventory (ONVIF discovery and provisioning). */
  cameraInventory: (edgeId: string) => `${edge(edgeId)}/cameras/inventory`,
  /** Retained per-camera status (online/offline, last frame, restarts). */
  cameraStatus: (edgeId: string, cameraId: string) => `${edge(edgeId)}/cameras/${cameraId}/status`,
  /**
   * Retained, published ONLY by the cloud: a camera's desired settings (mute, sensitivity, ignore masks) with
   * their version. The edge subscribes to its own (`filters.desiredCameraSettings`).
   */
  cameraSettingsDesired: (edgeId: string, cameraId: string) =>
    `${edge(edgeId)}/cameras/${cameraId}/settings/desired`,
  /** Retained: the settings version the edge applied to a camera (or why it could not). */
  cameraSettingsReported: (edgeId: string, cameraId: string) =>
    `${edge(edgeId)}/cameras/${cameraId}/settings/reported`,
  /** Fire and smoke alert events (`new`, `update`, `end`). */
  fireAlert: (edgeId: string) => `${edge(edgeId)}/alerts/fire`,
  /** Cloud alarms for live consumers (dashboard, control room). */
  cloudAlarm: (alarmId: string) => `${TOPIC_ROOT}/cloud/alarms/${alarmId}`,
  /** Located fires (`LocatedFire`, api/fire.ts) for live consumers, each time one changes. */
  cloudLocatedFire: (fireId: string) => `${TOPIC_ROOT}/cloud/fire/located/${fireId}`,
} as const;

/** Subscription filters used by the cloud and the edges. */
export const filters = {
  allEdges: `${TOPIC_ROOT}/edge/+/#`,
  edgeStatus: `${TOPIC_ROOT}/edge/+/status`,
  edgeHealth: `${TOPIC_ROOT}/edge/+/health`,
  vesselPositions: `${TOPIC_ROOT}/edge/+/vessels/positions`,
  /** Every camera topic of every edge: inventory, status, settings (desired and reported). */
  edgeCameras: `${TOPIC_ROOT}/edge/+/cameras/#`,
  fireAlerts: `${TOPIC_ROOT}/edge/+/alerts/fire`,
  cloudAlarms: `${TOPIC_ROOT}/cloud/alarms/#`,
  cloudLocatedFires: `${TOPIC_ROOT}/cloud/fire/located/#`,
  /** What an edge subscribes to: the desired settings of each of its cameras. */
  desiredCameraSettings: (edgeId: string) => `${edge(edgeId)}/cameras/+/settings/desired`,
} as const;

/** The edge and camera of a desired-settings topic (`.../cameras/{cameraId}/settings/desired`), or undefined. */
export function parseDesiredSettingsTopic(topic: string): { edgeId: string; cameraId: string } | undefined {
  const [root, version, edgeLevel, edgeId, cameras, cameraId, settings, desired, ...more] = topic.split('/');
  if (root !== 'lookout' || version !== 'v1' || edgeLevel !== 'edge' || more.length) return undefined;
  if (cameras !== 'cameras' || settings !== 'settings' || desired !== 'desired') return undefined;
  if (!edgeId || !cameraId || !isValidId(edgeId) || !isValidId(cameraId)) return undefined;
  return { edgeId, cameraId };
}

/**
 * Topics inside an edge's subtree that only the cloud publishes (desired state sent to the edge): the broker
 * refuses them from every client, and the ingest does not take them for the edge's own messages.
 */
export function isCloudToEdgeTopic(topic: string): boolean {
  // By shape alone, whatever the ids: a client must not slip one past the ACL with an odd camera id.
  const levels = topic.split('/');
  return (
    levels.length === 8 &&
    topic.startsWith(`${TOPIC_ROOT}/edge/`) &&
    levels[4] === 'cameras' &&
    levels[6] === 'settings' &&
    levels[7] === 'desired'
  );
}

export type EdgeTopicKind =
  | 'status'
  | 'health'
  | 'vessels/positions'
  | 'vessels/static'
  | 'cameras/inventory'
  | 'cameras/status'
  | 'cameras/settings/reported'
  | 'alerts/fire';

export interface ParsedEdgeTopic {
  edgeId: string;
  kind: EdgeTopicKind;
  cameraId?: string;
}

/** Splits an edge topic into its parts, or returns undefined when it is not one of ours. */
export function parseEdgeTopic(topic: string): ParsedEdgeTopic | undefined {
  const parts = topic.split('/');
  if (parts[0] !== 'lookout' || parts[1] !== 'v1' || parts[2] !== 'edge') return undefined;
  const edgeId = parts[3];
  if (!edgeId || !isValidId(edgeId)) return undefined;
  const rest = parts.slice(4);
  const joined = rest.join('/');
  switch (joined) {
    case 'status':
    case 'health':
    case 'vessels/positions':
    case 'vessels/static':
    case 'cameras/inventory':
    case 'alerts/fire':
      return { edgeId, kind: joined };
  }
  if (rest[0] !== 'cameras' || !rest[1] || !isValidId(rest[1])) return undefined;
  const cameraKind = rest.slice(2).join('/');
  if (cameraKind === 'status') return { edgeId, kind: 'cameras/status', cameraId: rest[1] };
  if (cameraKind === 'settings/reported')
    return { edgeId, kind: 'cameras/settings/reported', cameraId: rest[1] };
  return undefined;
  return undefined;
}
