// Rendering of the list panels from the page state (see app.js). Each function replaces its panel's content.
import {
  ago,
  alarmTypeName,
  clockTime,
  detailText,
  el,
  humanKey,
  isTimeKey,
  latLon,
  severityRank,
  timeEl,
  updateChildren,
} from './format.js';

const MAX_VESSEL_ROWS = 500;

function badge(text, kind) {
  return el('span', { class: `badge ${kind}` }, text);
}

function dot(kind, label) {
  return el('span', { class: `status-dot ${kind}`, role: 'img', 'aria-label': label, title: label });
}

/** Vessels in alarm first (most severe), then silent ones, then by name/MMSI. */
export function sortVessels(vessels, alarmedVessels) {
  const rank = (v) =>
    alarmedVessels.has(v.mmsi)
      ? 10 + severityRank(alarmedVessels.get(v.mmsi))
      : v.status === 'silent'
        ? 5
        : v.registered
          ? 0
          : 1;
  return [...vessels].sort(
    (a, b) => rank(b) - rank(a) || (a.name ?? '~').localeCompare(b.name ?? '~') || a.mmsi - b.mmsi,
  );
}

export function renderVessels(state, { onSelect }) {
  const body = document.getElementById('vessels-body');
  const note = document.getElementById('vessels-note');
  if (!state.features.fisheries) {
    body.replaceChildren(
      el(
        'tr',
        {},
        el('td', { colspan: 9, class: 'empty' }, 'Vessel tracking (fisheries) is not enabled on this cloud.'),
      ),
    );
    note.textContent = '';
    return;
  }
  const focusedMmsi = document.activeElement?.closest?.('#vessels-body tr')?.dataset.mmsi;
  const now = Date.now();
  const sorted = sortVessels(state.vessels, state.alarmedVessels);
  const rows = sorted.slice(0, MAX_VESSEL_ROWS).map((v) => {
    const alarm = state.alarmedVessels.get(v.mmsi);
    // The zone kind reads at a glance (the rules work on it); the full names are in the tooltip.
    const port =
      v.status === 'in_port' && v.nearestPort
        ? `port ${state.zoneNames.get(v.nearestPort.id) ?? v.nearestPort.id}`
        : undefined;
    const kinds = [...new Set(v.zones.map((id) => state.zoneKinds.get(id) ?? id))].sort((a, b) =>
      a === 'closed' ? -1 : b === 'closed' ? 1 : a.localeCompare(b),
    );
    const zoneText = [...kinds, port].filter(Boolean).join(' · ') || '—';
    const zoneTitle =
      [...v.zones.map((id) => state.zoneNames.get(id) ?? id), port].filter(Boolean).join('\n') ||
      'outside every zone';
    const flags = [
      alarm
        ? el('span', { class: `badge sev-${alarm}`, title: `${alarm.toLowerCase()} alarm active` }, 'alarm')
        : null,
      v.status === 'silent' ? badge('silent', 'silent') : null,
      v.status === 'in_port' ? badge('in port', 'muted') : null,
      v.registered ? null : badge('unregistered', 'unregistered'),
    ];
    const row = el(
      'tr',
      {
        tabindex: 0,
        class:
          [state.selected === v.mmsi ? 'selected' : '', alarm ? 'in-alarm' : ''].filter(Boolean).join(' ') ||
          undefined,
        dataset: { mmsi: String(v.mmsi) },
        'aria-selected': state.selected === v.mmsi ? 'true' : 'false',
      },
      el('td', { class: 'mono', dataset: { col: 'mmsi' } }, String(v.mmsi)),
      el('td', { class: 'strong', dataset: { col: 'name' }, title: v.name }, v.name ?? '—'),
      el('td', { class: 'flags', dataset: { col: 'flags' } }, flags),
      el('td', { class: 'mono', dataset: { col: 'registration' } }, v.registration ?? '—'),
      el(
        'td',
        { class: 'num', dataset: { col: 'length' } },
        typeof v.lengthM === 'number' ? v.lengthM.toFixed(1) : '—',
      ),
      el(
        'td',
        { class: 'mono small', dataset: { col: 'position' }, title: latLon(v.lat, v.lon) },
        `${v.lat.toFixed(3)}, ${v.lon.toFixed(3)}`,
      ),
      el(
        'td',
        { class: 'num', dataset: { col: 'speed' } },
        typeof v.sog === 'number' ? v.sog.toFixed(1) : '—',
      ),
      el(
        'td',
        { class: 'small', dataset: { col: 'seen' } },
        el(
          'time',
          { datetime: new Date(v.ts).toISOString(), title: new Date(v.ts).toISOString() },
          ago(v.ts, now),
        ),
      ),
      el(
        'td',
        {
          class: `small${kinds.includes('closed') ? ' closed-text' : ''}`,
          dataset: { col: 'zone' },
          title: zoneTitle,
        },
        zoneText,
      ),
    );
    row.addEventListener('click', () => onSelect(v.mmsi));
    row.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onSelect(v.mmsi);
      }
    });
    return row;
  });
  if (rows.length === 0)
    rows.push(el('tr', {}, el('td', { colspan: 9, class: 'empty' }, 'No vessel positions yet.')));
  updateChildren(body, rows);
  const silent = state.vessels.filter((v) => v.status === 'silent').length;
  const unregistered = state.vessels.filter((v) => !v.registered).length;
  note.textContent = `${state.vessels.length} tracked · ${silent} silent · ${unregistered} unregistered${sorted.length > MAX_VESSEL_ROWS ? ` · first ${MAX_VESSEL_ROWS} shown` : ''}`;
  if (focusedMmsi) body.querySelector(`tr[data-mmsi="${focusedMmsi}"]`)?.focus();
}

function originatorText(alarm, state) {
  const vessel = /^vessel:(\d+)$/.exec(alarm.originator);
  if (vessel) {
    const mmsi = Number(vessel[1]);
    const known = state.vessels.find((v) => v.mmsi === mmsi);
    if (known?.name)
      return `${known.name}${known.registration ? ` (${known.registration})` : ''} · MMSI ${mmsi}`;
    return `MMSI ${mmsi}${known && !known.registered ? ' · unregistered' : ''}`;
  }
  const camera = /^camera:(.+)$/.exec(alarm.originator);
  if (camera) return `Camera ${camera[1]}`;
  return alarm.originator;
}

/** Details already shown elsewhere in the alarm (the originator line, the thumbnail). */
const REDUNDANT_DETAILS = new Set([
  'mmsi',
  'registered',
  'registration',
  'name',
  'snapshot',
  'alertId',
  'lon',
  'lat',
]);

function alarmDetails(alarm, state) {
  const details = alarm.details ?? {};
  const entries = Object.entries(details).filter(([key, value]) => {
    if (REDUNDANT_DETAILS.has(key) || value === undefined || value === null) return false;
    // `zoneId` next to `zoneName`: the name says it.
    return !(key.endsWith('Id') && `${key.slice(0, -2)}Name` in details);
  });
  if (typeof details.lat === 'number' && typeof details.lon === 'number')
    entries.push(['position', latLon(details.lat, details.lon)]);
  const items = [];
  for (const [key, value] of entries) {
    let text;
    let label = humanKey(key);
    if (isTimeKey(key, value)) text = clockTime(value);
    else if (typeof value === 'string' && state.zoneNames.has(value)) {
      text = state.zoneNames.get(value);
      label = label.replace(/ id$/, '');
    } else if (key === 'confidence' && typeof value === 'number') text = `${Math.round(value * 100)} %`;
    else text = detailText(value);
    items.push(el('div', { class: 'detail' }, el('dt', {}, label), el('dd', {}, text)));
    if (items.length >= 6) break;
  }
  return items.length ? el('dl', { class: 'details' }, items) : null;
}

/** Unacknowledged first, then most severe, then newest. */
export function sortAlarms(alarms) {
  return [...alarms].sort(
    (a, b) =>
      (a.status === 'ACTIVE_UNACK' ? 0 : 1) - (b.status === 'ACTIVE_UNACK' ? 0 : 1) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      b.updatedAt - a.updatedAt,
  );
}

export function renderAlarms(state, { onAck, onClear }) {
  const list = document.getElementById('alarms-list');
  const note = document.getElementById('alarms-note');
  if (!state.features.alarms) {
    list.replaceChildren(el('li', { class: 'empty' }, 'Alarms are not enabled on this cloud.'));
    return;
  }
  const alarms = sortAlarms(state.alarms.values());
  const focusedId = document.activeElement?.closest?.('#alarms-list li')?.dataset.alarmId;
  const focusedAction = document.activeElement?.dataset?.action;
  const items = alarms.map((alarm) => {
    const unack = alarm.status === 'ACTIVE_UNACK';
    const what = `${alarmTypeName(alarm.type)} — ${originatorText(alarm, state)}`;
    const snapshot =
      typeof alarm.details?.snapshot === 'string'
        ? `/api/v1/fire/snapshots/${alarm.details.snapshot}`
        : undefined;
    const error = state.alarmErrors.get(alarm.id);
    return el(
      'li',
      {
        class: `alarm sev-${alarm.severity}${unack ? ' unack' : ' acked'}`,
        dataset: { alarmId: alarm.id, type: alarm.type, status: alarm.status },
      },
      el(
        'div',
        { class: 'alarm-head' },
        el('span', { class: `sev sev-${alarm.severity}` }, alarm.severity),
        el('span', { class: 'alarm-type' }, alarmTypeName(alarm.type)),
        alarm.count > 1
          ? el('span', { class: 'count', title: 'times raised while active' }, `×${alarm.count}`)
          : null,
      ),
      el('div', { class: 'alarm-originator' }, originatorText(alarm, state)),
      el(
        'div',
        { class: 'alarm-meta' },
        'since ',
        timeEl(alarm.startTs),
        alarm.lastTs !== alarm.startTs ? [' · last ', timeEl(alarm.lastTs)] : null,
        ' · ',
        unack
          ? el('strong', { class: 'unack-text' }, 'not acknowledged')
          : el('span', {}, `acknowledged by ${alarm.ackBy ?? '?'} at `, timeEl(alarm.ackTs)),
      ),
      el(
        'div',
        { class: 'alarm-body' },
        snapshot
          ? el(
              'a',
              { href: snapshot, target: '_blank', rel: 'noopener', class: 'thumb-link' },
              el('img', {
                class: 'thumb small',
                src: snapshot,
                alt: `Snapshot for ${what}`,
                loading: 'lazy',
              }),
            )
          : null,
        alarmDetails(alarm, state),
      ),
      error ? el('p', { class: 'inline-error', role: 'alert' }, error) : null,
      el(
        'div',
        { class: 'alarm-actions' },
        unack
          ? el(
              'button',
              {
                type: 'button',
                class: 'button primary',
                dataset: { action: 'ack' },
                'aria-label': `Acknowledge: ${what}`,
                onclick: () => onAck(alarm),
              },
              'Ack',
            )
          : null,
        el(
          'button',
          {
            type: 'button',
            class: 'button',
            dataset: { action: 'clear' },
            'aria-label': `Clear: ${what}`,
            onclick: () => onClear(alarm),
          },
          'Clear',
        ),
      ),
    );
  });
  if (items.length === 0) items.push(el('li', { class: 'empty calm' }, 'No active alarms.'));
  updateChildren(list, items);
  const unack = alarms.filter((a) => a.status === 'ACTIVE_UNACK').length;
  note.textContent = alarms.length ? `${unack} not acknowledged` : '';
  if (focusedId) {
    const item = list.querySelector(`li[data-alarm-id="${focusedId}"]`);
    (item?.querySelector(`button[data-action="${focusedAction}"]`) ?? item?.querySelector('button'))?.focus();
  }
}

export function renderFires(state) {
  const list = document.getElementById('fires-list');
  if (!state.features.fire) {
    list.replaceChildren(el('li', { class: 'empty' }, 'Fire detection is not enabled on this cloud.'));
    return;
  }
  const now = Date.now();
  const fires = [...state.fires.values()].sort(
    (a, b) => (a.event === 'end' ? 1 : 0) - (b.event === 'end' ? 1 : 0) || b.ts - a.ts,
  );
  const items = fires.slice(0, 50).map((fire) => {
    const active = fire.event !== 'end';
    const image = fire.snapshotUrl ?? fire.snapshotData;
    const cls = fire.className.toLowerCase();
    return el(
      'li',
      { class: `fire ${active ? 'active' : 'ended'}`, dataset: { alertId: fire.alertId } },
      image
        ? el(
            'a',
            {
              href: fire.snapshotUrl ?? '#',
              target: '_blank',
              rel: 'noopener',
              class: 'thumb-link',
              'aria-label': `Open snapshot of ${cls} at ${fire.edgeId}/${fire.cameraId}`,
            },
            el('img', {
              class: 'thumb',
              src: image,
              alt: `Snapshot: ${cls} seen by camera ${fire.cameraId}`,
              loading: 'lazy',
            }),
          )
        : el('div', { class: 'thumb placeholder', 'aria-hidden': 'true' }, 'no snapshot'),
      el(
        'div',
        { class: 'fire-text' },
        el(
          'div',
          {},
          el(
            'span',
            { class: `badge ${active ? 'fire-badge' : 'muted'}` },
            active ? cls.toUpperCase() : `${cls} · ended`,
          ),
          ' ',
          el('span', { class: 'strong' }, `${Math.round(fire.confidence * 100)} %`),
        ),
        el('div', { class: 'small' }, `${fire.cameraId} @ ${fire.edgeId}`),
        el(
          'div',
          { class: 'small muted-text' },
          'first seen ',
          timeEl(fire.firstSeenTs),
          ` (${ago(fire.firstSeenTs, now)})`,
        ),
        typeof fire.bearingToFireDeg === 'number'
          ? el('div', { class: 'small' }, `bearing ${Math.round(fire.bearingToFireDeg)}°`)
          : null,
      ),
    );
  });
  if (items.length === 0) items.push(el('li', { class: 'empty calm' }, 'No fire alerts in the last 24 h.'));
  updateChildren(list, items);
}

export function renderCameras(state) {
  const list = document.getElementById('cameras-list');
  const now = Date.now();
  const cameras = [...state.cameras.values()].sort((a, b) => a.key.localeCompare(b.key));
  const items = cameras.map((camera) => {
    const online = camera.stream ? camera.stream.state === 'online' : camera.state === 'online';
    const fire = state.fireCameras.has(camera.key);
    const last = camera.stream?.lastFrameTs;
    return el(
      'li',
      { class: `${fire ? 'fire-cam' : ''}`, dataset: { camera: camera.key } },
      dot(fire ? 'fire' : online ? 'online' : 'offline', fire ? 'fire alert' : online ? 'online' : 'offline'),
      el('span', { class: 'strong' }, camera.cameraId),
      fire ? el('span', { class: 'badge fire-badge' }, 'FIRE') : null,
      el(
        'div',
        { class: 'small sub' },
        [
          camera.edgeId,
          camera.state !== 'online' ? `ONVIF ${camera.state}` : null,
          camera.stream ? `stream ${camera.stream.state}` : 'no stream status',
          last ? `frame ${ago(last, now)}` : null,
          camera.stream?.restarts ? `${camera.stream.restarts} restarts` : null,
        ]
          .filter(Boolean)
          .join(' · '),
      ),
    );
  });
  if (!state.features.cameras && items.length === 0)
    items.push(el('li', { class: 'empty' }, 'Camera inventory is not enabled on this cloud.'));
  else if (items.length === 0) items.push(el('li', { class: 'empty' }, 'No cameras reported.'));
  updateChildren(list, items);
}

/** Beyond 30 s the positions an edge stamps itself are at the wrong time: say so where the control room looks. */
function clockWarning(skewMs) {
  if (typeof skewMs !== 'number' || Math.abs(skewMs) <= 30_000) return null;
  const seconds = Math.abs(skewMs) / 1000;
  const size =
    seconds >= 5400
      ? `${Math.round(seconds / 3600)} h`
      : seconds >= 90
        ? `${Math.round(seconds / 60)} min`
        : `${Math.round(seconds)} s`;
  return el(
    'div',
    {
      class: 'small warn-text',
      dataset: { clock: 'wrong' },
      title: 'Check the edge clock (NTP): vessel positions it stamps itself are off by as much',
    },
    `clock ${size} ${skewMs > 0 ? 'ahead' : 'behind'}`,
  );
}

export function renderEdges(state) {
  const list = document.getElementById('edges-list');
  const now = Date.now();
  const edges = [...state.edges.values()].sort((a, b) => a.edgeId.localeCompare(b.edgeId));
  const items = edges.map((edge) =>
    el(
      'li',
      { dataset: { edge: edge.edgeId, state: edge.state } },
      dot(edge.state, edge.state),
      el('span', { class: 'strong' }, edge.edgeId),
      ' ',
      el(
        'span',
        { class: `small ${edge.state === 'online' ? 'ok-text' : 'warn-text'}` },
        edge.state + (edge.state === 'offline' && edge.reason ? ` (${edge.reason})` : ''),
      ),
      el(
        'div',
        { class: 'small sub' },
        `last seen ${ago(edge.lastSeen, now)}${edge.version ? ` · v${edge.version}` : ''}`,
      ),
      clockWarning(edge.clockSkewMs),
    ),
  );
  if (items.length === 0) items.push(el('li', { class: 'empty' }, 'No edge has connected yet.'));
  updateChildren(list, items);
}
