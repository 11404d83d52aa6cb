// Live updates: mqtt.js over the cloud broker's WebSocket listener. The page re-reads the full state from the
// API on every (re)connect, so nothing missed while disconnected stays missing.
import mqtt from './vendor/mqtt.js';
import { t } from './i18n.js';

/** `lookout/v1/edge/{edgeId}/…` -> { kind, edgeId, cameraId } ; `lookout/v1/cloud/alarms/{id}` -> { kind: 'alarm' }. */
export function parseTopic(topic) {
  const parts = topic.split('/');
  if (parts[0] !== 'lookout' || parts[1] !== 'v1') return undefined;
  if (parts[2] === 'cloud' && parts[3] === 'alarms' && parts.length === 5)
    return { kind: 'alarm', alarmId: parts[4] };
  if (parts[2] === 'cloud' && parts[3] === 'fire' && parts[4] === 'located' && parts.length === 6)
    return { kind: 'locatedFire', fireId: parts[5] };
  if (parts[2] !== 'edge' || !parts[3]) return undefined;
  const edgeId = parts[3];
  const rest = parts.slice(4).join('/');
  if (rest === 'status') return { kind: 'edgeStatus', edgeId };
  if (rest === 'alerts/fire') return { kind: 'fireAlert', edgeId };
  if (parts.length === 7 && parts[4] === 'cameras' && parts[6] === 'status')
    return { kind: 'cameraStatus', edgeId, cameraId: parts[5] };
  if (parts.length === 8 && parts[4] === 'cameras' && rest.endsWith('/settings/desired'))
    return { kind: 'cameraSettings', edgeId, cameraId: parts[5] };
  return undefined;
}

/**
 * Connects and keeps reconnecting. `onState(state, detail)` with state `connecting` | `live` | `reconnecting` |
 * `unavailable`; `onMessage(parsedTopic, payload)` for every JSON message on a known topic.
 */
export function connectLive(config, { onState, onMessage, onConnected }) {
  if (config.authRequired && !config.mqtt) {
    onState('unavailable', t('live.noDashboardUser'));
    return undefined;
  }
  const client = mqtt.connect(config.wsUrl, {
    clientId: `dashboard-${Math.random().toString(16).slice(2, 10)}`,
    username: config.mqtt?.username,
    password: config.mqtt?.password,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 2000,
    connectTimeout: 8000,
    keepalive: 30,
  });
  onState('connecting');
  client.on('connect', () => {
    client.subscribe(
      config.topics.map((topic) => topic),
      { qos: 0 },
      (error, granted) => {
        const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
        if (error || refused.length > 0) {
          onState('reconnecting', t('live.refused', { detail: error?.message ?? refused.join(', ') }));
          return;
        }
        onState('live');
        onConnected?.();
      },
    );
  });
  client.on('reconnect', () => onState('reconnecting'));
  client.on('offline', () => onState('reconnecting'));
  client.on('close', () => onState('reconnecting'));
  client.on('error', (error) => onState('reconnecting', error.message));
  client.on('message', (topic, payload) => {
    const parsed = parseTopic(topic);
    if (!parsed) return;
    let value;
    try {
      value = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      console.warn(`dashboard: ignored a message on ${topic} that is not JSON`);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    onMessage(parsed, value);
  });
  return client;
}
