// The dashboard page: state, API polling, live MQTT changes, and the operator's actions.
import { clockTime, severityRank } from './format.js';
import { createAttention } from './attention.js';
import { connectLive } from './live.js';
import { MapView } from './map.js';
import { renderAlarms, renderCameras, renderEdges, renderFires, renderVessels } from './panels.js';

const OPERATOR_KEY = 'lookout.operator';
const FIRE_WINDOW_MS = 24 * 3600_000;

const state = {
  config: undefined,
  features: { fisheries: false, alarms: false, fire: false, cameras: false },
  vessels: [],
  /** mmsi -> most severe active alarm severity */
  alarmedVessels: new Map(),
  edges: new Map(),
  alarms: new Map(),
  alarmErrors: new Map(),
  /** alertId -> newest event of that alert */
  fires: new Map(),
  /** `${edgeId}/${cameraId}` -> camera record (inventory + stream status) */
  cameras: new Map(),
  /** camera keys with an active fire alert */
  fireCameras: new Set(),
  zoneNames: new Map(),
  zoneKinds: new Map(),
  selected: undefined,
  /** Track of the selected vessel over the last hours: { mmsi, coordinates: [[lon, lat]...], times } */
  track: undefined,
  lastUpdate: undefined,
  live: 'connecting',
};

const dirty = new Set();
let frame = 0;
let map;
let resyncTimer;

function markDirty(...panels) {
  for (const panel of panels) dirty.add(panel);
  if (!frame) frame = requestAnimationFrame(render);
}

function touched() {
  state.lastUpdate = Date.now();
  markDirty('header');
}

// ---- API ----------------------------------------------------------------------------------------------

const apiErrors = new Map();

function showApiErrors() {
  const box = document.getElementById('api-error');
  const messages = [...apiErrors.values()];
  box.hidden = messages.length === 0;
  box.textContent = messages.length ? `API problem: ${messages[0]}` : '';
}

async function api(path, init) {
  const key = path.split('?')[0];
  try {
    const response = await fetch(path, { ...init, signal: AbortSignal.timeout(10_000) });
    const body = await response.json().catch(() => ({}));
    if (!response.ok)
      throw new Error(`${key}: HTTP ${response.status}${body.error ? ` — ${body.error}` : ''}`);
    if (apiErrors.delete(key)) showApiErrors();
    return body;
  } catch (error) {
    apiErrors.set(key, error.name === 'TimeoutError' ? `${key}: no answer` : error.message);
    showApiErrors();
    throw error;
  }
}

// ---- state updates --------------------------------------------------------------------------------------

function recomputeAlarmedVessels() {
  state.alarmedVessels = new Map();
  for (const alarm of state.alarms.values()) {
    const match = /^vessel:(\d+)$/.exec(alarm.originator);
    if (!match) continue;
    const mmsi = Number(match[1]);
    const current = state.alarmedVessels.get(mmsi);
    if (!current || severityRank(alarm.severity) > severityRank(current))
      state.alarmedVessels.set(mmsi, alarm.severity);
  }
  markDirty('vessels', 'map', 'alarms', 'header');
}

function recomputeFireCameras() {
  state.fireCameras = new Set(
    [...state.fires.values()].filter((f) => f.event !== 'end').map((f) => `${f.edgeId}/${f.cameraId}`),
  );
  markDirty('fires', 'cameras', 'map', 'header');
}

function setAlarms(list) {
  state.alarms = new Map(list.map((alarm) => [alarm.id, alarm]));
  recomputeAlarmedVessels();
}

function applyAlarmChange(message) {
  const alarm = message?.alarm;
  if (typeof alarm?.id !== 'string' || typeof alarm.status !== 'string') return;
  if (alarm.status.startsWith('CLEARED')) state.alarms.delete(alarm.id);
  else state.alarms.set(alarm.id, alarm);
  recomputeAlarmedVessels();
}

function setFires(records) {
  const since = Date.now() - FIRE_WINDOW_MS;
  const next = new Map();
  for (const record of records) {
    const known = next.get(record.alertId);
    if (!known || record.ts > known.ts) next.set(record.alertId, record);
  }
  // Alerts that arrived live and are not stored yet (or newer than the stored event) stay.
  for (const [alertId, live] of state.fires) {
    const stored = next.get(alertId);
    if (live.ts >= since && (!stored || live.ts > stored.ts)) next.set(alertId, live);
    else if (stored && !stored.snapshotUrl && live.snapshotData && live.ts === stored.ts)
      stored.snapshotData = live.snapshotData;
  }
  state.fires = next;
  recomputeFireCameras();
}

function applyFireAlert(alert) {
  if (typeof alert.alertId !== 'string' || typeof alert.ts !== 'number') return;
  const known = state.fires.get(alert.alertId);
  if (known && known.ts > alert.ts) return;
  state.fires.set(alert.alertId, {
    edgeId: alert.edgeId,
    cameraId: alert.cameraId,
    alertId: alert.alertId,
    event: alert.event,
    className: alert.className ?? 'fire',
    confidence: alert.confidence ?? 0,
    ts: alert.ts,
    firstSeenTs: alert.firstSeenTs ?? alert.ts,
    position: alert.camera?.position,
    bearingDeg: alert.camera?.bearingDeg,
    bearingToFireDeg: alert.bearingToFireDeg,
    snapshotData: alert.snapshot?.data
      ? `data:image/jpeg;base64,${alert.snapshot.data}`
      : known?.snapshotData,
    snapshotUrl: alert.snapshot ? undefined : known?.snapshotUrl,
  });
  recomputeFireCameras();
  // The stored record brings the snapshot URL; the cloud stores it a moment after the broker delivered it.
  setTimeout(() => void resyncFires().catch(() => {}), 1500);
}

function setCameras(records) {
  const next = new Map();
  for (const record of records) {
    const key = `${record.edgeId}/${record.cameraId}`;
    const live = state.cameras.get(key)?.stream;
    next.set(key, {
      ...record,
      key,
      stream: live && (!record.stream || live.ts > record.stream.ts) ? live : record.stream,
    });
  }
  state.cameras = next;
  markDirty('cameras', 'map');
}

function applyCameraStatus(edgeId, cameraId, status) {
  const key = `${edgeId}/${cameraId}`;
  const known = state.cameras.get(key) ?? { key, edgeId, cameraId, state: 'pending' };
  if (known.stream && known.stream.ts > status.ts) return;
  state.cameras.set(key, { ...known, stream: status });
  markDirty('cameras', 'map');
}

function applyEdgeStatus(edgeId, status) {
  if (status.state !== 'online' && status.state !== 'offline') return;
  const now = Date.now();
  const known = state.edges.get(edgeId);
  state.edges.set(edgeId, {
    edgeId,
    state: status.state,
    since: known?.state === status.state ? known.since : now,
    lastSeen: Math.max(known?.lastSeen ?? 0, now),
    reason: status.reason,
    version: status.version ?? known?.version,
    clockSkewMs: known?.clockSkewMs,
  });
  markDirty('edges', 'header');
}

// ---- loops ----------------------------------------------------------------------------------------------

async function pollVesselsAndEdges() {
  const tasks = [
    api('/api/v1/edges').then((body) => {
      state.edges = new Map(body.edges.map((edge) => [edge.edgeId, edge]));
      markDirty('edges', 'header');
    }),
  ];
  if (state.features.fisheries) {
    tasks.push(
      api('/api/v1/vessels').then((body) => {
        state.vessels = body.vessels;
        markDirty('vessels', 'map', 'header', 'alarms');
      }),
    );
  }
  const results = await Promise.allSettled(tasks);
  if (results.some((r) => r.status === 'fulfilled')) touched();
}

async function resyncFires() {
  if (!state.features.fire) return;
  const body = await api(`/api/v1/fire/alerts?since=${Date.now() - FIRE_WINDOW_MS}&limit=500`);
  setFires(body.alerts);
}

async function resyncAll() {
  const tasks = [];
  if (state.features.alarms)
    tasks.push(api('/api/v1/alarms?status=active').then((body) => setAlarms(body.alarms)));
  if (state.features.fire) tasks.push(resyncFires());
  if (state.features.cameras) tasks.push(api('/api/v1/cameras').then((body) => setCameras(body.cameras)));
  const results = await Promise.allSettled(tasks);
  if (results.some((r) => r.status === 'fulfilled')) touched();
}

function every(ms, task) {
  const run = async () => {
    await task().catch(() => {});
    setTimeout(run, ms);
  };
  void run();
}

function scheduleResync(ms) {
  clearTimeout(resyncTimer);
  resyncTimer = setTimeout(async () => {
    await resyncAll().catch(() => {});
    scheduleResync(state.live === 'live' ? state.config.resyncMs : state.config.vesselPollMs);
  }, ms);
}

// ---- operator and actions -------------------------------------------------------------------------------

/** The API account the browser logged in with (HTTP Basic), when the cloud has operator accounts. */
function loggedIn() {
  return state.config?.operator;
}

function operatorName() {
  return loggedIn()?.username ?? localStorage.getItem(OPERATOR_KEY) ?? undefined;
}

function showOperator() {
  const account = loggedIn();
  document.getElementById('operator-name').textContent = account
    ? `${account.username} (${account.role})`
    : (operatorName() ?? 'not set');
  const button = document.getElementById('operator-button');
  // Logged in: the server records the login as who acted; there is no name to choose.
  button.disabled = account !== undefined;
  button.title = account
    ? 'Logged in to the API: actions are recorded under this account'
    : 'Name recorded when you acknowledge or clear an alarm';
  document.body.dataset.role = account?.role ?? 'open';
}

/** Asks for the operator's name (once; kept in localStorage). Resolves undefined when cancelled. */
function askOperator() {
  const dialog = document.getElementById('operator-dialog');
  const input = document.getElementById('operator-input');
  const form = document.getElementById('operator-form');
  input.value = operatorName() ?? '';
  return new Promise((resolve) => {
    const done = (value) => {
      form.removeEventListener('submit', onSubmit);
      document.getElementById('operator-cancel').removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onSubmit = (event) => {
      event.preventDefault();
      const name = input.value.trim();
      if (!name) return;
      localStorage.setItem(OPERATOR_KEY, name);
      showOperator();
      done(name);
    };
    const onCancel = (event) => {
      event.preventDefault();
      done(undefined);
    };
    form.addEventListener('submit', onSubmit);
    document.getElementById('operator-cancel').addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    input.focus();
  });
}

async function alarmAction(alarm, action) {
  const account = loggedIn();
  const by = operatorName() ?? (await askOperator());
  if (!by) return;
  try {
    const updated = await api(`/api/v1/alarms/${encodeURIComponent(alarm.id)}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // Logged in: the cloud records the account itself and ignores `by`.
      body: JSON.stringify(account ? {} : { by }),
    });
    state.alarmErrors.delete(alarm.id);
    applyAlarmChange({ alarm: updated });
  } catch (error) {
    state.alarmErrors.set(
      alarm.id,
      `Could not ${action === 'ack' ? 'acknowledge' : 'clear'}: ${error.message}`,
    );
    markDirty('alarms');
  }
}

const TRACK_HOURS = 12;

async function loadTrack(mmsi) {
  const to = Date.now();
  try {
    const track = await api(
      `/api/v1/vessels/${mmsi}/track?from=${to - TRACK_HOURS * 3600_000}&to=${to}&maxPoints=1000`,
    );
    if (state.selected !== mmsi) return;
    state.track = { mmsi, coordinates: track.geometry.coordinates, times: track.properties.times };
    markDirty('map');
  } catch {
    // shown in the API problem line
  }
}

function selectVessel(mmsi) {
  state.selected = state.selected === mmsi ? undefined : mmsi;
  state.track = undefined;
  markDirty('vessels', 'map');
  if (state.selected !== undefined) {
    document.querySelector(`#vessels-body tr[data-mmsi="${mmsi}"]`)?.scrollIntoView({ block: 'nearest' });
    void loadTrack(mmsi);
  }
}

// ---- rendering ------------------------------------------------------------------------------------------

function mapCameras() {
  const cameras = new Map();
  for (const camera of state.cameras.values()) {
    cameras.set(camera.key, {
      key: camera.key,
      position: camera.position,
      bearingDeg: camera.bearingDeg,
      online: camera.stream ? camera.stream.state === 'online' : camera.state === 'online',
    });
  }
  for (const fire of state.fires.values()) {
    const key = `${fire.edgeId}/${fire.cameraId}`;
    const camera = cameras.get(key) ?? { key, position: fire.position, bearingDeg: fire.bearingDeg };
    camera.position ??= fire.position;
    camera.bearingDeg ??= fire.bearingDeg;
    if (fire.event !== 'end') {
      camera.fire = true;
      camera.bearingToFireDeg = fire.bearingToFireDeg;
    }
    cameras.set(key, camera);
  }
  return [...cameras.values()];
}

function renderHeader() {
  const edges = [...state.edges.values()];
  const online = edges.filter((e) => e.state === 'online').length;
  document.getElementById('count-edges').textContent = `${online} / ${edges.length}`;
  document.getElementById('count-vessels').textContent = state.features.fisheries
    ? String(state.vessels.length)
    : '–';
  const alarms = [...state.alarms.values()];
  const unack = alarms.filter((a) => a.status === 'ACTIVE_UNACK').length;
  document.getElementById('count-alarms').textContent = state.features.alarms
    ? `${alarms.length}${unack ? ` (${unack} new)` : ''}`
    : '–';
  document.getElementById('counter-alarms').classList.toggle('hot', unack > 0);
  const fires = [...state.fires.values()].filter((f) => f.event !== 'end').length;
  document.getElementById('count-fires').textContent = state.features.fire ? String(fires) : '–';
  document.getElementById('counter-fires').classList.toggle('hot', fires > 0);
  const updated = document.getElementById('last-update');
  updated.textContent = state.lastUpdate ? clockTime(state.lastUpdate) : '–';
  if (state.lastUpdate) updated.dateTime = new Date(state.lastUpdate).toISOString();
}

function render() {
  frame = 0;
  const panels = new Set(dirty);
  dirty.clear();
  if (panels.has('header')) renderHeader();
  if (panels.has('vessels')) renderVessels(state, { onSelect: selectVessel });
  if (panels.has('alarms'))
    renderAlarms(state, { onAck: (a) => alarmAction(a, 'ack'), onClear: (a) => alarmAction(a, 'clear') });
  if (panels.has('fires')) renderFires(state);
  if (panels.has('cameras')) renderCameras(state);
  if (panels.has('edges')) renderEdges(state);
  if (panels.has('map'))
    map.update({
      vessels: state.vessels,
      cameras: mapCameras(),
      alarmedVessels: state.alarmedVessels,
      selected: state.selected,
      track: state.track,
    });
}

function setLive(live, detail) {
  state.live = live;
  const box = document.getElementById('live');
  box.dataset.state = live;
  document.getElementById('live-text').textContent =
    { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', unavailable: 'polling only' }[
      live
    ] ?? live;
  box.title = detail ?? (live === 'live' ? `MQTT over WebSocket: ${state.config?.wsUrl}` : '');
}

// ---- start ----------------------------------------------------------------------------------------------

async function loadZones() {
  for (let attempt = 0; ; attempt++) {
    try {
      const zones = await api('/api/v1/zones');
      state.zoneNames = new Map(zones.features.map((f) => [f.id, f.properties?.name ?? f.id]));
      state.zoneKinds = new Map(zones.features.map((f) => [f.id, f.properties?.kind ?? 'zone']));
      map.setZones(zones);
      markDirty('vessels', 'alarms');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 2000 * (attempt + 1))));
    }
  }
}

async function start() {
  map = new MapView(document.getElementById('map'), { onSelectVessel: selectVessel });
  showOperator();
  document.getElementById('operator-button').addEventListener('click', () => void askOperator());
  const config = await api('/api/v1/dashboard/config');
  state.config = config;
  state.features = config.features;
  showOperator();
  document.title = config.title;
  document.getElementById('title').textContent = config.title;
  markDirty('header', 'vessels', 'alarms', 'fires', 'cameras', 'edges', 'map');

  fetch('/dashboard/ca-mau-land.json')
    .then((r) => (r.ok ? r.json() : undefined))
    .then((land) => land && map.setLand(land))
    .catch(() => {});
  if (config.features.fisheries) void loadZones();

  const attention = createAttention(document.getElementById('alerts-button'));
  every(config.vesselPollMs, pollVesselsAndEdges);
  await resyncAll().catch(() => {});
  // Until MQTT is live (or when it is not available) alarms, fires and cameras are polled like the vessels.
  scheduleResync(config.vesselPollMs);
  connectLive(config, {
    onState: (live, detail) => {
      const was = state.live;
      setLive(live, detail);
      if (was === 'live' && live !== 'live') scheduleResync(config.vesselPollMs);
    },
    onConnected: () => {
      // Anything missed while disconnected: read it all again, then rely on the live changes.
      void resyncAll().catch(() => {});
      scheduleResync(config.resyncMs);
    },
    onMessage: (topic, value) => {
      touched();
      if (topic.kind === 'alarm') {
        applyAlarmChange(value);
        attention.onLiveChange(value);
      } else if (topic.kind === 'edgeStatus') applyEdgeStatus(topic.edgeId, value);
      else if (topic.kind === 'fireAlert') applyFireAlert(value);
      else if (topic.kind === 'cameraStatus') applyCameraStatus(topic.edgeId, topic.cameraId, value);
    },
  });
}

start().catch((error) => {
  setLive('unavailable', error.message);
  document.getElementById('api-error').hidden = false;
  document.getElementById('api-error').textContent = `Dashboard could not start: ${error.message}`;
});
