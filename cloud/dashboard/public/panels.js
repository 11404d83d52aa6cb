// Rendering of the list panels from the page state (see app.js). Each function replaces its panel's content.
import {
  actionButton,
  detailText,
  el,
  humanKey,
  isTimeKey,
  severityRank,
  timeEl,
  updateChildren,
} from './format.js';
import { triageControls } from './triage.js';
import { alarmMatches, cameraMatches, sortByColumn, vesselMatches } from './filters.js';
import { href } from './views.js';
import { ago, clockTime, dateTime, label, latLon, number, percent, t } from './i18n.js';
import { distanceText } from './located-fires.js';
import { situationHref, vesselHref } from './page-map.js';

const MAX_VESSEL_ROWS = 500;

function badge(text, kind) {
  return el('span', { class: `badge ${kind}` }, text);
}

function dot(kind, text) {
  return el('span', { class: `status-dot ${kind}`, role: 'img', 'aria-label': text, title: text });
}

/** A link to the vessel's page (`#/vessel/<mmsi>`). */
const vesselLink = (mmsi, text) => el('a', { href: vesselHref(mmsi), class: 'vessel-link' }, text);

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

/** The vessels the table lists, in its order: the search and filters applied, sorted as chosen. */
export function tableOrder(vessels, state) {
  return sortByColumn(sortVessels(vessels, state.alarmedVessels), state.sort);
}

export function renderVessels(state, { onSelect }) {
  const body = document.getElementById('vessels-body');
  const note = document.getElementById('vessels-note');
  if (!state.features.fisheries) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: 9, class: 'empty' }, t('vessels.disabled'))));
    note.textContent = '';
    return;
  }
  const focusedMmsi = document.activeElement?.closest?.('#vessels-body tr')?.dataset.mmsi;
  const now = Date.now();
  const matching = state.vessels.filter((v) => vesselMatches(v, state));
  const sorted = tableOrder(matching, state);
  const rows = sorted.slice(0, MAX_VESSEL_ROWS).map((v) => {
    const alarm = state.alarmedVessels.get(v.mmsi);
    // The zone kind reads at a glance (the rules work on it); the full names are in the tooltip.
    const port =
      v.status === 'in_port' && v.nearestPort
        ? t('vessels.port', { name: state.zoneNames.get(v.nearestPort.id) ?? v.nearestPort.id })
        : undefined;
    const kinds = [...new Set(v.zones.map((id) => state.zoneKinds.get(id) ?? id))].sort((a, b) =>
      a === 'closed' ? -1 : b === 'closed' ? 1 : a.localeCompare(b),
    );
    const zoneText =
      [...kinds.map((kind) => label('zoneKind', kind)), port].filter(Boolean).join(' · ') || '—';
    const zoneTitle =
      [...v.zones.map((id) => state.zoneNames.get(id) ?? id), port].filter(Boolean).join('\n') ||
      t('vessels.outside');
    const flags = [
      alarm
        ? el(
            'span',
            {
              class: `badge sev-${alarm}`,
              title: t('vessels.flagAlarmTitle', { severity: label('severity', alarm) }),
            },
            t('vessels.flagAlarm'),
          )
        : null,
      v.status === 'silent' ? badge(t('vessels.flagSilent'), 'silent') : null,
      v.status === 'in_port' ? badge(t('vessels.flagInPort'), 'muted') : null,
      v.registered ? null : badge(t('vessels.flagUnregistered'), 'unregistered'),
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
      el('td', { class: 'mono', dataset: { col: 'mmsi' } }, vesselLink(v.mmsi, String(v.mmsi))),
      el(
        'td',
        { class: 'strong', dataset: { col: 'name' }, title: v.name },
        v.name ? vesselLink(v.mmsi, v.name) : '—',
      ),
      el('td', { class: 'flags', dataset: { col: 'flags' } }, flags),
      el('td', { class: 'mono', dataset: { col: 'registration' } }, v.registration ?? '—'),
      el(
        'td',
        { class: 'num', dataset: { col: 'length' } },
        typeof v.lengthM === 'number' ? number(v.lengthM, 1) : '—',
      ),
      el('td', { class: 'mono small', dataset: { col: 'position' } }, latLon(v.lat, v.lon)),
      el(
        'td',
        { class: 'num', dataset: { col: 'speed' } },
        typeof v.sog === 'number' ? number(v.sog, 1) : '—',
      ),
      el(
        'td',
        { class: 'small', dataset: { col: 'seen' } },
        el('time', { datetime: new Date(v.ts).toISOString(), title: dateTime(v.ts) }, ago(v.ts, now)),
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
    row.addEventListener('click', (event) => {
      // The name is a link to the vessel page: following it does not also select the row.
      if (!event.target.closest('a')) onSelect(v.mmsi);
    });
    row.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onSelect(v.mmsi);
      }
    });
    return row;
  });
  if (rows.length === 0) {
    const empty = t(state.vessels.length ? 'vessels.noMatch' : 'vessels.none');
    rows.push(el('tr', {}, el('td', { colspan: 9, class: 'empty' }, empty)));
  }
  updateChildren(body, rows);
  const silent = state.vessels.filter((v) => v.status === 'silent').length;
  const unregistered = state.vessels.filter((v) => !v.registered).length;
  note.textContent = [
    t('vessels.note', { total: state.vessels.length, silent, unregistered }),
    matching.length < state.vessels.length ? t('vessels.shown', { n: matching.length }) : null,
    sorted.length > MAX_VESSEL_ROWS ? t('vessels.firstShown', { n: MAX_VESSEL_ROWS }) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  if (focusedMmsi) body.querySelector(`tr[data-mmsi="${focusedMmsi}"]`)?.focus();
}

/** Who raised an alarm: the vessel (from `vessels`, the list that knows it) by name and registration, or the camera. */
function originatorText(alarm, vessels) {
  const vessel = /^vessel:(\d+)$/.exec(alarm.originator);
  if (vessel) {
    const mmsi = Number(vessel[1]);
    const known = vessels.find((v) => v.mmsi === mmsi);
    if (known?.name)
      return known.registration
        ? t('alarms.vesselRegistered', { name: known.name, registration: known.registration, mmsi })
        : t('alarms.vessel', { name: known.name, mmsi });
    return t(known && !known.registration ? 'alarms.vesselUnregistered' : 'alarms.vesselUnknown', { mmsi });
  }
  const edge = /^edge:(.+)$/.exec(alarm.originator);
  if (edge) return t('alarms.edge', { edge: edge[1] });
  const camera = /^camera:(.+)$/.exec(alarm.originator);
  const cameraName = alarm.details?.cameraName;
  if (camera)
    return t('alarms.camera', {
      camera: typeof cameraName === 'string' ? `${cameraName} (${camera[1]})` : camera[1],
    });
  return alarm.originator;
}

/** Who raised it; a vessel links to its page. */
export function originatorEl(alarm, vessels) {
  const vessel = /^vessel:(\d+)$/.exec(alarm.originator);
  const text = originatorText(alarm, vessels);
  return vessel ? vesselLink(Number(vessel[1]), text) : text;
}

/** Severity and type of an alarm, then `extra` (a count, a state badge). */
export function alarmHead(alarm, ...extra) {
  return el(
    'div',
    { class: 'alarm-head' },
    el('span', { class: `sev sev-${alarm.severity}` }, label('severity', alarm.severity)),
    el('span', { class: 'alarm-type' }, label('alarmType', alarm.type)),
    ...extra,
  );
}

/** Who acknowledged and who cleared an alarm, and when (`neverAcked`: say so when nobody did). */
export function handledBy(alarm, { neverAcked = false } = {}) {
  return [
    alarm.ackTs
      ? [' · ', t('history.acked', { name: alarm.ackBy ?? '?' }), ' ', timeEl(alarm.ackTs)]
      : neverAcked
        ? [' · ', t('history.neverAcked')]
        : null,
    alarm.clearTs
      ? [' · ', t('history.cleared', { name: alarm.clearBy ?? '?' }), ' ', timeEl(alarm.clearTs)]
      : null,
  ];
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
  // A fire's location: said in words by alarmLocation.
  'cameraName',
  'cameraLat',
  'cameraLon',
  'locatedFireId',
  'locatedBy',
  'errorM',
  'distanceM',
  'rangeM',
  'placeArea',
  'nearPlace',
  'nearPlaceDistanceM',
  'nearPlaceBearingDeg',
]);

function alarmDetails(alarm, state) {
  const details = alarm.details ?? {};
  const entries = Object.entries(details).filter(([key, value]) => {
    if (REDUNDANT_DETAILS.has(key) || value === undefined || value === null) return false;
    // `zoneId` next to `zoneName`: the name says it.
    return !(key.endsWith('Id') && `${key.slice(0, -2)}Name` in details);
  });
  // A fire's located point is said in its location line (alarmLocation).
  if (alarm.type !== 'fire' && typeof details.lat === 'number' && typeof details.lon === 'number')
    entries.push(['position', latLon(details.lat, details.lon)]);
  const items = [];
  for (const [key, value] of entries) {
    let text;
    let name = humanKey(key);
    if (isTimeKey(key, value)) text = clockTime(value);
    else if (typeof value === 'string' && state.zoneNames.has(value)) {
      text = state.zoneNames.get(value);
      name = name.replace(/ id$/, '');
    } else if (key === 'confidence' && typeof value === 'number') text = percent(value);
    else if (key === 'className' && typeof value === 'string') text = label('fireClass', value);
    else if (key === 'zoneKind' && typeof value === 'string') text = label('zoneKind', value);
    else if (typeof value === 'boolean' || value === 'ENT' || value === 'EXI')
      text = label('value', String(value));
    else text = detailText(value);
    items.push(el('div', { class: 'detail' }, el('dt', {}, name), el('dd', {}, text)));
    if (items.length >= 6) break;
  }
  return items.length ? el('dl', { class: 'details' }, items) : null;
}

/** Fires first (a ranger's phone shows them at the top), then unacknowledged, then most severe, then newest. */
export function sortAlarms(alarms) {
  return [...alarms].sort(
    (a, b) =>
      (a.type === 'fire' ? 0 : 1) - (b.type === 'fire' ? 0 : 1) ||
      (a.status === 'ACTIVE_UNACK' ? 0 : 1) - (b.status === 'ACTIVE_UNACK' ? 0 : 1) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      b.updatedAt - a.updatedAt,
  );
}

/** Where to look: the camera's tower and the bearing to the fire; a vessel's last position. */
function alarmLocation(alarm, state) {
  const camera = /^camera:(.+)$/.exec(alarm.originator);
  if (camera) {
    const { lat, lon, errorM, locatedBy, placeArea } = alarm.details ?? {};
    if (typeof lat === 'number' && typeof lon === 'number') {
      const located = t('alarms.fireLocated', {
        position: latLon(lat, lon),
        error: distanceText(typeof errorM === 'number' ? errorM : 0),
        n: locatedBy ?? 2,
      });
      return { position: { lat, lon }, text: placeArea ? `${located}, ${placeArea}` : located };
    }
    const position = state.cameras.get(camera[1])?.position;
    if (!position) return undefined;
    const bearing = alarm.details?.bearingToFireDeg;
    return {
      position,
      text:
        typeof bearing === 'number'
          ? t('alarms.fireLocation', {
              position: latLon(position.lat, position.lon),
              deg: Math.round(bearing),
            })
          : t('alarms.cameraLocation', { position: latLon(position.lat, position.lon) }),
    };
  }
  const vessel = /^vessel:(\d+)$/.exec(alarm.originator);
  const known = vessel && state.vessels.find((v) => v.mmsi === Number(vessel[1]));
  return known ? { position: { lat: known.lat, lon: known.lon }, text: undefined } : undefined;
}

/**
 * The group of the alarm list that holds fires or the other (vessel) alarms: its heading and its own list, made once
 * and kept, so that a change redraws only the alarms that changed.
 */
function alarmGroup(list, name) {
  let group = list.querySelector(`:scope > li.alarm-group[data-group="${name}"]`);
  if (!group) {
    const heading = `alarm-group-${name}`;
    group = el(
      'li',
      { class: `alarm-group group-${name}`, dataset: { group: name } },
      el('h3', { class: 'group-head', id: heading }),
      el('ol', { class: 'alarm-list', 'aria-labelledby': heading }),
    );
    if (name === 'fire') list.prepend(group);
    else list.append(group);
  }
  return group;
}

/**
 * Fires stand apart from the vessel alarms, in a group of their own at the top (on the phone too): a ranger never
 * scrolls past IUU alarms, and a fire that still burns stays above them once acknowledged.
 */
export function renderAlarms(state, { onAck, onClear, onShowOnMap, onTriage }) {
  const list = document.getElementById('alarms-list');
  const note = document.getElementById('alarms-note');
  if (!state.features.alarms) {
    list.replaceChildren(el('li', { class: 'empty' }, t('alarms.disabled')));
    return;
  }
  for (const child of [...list.children]) if (!child.classList.contains('alarm-group')) child.remove();
  const alarms = sortAlarms([...state.alarms.values()].filter((alarm) => alarmMatches(alarm, state)));
  const focused = document.activeElement?.closest?.('#alarms-list li[data-alarm-id]');
  const focusedId = focused?.dataset.alarmId;
  const focusedAction = document.activeElement?.dataset?.action;
  const fires = alarms.filter((alarm) => alarm.type === 'fire');
  const others = alarms.filter((alarm) => alarm.type !== 'fire');
  const groups = [
    { name: 'fire', alarms: fires, shown: state.features.fire || fires.length > 0 },
    { name: 'other', alarms: others, shown: state.features.fisheries || others.length > 0 },
  ];
  for (const { name, alarms: members, shown } of groups) {
    const group = alarmGroup(list, name);
    group.hidden = !shown;
    const unackCount = members.filter((a) => a.status === 'ACTIVE_UNACK').length;
    group.querySelector('.group-head').textContent = t(`alarms.group.${name}`, { n: members.length });
    group.classList.toggle('has-unack', unackCount > 0);
    const items = members.map((alarm) => alarmItem(alarm, state, { onAck, onClear, onShowOnMap, onTriage }));
    if (items.length === 0) items.push(el('li', { class: 'empty calm' }, t(`alarms.group.${name}None`)));
    updateChildren(group.querySelector('ol'), items);
  }
  const unack = alarms.filter((a) => a.status === 'ACTIVE_UNACK').length;
  note.textContent = alarms.length ? t('alarms.note', { n: unack }) : '';
  if (focusedId) {
    const item = list.querySelector(`li[data-alarm-id="${focusedId}"]`);
    (item?.querySelector(`button[data-action="${focusedAction}"]`) ?? item?.querySelector('button'))?.focus();
  }
}

function alarmItem(alarm, state, { onAck, onClear, onShowOnMap, onTriage }) {
  const unack = alarm.status === 'ACTIVE_UNACK';
  const what = `${label('alarmType', alarm.type)} — ${originatorText(alarm, state.vessels)}`;
  const snapshot =
    typeof alarm.details?.snapshot === 'string'
      ? `/api/v1/fire/snapshots/${alarm.details.snapshot}`
      : undefined;
  const error = state.alarmErrors.get(alarm.id);
  const location = alarmLocation(alarm, state);
  return el(
    'li',
    {
      class: `alarm sev-${alarm.severity}${unack ? ' unack' : ' acked'}`,
      dataset: { alarmId: alarm.id, type: alarm.type, status: alarm.status },
    },
    alarmHead(
      alarm,
      alarm.count > 1
        ? el('span', { class: 'count', title: t('alarms.timesRaised') }, `×${alarm.count}`)
        : null,
    ),
    el('div', { class: 'alarm-originator' }, originatorEl(alarm, state.vessels)),
    el(
      'div',
      { class: 'alarm-meta' },
      `${t('alarms.since')} `,
      timeEl(alarm.startTs),
      alarm.lastTs !== alarm.startTs ? [` · ${t('alarms.last')} `, timeEl(alarm.lastTs)] : null,
      ' · ',
      unack
        ? el('strong', { class: 'unack-text' }, t('alarms.notAcknowledged'))
        : el('span', {}, `${t('alarms.acknowledgedBy', { name: alarm.ackBy ?? '?' })} `, timeEl(alarm.ackTs)),
    ),
    el(
      'div',
      { class: 'alarm-body' },
      snapshot
        ? el(
            'a',
            typeof alarm.details.alertId === 'string'
              ? { href: href('fire', alarm.details.alertId), class: 'thumb-link' }
              : { href: snapshot, target: '_blank', rel: 'noopener', class: 'thumb-link' },
            el('img', {
              class: 'thumb small',
              src: snapshot,
              alt: t('alarms.snapshotAlt', { what }),
              loading: 'lazy',
            }),
          )
        : null,
      alarmDetails(alarm, state),
    ),
    location?.text ? el('p', { class: 'alarm-location' }, location.text) : null,
    alarm.type === 'fire' && onTriage ? triageControls(alarm, onTriage) : null,
    error ? el('p', { class: 'inline-error', role: 'alert' }, error) : null,
    el(
      'div',
      { class: 'alarm-actions' },
      unack
        ? actionButton('ack', t('alarms.ack'), () => onAck(alarm), {
            primary: true,
            'aria-label': t('alarms.ackLabel', { what }),
          })
        : null,
      actionButton('clear', t('alarms.clear'), () => onClear(alarm), {
        'aria-label': t('alarms.clearLabel', { what }),
      }),
      location
        ? actionButton('map', t('alarms.map'), () => onShowOnMap(alarm, location.position), {
            changes: false,
            'aria-label': t('alarms.mapLabel', { what }),
          })
        : null,
    ),
  );
}

export function renderFires(state) {
  const list = document.getElementById('fires-list');
  if (!state.features.fire) {
    list.replaceChildren(el('li', { class: 'empty' }, t('fires.disabled')));
    return;
  }
  const now = Date.now();
  const fires = [...state.fires.values()].sort(
    (a, b) => (a.event === 'end' ? 1 : 0) - (b.event === 'end' ? 1 : 0) || b.ts - a.ts,
  );
  const items = fires.slice(0, 50).map((fire) => {
    const active = fire.event !== 'end';
    const image = fire.snapshotUrl ?? fire.snapshotData;
    const cls = label('fireClass', fire.className.toLowerCase());
    const camera = `${fire.edgeId}/${fire.cameraId}`;
    return el(
      'li',
      { class: `fire ${active ? 'active' : 'ended'}`, dataset: { alertId: fire.alertId } },
      image
        ? el(
            'a',
            {
              href: href('fire', fire.alertId),
              class: 'thumb-link',
              'aria-label': t('fires.openAlert', { className: cls, camera }),
            },
            el('img', {
              class: 'thumb',
              src: image,
              alt: t('fires.snapshotAlt', { className: cls, camera: fire.cameraId }),
              loading: 'lazy',
            }),
          )
        : el('div', { class: 'thumb placeholder', 'aria-hidden': 'true' }, t('fires.noSnapshot')),
      el(
        'div',
        { class: 'fire-text' },
        el(
          'div',
          {},
          el(
            'span',
            { class: `badge ${active ? 'fire-badge' : 'muted'}` },
            active ? cls.toUpperCase() : t('fires.ended', { className: cls }),
          ),
          ' ',
          el('span', { class: 'strong' }, percent(fire.confidence)),
        ),
        el('div', { class: 'small' }, `${fire.cameraId} @ ${fire.edgeId}`),
        el(
          'div',
          { class: 'small muted-text' },
          `${t('fires.firstSeen')} `,
          timeEl(fire.firstSeenTs),
          ` (${ago(fire.firstSeenTs, now)})`,
        ),
        typeof fire.bearingToFireDeg === 'number'
          ? el('div', { class: 'small' }, t('fires.bearing', { deg: Math.round(fire.bearingToFireDeg) }))
          : null,
      ),
    );
  });
  if (items.length === 0) items.push(el('li', { class: 'empty calm' }, t('fires.none')));
  updateChildren(list, items);
}

export function renderCameras(state) {
  const list = document.getElementById('cameras-list');
  const now = Date.now();
  const cameras = [...state.cameras.values()]
    .filter((camera) => cameraMatches(camera, state))
    .sort((a, b) => a.key.localeCompare(b.key));
  const items = cameras.map((camera) => {
    const online = camera.stream ? camera.stream.state === 'online' : camera.state === 'online';
    const fire = state.fireCameras.has(camera.key);
    const last = camera.stream?.lastFrameTs;
    const muteUntil = state.cameraSettings?.get(camera.key)?.muteUntil;
    return el(
      'li',
      { class: `${fire ? 'fire-cam' : ''}`, dataset: { camera: camera.key } },
      dot(
        fire ? 'fire' : online ? 'online' : 'offline',
        t(fire ? 'cameras.fireAlert' : online ? 'cameras.online' : 'cameras.offline'),
      ),
      el('span', { class: 'strong' }, camera.cameraId),
      fire ? el('span', { class: 'badge fire-badge' }, t('cameras.fire')) : null,
      muteUntil > now
        ? el(
            'span',
            { class: 'badge muted-camera', title: dateTime(muteUntil) },
            t('cameras.mutedUntil', { time: clockTime(muteUntil) }),
          )
        : null,
      el(
        'a',
        {
          class: 'camera-settings-link',
          href: href('camera', camera.edgeId, camera.cameraId),
          'aria-label': t('cameras.settingsLabel', { camera: camera.cameraId }),
        },
        t('cameras.settings'),
      ),
      el(
        'div',
        { class: 'small sub' },
        [
          camera.edgeId,
          camera.state !== 'online' ? t('cameras.onvif', { state: camera.state }) : null,
          camera.stream ? t('cameras.stream', { state: camera.stream.state }) : t('cameras.noStream'),
          last ? t('cameras.frame', { ago: ago(last, now) }) : null,
          camera.stream?.restarts ? t('cameras.restarts', { n: camera.stream.restarts }) : null,
        ]
          .filter(Boolean)
          .join(' · '),
      ),
    );
  });
  if (!state.features.cameras && items.length === 0)
    items.push(el('li', { class: 'empty' }, t('cameras.disabled')));
  else if (items.length === 0) items.push(el('li', { class: 'empty' }, t('cameras.none')));
  updateChildren(list, items);
}

/** Beyond 30 s the positions an edge stamps itself are at the wrong time: say so where the control room looks. */
function clockWarning(skewMs) {
  if (typeof skewMs !== 'number' || Math.abs(skewMs) <= 30_000) return null;
  const seconds = Math.abs(skewMs) / 1000;
  const size =
    seconds >= 5400
      ? t('unit.h', { n: Math.round(seconds / 3600) })
      : seconds >= 90
        ? t('unit.min', { n: Math.round(seconds / 60) })
        : t('unit.s', { n: Math.round(seconds) });
  return el(
    'div',
    {
      class: 'small warn-text',
      dataset: { clock: 'wrong' },
      title: t('edges.clockTitle'),
    },
    t('edges.clock', { size, direction: t(skewMs > 0 ? 'edges.clockAhead' : 'edges.clockBehind') }),
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
      dot(edge.state, label('edges', edge.state)),
      el('span', { class: 'strong' }, edge.edgeId),
      ' ',
      el(
        'span',
        { class: `small ${edge.state === 'online' ? 'ok-text' : 'warn-text'}` },
        label('edges', edge.state) + (edge.state === 'offline' && edge.reason ? ` (${edge.reason})` : ''),
      ),
      el(
        'div',
        { class: 'small sub' },
        `${t('edges.lastSeen', { ago: ago(edge.lastSeen, now) })}${edge.version ? ` · v${edge.version}` : ''}`,
      ),
      clockWarning(edge.clockSkewMs),
    ),
  );
  if (items.length === 0) items.push(el('li', { class: 'empty' }, t('edges.none')));
  updateChildren(list, items);
}

/** Cleared alarms, newest first: who acknowledged and who cleared each, and when. */
export function renderHistory(state) {
  const list = document.getElementById('history-list');
  const alarms = [...state.history.values()]
    .filter((alarm) => alarmMatches(alarm, state))
    .sort((a, b) => (b.clearTs ?? b.updatedAt) - (a.clearTs ?? a.updatedAt))
    .slice(0, 200);
  const items = alarms.map((alarm) =>
    el(
      'li',
      { class: `alarm history sev-${alarm.severity}`, dataset: { alarmId: alarm.id, type: alarm.type } },
      alarmHead(alarm),
      el('div', { class: 'alarm-originator' }, originatorEl(alarm, state.vessels)),
      el(
        'div',
        { class: 'alarm-meta' },
        `${t('alarms.since')} `,
        timeEl(alarm.startTs),
        handledBy(alarm, { neverAcked: true }),
      ),
      el(
        'div',
        { class: 'alarm-actions' },
        el('a', { href: situationHref(alarm.startTs), class: 'link-button' }, t('vesselPage.situationThen')),
      ),
    ),
  );
  if (items.length === 0) items.push(el('li', { class: 'empty calm' }, t('history.none')));
  updateChildren(list, items);
}
