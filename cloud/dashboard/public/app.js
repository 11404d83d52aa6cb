// The dashboard page: state, API polling, live MQTT changes, and the operator's actions.
import { severityRank } from './format.js';
import { chosenLanguage, clockTime, language, onLanguageChange, t, useLanguage, utcOffset } from './i18n.js';
import { api, send, showApiErrors } from './api.js';
import { defaultRange, loadTrack as fetchTrack } from './history.js';
import { createAttention } from './attention.js';
import { connectLive } from './live.js';
import { LocatedFires } from './located-fires.js';
import { MapView } from './map.js';
import { actorFields, askOperator, setAccount, showOperator } from './operator.js';
import { featuresKnown, startViews, stateChanged } from './views.js';
import './views/index.js';
import { fillFilterOptions, setupFilters, vesselMatches } from './filters.js';
import {
  renderAlarms,
  renderCameras,
  renderEdges,
  renderFires,
  renderHistory,
  renderVessels,
  tableOrder,
} from './panels.js';

const FIRE_WINDOW_MS = 24 * 3600_000;

const state = {
  config: undefined,
  features: { fisheries: false, alarms: false, fire: false, cameras: false, registry: false, office: false },
  vessels: [],
  /** mmsi -> most severe active alarm severity */
  alarmedVessels: new Map(),
  edges: new Map(),
  alarms: new Map(),
  /** Cleared alarms (read when the history is opened, then kept up to date live). */
  history: new Map(),
  showHistory: false,
  alarmErrors: new Map(),
  /** alertId -> newest event of that alert */
  fires: new Map(),
  /** `${edgeId}/${cameraId}` -> camera record (inventory + stream status) */
  cameras: new Map(),
  /** `edgeId/cameraId` -> the settings a ranger saved (retained MQTT `settings/desired`): the list shows a mute. */
  cameraSettings: new Map(),
  /** camera keys with an active fire alert */
  fireCameras: new Set(),
  zoneNames: new Map(),
  zoneKinds: new Map(),
  selected: undefined,
  /** Search text and filters (filters.js); `sort`: the vessel column clicked, undefined = alarms first. */
  filters: { text: '', status: '', zone: '', alarmType: '', severity: '' },
  sort: undefined,
  /** Track of the selected vessel over the last hours: { mmsi, coordinates: [[lon, lat]...], times } */
  track: undefined,
  lastUpdate: undefined,
  live: 'connecting',
};

const dirty = new Set();
let frame = 0;
let map;
let locatedFires;
let resyncTimer;

function markDirty(...panels) {
  for (const panel of panels) dirty.add(panel);
  if (!frame) frame = requestAnimationFrame(render);
}

function touched() {
  state.lastUpdate = Date.now();
  markDirty('header');
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
  if (alarm.status.startsWith('CLEARED')) {
    state.alarms.delete(alarm.id);
    state.history.set(alarm.id, alarm);
    markDirty('history');
  } else state.alarms.set(alarm.id, alarm);
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
    fovDeg: alert.camera?.fovDeg,
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
  const [body, located] = await Promise.all([
    api(`/api/v1/fire/alerts?since=${Date.now() - FIRE_WINDOW_MS}&limit=500`),
    api(`/api/v1/fire/located?since=${Date.now() - FIRE_WINDOW_MS}`),
  ]);
  setFires(body.alerts);
  locatedFires.set(located.fires);
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

async function alarmAction(alarm, action) {
  const actor = await actorFields();
  if (!actor) return;
  try {
    const updated = await send(`/api/v1/alarms/${encodeURIComponent(alarm.id)}/${action}`, 'POST', actor);
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

/** The selected vessel's track since its last port departure (else the last 24 h), as on its page. */
async function loadTrack(mmsi) {
  try {
    const { from, to } = await defaultRange(mmsi, state.features);
    const track = await fetchTrack(mmsi, from, to, 1000);
    if (state.selected !== mmsi) return;
    state.track = { mmsi, coordinates: track.coordinates, times: track.times };
    render();
    map.fitSelection();
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
    render();
    map.fitSelection();
    void loadTrack(mmsi);
  }
}

/** An alarm's place on the map: a vessel is selected (its track drawn), a camera's tower is zoomed to. */
function showOnMap(alarm, position) {
  const vessel = /^vessel:(\d+)$/.exec(alarm.originator);
  if (vessel) {
    if (state.selected !== Number(vessel[1])) selectVessel(Number(vessel[1]));
    else map.fitSelection();
  } else map.focusCamera(position);
  document.getElementById('map').scrollIntoView({ block: 'nearest' });
}

// ---- rendering ------------------------------------------------------------------------------------------

function mapCameras() {
  const cameras = new Map();
  for (const camera of state.cameras.values()) {
    cameras.set(camera.key, {
      key: camera.key,
      position: camera.position,
      bearingDeg: camera.bearingDeg,
      // The inventory's field of view when the edge reports one (else a fire alert's, else 60°).
      fovDeg: camera.fovDeg,
      online: camera.stream ? camera.stream.state === 'online' : camera.state === 'online',
    });
  }
  for (const fire of state.fires.values()) {
    const key = `${fire.edgeId}/${fire.cameraId}`;
    const camera = cameras.get(key) ?? { key, position: fire.position, bearingDeg: fire.bearingDeg };
    camera.position ??= fire.position;
    camera.bearingDeg ??= fire.bearingDeg;
    camera.fovDeg ??= fire.fovDeg;
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
    ? unack
      ? t('header.alarmsNew', { total: alarms.length, unack })
      : String(alarms.length)
    : '–';
  document.getElementById('counter-alarms').classList.toggle('hot', unack > 0);
  const fires = [...state.fires.values()].filter((f) => f.event !== 'end').length;
  document.getElementById('count-fires').textContent = state.features.fire ? String(fires) : '–';
  document.getElementById('counter-fires').classList.toggle('hot', fires > 0);
  const updated = document.getElementById('last-update');
  updated.textContent = state.lastUpdate ? clockTime(state.lastUpdate) : '–';
  if (state.lastUpdate) updated.dateTime = new Date(state.lastUpdate).toISOString();
  document.getElementById('time-zone-note').textContent = `(${utcOffset(state.lastUpdate ?? Date.now())})`;
}

function render() {
  frame = 0;
  const panels = new Set(dirty);
  dirty.clear();
  if (panels.has('header')) renderHeader();
  if (panels.has('vessels')) renderVessels(state, { onSelect: selectVessel });
  if (panels.has('alarms'))
    renderAlarms(state, {
      onAck: (a) => alarmAction(a, 'ack'),
      onClear: (a) => alarmAction(a, 'clear'),
      onShowOnMap: showOnMap,
      onTriage: {
        onJudged: (alarm) => (state.alarmErrors.delete(alarm.id), applyAlarmChange({ alarm })),
        onError: (alarm, text) => (state.alarmErrors.set(alarm.id, text), markDirty('alarms')),
      },
    });
  if (panels.has('history') && state.showHistory) renderHistory(state);
  if (panels.has('fires')) renderFires(state);
  if (panels.has('cameras')) renderCameras(state);
  if (panels.has('edges')) renderEdges(state);
  if (panels.has('map'))
    map.update({
      vessels: state.vessels.filter((v) => vesselMatches(v, state)),
      cameras: mapCameras(),
      alarmedVessels: state.alarmedVessels,
      selected: state.selected,
      track: state.track,
    });
  stateChanged(panels);
}

function setLive(live, detail) {
  state.live = live;
  const box = document.getElementById('live');
  box.dataset.state = live;
  state.liveDetail = detail;
  document.getElementById('live-text').textContent = t(`live.${live}`);
  box.title = detail ?? (live === 'live' ? t('live.title', { url: state.config?.wsUrl }) : '');
}

// ---- start ----------------------------------------------------------------------------------------------

async function loadZones() {
  for (let attempt = 0; ; attempt++) {
    try {
      const zones = await api('/api/v1/zones');
      state.zoneNames = new Map(zones.features.map((f) => [f.id, f.properties?.name ?? f.id]));
      state.zoneKinds = new Map(zones.features.map((f) => [f.id, f.properties?.kind ?? 'zone']));
      map.setZones(zones);
      fillFilterOptions(state);
      markDirty('vessels', 'alarms');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 2000 * (attempt + 1))));
    }
  }
}

function showLanguageSwitch() {
  const button = document.getElementById('lang-button');
  const other = language() === 'vi' ? 'en' : 'vi';
  button.textContent = t('lang.switch');
  button.title = t('lang.switchTitle');
  button.lang = other;
  button.dataset.switchTo = other;
}

function onLanguage() {
  showLanguageSwitch();
  showOperator();
  if (state.config) applyTitle();
  setLive(state.live, state.liveDetail);
  showApiErrors();
  map.relabel();
  locatedFires.relabel();
  fillFilterOptions(state);
  markDirty('header', 'vessels', 'alarms', 'history', 'fires', 'cameras', 'edges', 'map');
}

async function loadHistory() {
  const body = await api('/api/v1/alarms?status=cleared');
  state.history = new Map(body.alarms.map((alarm) => [alarm.id, alarm]));
  markDirty('history');
}

function toggleHistory() {
  state.showHistory = !state.showHistory;
  const button = document.getElementById('history-button');
  button.setAttribute('aria-pressed', String(state.showHistory));
  document.getElementById('history-list').hidden = !state.showHistory;
  document.getElementById('alarms-list').hidden = state.showHistory;
  const heading = document.getElementById('alarms-heading');
  heading.dataset.i18n = state.showHistory ? 'history.heading' : 'alarms.heading';
  heading.textContent = t(heading.dataset.i18n);
  if (state.showHistory) void loadHistory().catch(() => {});
}

function applyTitle() {
  const title = state.config.title ?? t('app.title');
  document.title = title;
  document.getElementById('title').textContent = title;
}

async function start() {
  await useLanguage(chosenLanguage());
  showLanguageSwitch();
  onLanguageChange(onLanguage);
  document
    .getElementById('lang-button')
    .addEventListener(
      'click',
      (event) => void useLanguage(event.currentTarget.dataset.switchTo, { remember: true }),
    );
  map = new MapView(document.getElementById('map'), { onSelectVessel: selectVessel });
  locatedFires = new LocatedFires(map.map);
  document.getElementById('history-button').addEventListener('click', toggleHistory);
  setupFilters(state, {
    onChange: (...panels) => markDirty(...panels, ...(panels.includes('alarms') ? ['history'] : [])),
    // Enter: the first vessel found is selected and shown on the map.
    // From the state, not the table: the table may not show the last keystroke yet.
    onSearchEnter: () => {
      const [found] = tableOrder(
        state.vessels.filter((v) => vesselMatches(v, state)),
        state,
      );
      if (found && state.selected !== found.mmsi) selectVessel(found.mmsi);
    },
  });
  showOperator();
  document.getElementById('operator-button').addEventListener('click', () => void askOperator());
  void startViews({
    overviewElement: document.getElementById('overview'),
    pageElement: document.getElementById('page'),
    navElement: document.getElementById('views-nav'),
    state,
    showVessel: (mmsi) => {
      location.hash = '#/';
      if (state.selected !== mmsi) selectVessel(mmsi);
    },
  });
  const config = await api('/api/v1/dashboard/config');
  state.config = config;
  state.features = config.features;
  setAccount(config.operator);
  featuresKnown();
  applyTitle();
  markDirty('header', 'vessels', 'alarms', 'fires', 'cameras', 'edges', 'map');

  map.setTiles(config.tiles);
  fetch('/dashboard/basemap.json')
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
      else if (topic.kind === 'locatedFire') locatedFires.upsert(value);
      else if (topic.kind === 'cameraStatus') applyCameraStatus(topic.edgeId, topic.cameraId, value);
      else if (topic.kind === 'cameraSettings') {
        state.cameraSettings.set(`${topic.edgeId}/${topic.cameraId}`, value.settings);
        markDirty('cameras');
      }
    },
  });
}

start().catch((error) => {
  setLive('unavailable', error.message);
  document.getElementById('api-error').hidden = false;
  document.getElementById('api-error').textContent = t('header.cannotStart', { message: error.message });
});
