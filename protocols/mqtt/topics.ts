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
  /** Fire and smoke alert events (`new`, `update`, `end`). */
  fireAlert: (edgeId: string) => `${edge(edgeId)}/alerts/fire`,
  /** Cloud alarms for live consumers (dashboard, control room). */
  cloudAlarm: (alarmId: string) => `${TOPIC_ROOT}/cloud/alarms/${alarmId}`,
  /** Located fires (`LocatedFire`, api/fire.ts) for live consumers, each time one changes. */
  cloudLocatedFire: (fireId: string) => `${TOPIC_ROOT}/cloud/fire/located/${fireId}`,
} as const;

/** Subscription filters used by the cloud. */
export const filters = {
  allEdges: `${TOPIC_ROOT}/edge/+/#`,
  edgeStatus: `${TOPIC_ROOT}/edge/+/status`,
  cloudAlarms: `${TOPIC_ROOT}/cloud/alarms/#`,
  cloudLocatedFires: `${TOPIC_ROOT}/cloud/fire/located/#`,
} as const;

export type EdgeTopicKind =
  | 'status'
  | 'health'
  | 'vessels/positions'
  | 'vessels/static'
  | 'cameras/inventory'
  | 'cameras/status'
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
  if (rest.length === 3 && rest[0] === 'cameras' && rest[2] === 'status' && rest[1] && isValidId(rest[1])) {
    return { edgeId, kind: 'cameras/status', cameraId: rest[1] };
  }
  return undefined;
}
