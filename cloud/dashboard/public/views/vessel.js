// The vessel page, `#/vessel/<mmsi>`: who the vessel is (registry: identity, owner and captain with their phones,
// licence), where it is now and was last, its alarms past and present, its voyages from port to port, and its
// track over any date range played back on a time slider (history.js).
import { api } from '../api.js';
import { actionButton, el, timeEl, updateChildren } from '../format.js';
import { dateTime, label, latLon, number, t } from '../i18n.js';
import { MapView } from '../map.js';
import { alarmHead, handledBy } from '../panels.js';
import { defaultRange, loadTrack, TrackPlayer } from '../history.js';
import { baseMapData, situationHref } from '../page-map.js';
import { registerView } from '../views.js';

const H = 3_600_000;
const LAST_POSITIONS = 10;

const vesselOf = (state, mmsi) => state.vessels.find((v) => v.mmsi === mmsi);
const isVesselAlarm = (mmsi) => (alarm) => alarm.originator === `vessel:${mmsi}`;

function section(id, heading, ...children) {
  return el(
    'section',
    { class: 'card', id, 'aria-labelledby': `${id}-h` },
    el('h3', { id: `${id}-h` }, heading),
    ...children,
  );
}

/** A definition list of [label, value] rows; rows without a value are left out. */
function facts(rows) {
  const items = rows.filter(([, value]) => value !== undefined && value !== null && value !== '');
  if (items.length === 0) return el('p', { class: 'empty' }, t('vesselPage.nothingKnown'));
  return el(
    'dl',
    { class: 'facts' },
    items.map(([name, value]) => el('div', {}, el('dt', {}, name), el('dd', {}, value))),
  );
}

const phoneLink = (phone) => phone && el('a', { href: `tel:${phone.replace(/[^+\d]/g, '')}` }, phone);

function licenceState(record, now) {
  if (!record.licenceNumber) return el('span', { class: 'badge unregistered' }, t('vesselPage.licenceNone'));
  const today = new Date(now + 7 * H).toISOString().slice(0, 10);
  const valid =
    (!record.licenceValidFrom || record.licenceValidFrom <= today) &&
    (!record.licenceValidTo || today <= record.licenceValidTo);
  return el(
    'span',
    { class: `badge ${valid ? 'ok' : 'unregistered'}`, dataset: { licence: valid ? 'valid' : 'expired' } },
    t(valid ? 'vesselPage.licenceValid' : 'vesselPage.licenceExpired'),
  );
}

/** Zone names from the page's own read of the zones (the overview's may not be in yet on a direct link). */
let zoneNames = new Map();
const zoneName = (state, id) => (id ? (state.zoneNames.get(id) ?? zoneNames.get(id) ?? id) : undefined);

function identity(state, mmsi, live, record) {
  const name = record?.name ?? live?.name;
  const registered = record ? true : live?.registered;
  return section(
    'vessel-identity',
    t('vesselPage.identity'),
    facts([
      [t('vesselPage.name'), name ?? t('vessels.unnamed')],
      ['MMSI', el('span', { class: 'mono' }, String(mmsi))],
      [t('vessels.col.registration'), record?.registration ?? live?.registration],
      [
        t('vesselPage.length'),
        (record?.lengthM ?? live?.lengthM) && `${number(record?.lengthM ?? live?.lengthM, 1)} m`,
      ],
      [t('vesselPage.tonnage'), record?.grossTonnage !== undefined && number(record.grossTonnage, 1)],
      [t('vesselPage.gear'), record?.gear],
      [t('vesselPage.homePort'), zoneName(state, record?.homePort ?? live?.homePort)],
      [t('vesselPage.vms'), record && (record.vmsDeviceId ?? t('vesselPage.vmsNone'))],
      [t('vesselPage.commune'), record?.communeCode],
      [
        t('vesselPage.registry'),
        registered === false || (!record && state.features.registry)
          ? el('span', { class: 'badge unregistered' }, t('vessels.flagUnregistered'))
          : record?.retiredAt
            ? t('vesselPage.retired', { reason: record.retiredReason ?? '' })
            : record
              ? t('vesselPage.inService')
              : undefined,
      ],
    ]),
  );
}

function contacts(record) {
  return section(
    'vessel-contacts',
    t('vesselPage.contacts'),
    facts([
      [t('vesselPage.owner'), record?.ownerName],
      [t('vesselPage.ownerPhone'), phoneLink(record?.ownerPhone)],
      [t('vesselPage.captain'), record?.captainName],
      [t('vesselPage.captainPhone'), phoneLink(record?.captainPhone)],
    ]),
  );
}

function licence(record, now) {
  return section(
    'vessel-licence',
    t('vesselPage.licence'),
    record
      ? facts([
          [t('vesselPage.licenceState'), licenceState(record, now)],
          [t('vesselPage.licenceNumber'), record.licenceNumber],
          [
            t('vesselPage.licenceZone'),
            record.licenceZoneClass && label('zoneKind', record.licenceZoneClass),
          ],
          [t('vesselPage.licenceFrom'), record.licenceValidFrom],
          [t('vesselPage.licenceTo'), record.licenceValidTo],
        ])
      : el('p', { class: 'empty' }, t('vesselPage.noRegistry')),
  );
}

function now(state, live) {
  if (!live)
    return section(
      'vessel-now',
      t('vesselPage.now'),
      el('p', { class: 'empty' }, t('vesselPage.notTracked')),
    );
  const zones = live.zones.map((id) => zoneName(state, id)).join(', ');
  return section(
    'vessel-now',
    t('vesselPage.now'),
    facts([
      [t('vesselPage.status'), label('vesselStatus', live.status)],
      [t('vessels.col.position'), el('span', { class: 'mono' }, latLon(live.lat, live.lon))],
      [t('vesselPage.seen'), dateTime(live.ts)],
      [t('vesselPage.speed'), typeof live.sog === 'number' && t('playback.sog', { kn: number(live.sog, 1) })],
      [t('vesselPage.course'), typeof live.cog === 'number' && `${Math.round(live.cog)}°`],
      [t('vessels.col.zone'), zones || t('vessels.outside')],
    ]),
  );
}

function alarmItem(alarm, onShowTime) {
  const active = alarm.status.startsWith('ACTIVE');
  return el(
    'li',
    {
      class: `alarm sev-${alarm.severity}${active ? '' : ' history'}`,
      dataset: { alarmId: alarm.id, status: alarm.status },
    },
    alarmHead(
      alarm,
      el(
        'span',
        { class: `badge ${active ? 'alarm-on' : 'muted'}` },
        t(active ? 'vesselPage.alarmActive' : 'vesselPage.alarmCleared'),
      ),
    ),
    el(
      'div',
      { class: 'alarm-meta' },
      `${t('alarms.since')} `,
      timeEl(alarm.startTs, dateTime(alarm.startTs)),
      handledBy(alarm),
    ),
    el(
      'div',
      { class: 'alarm-actions' },
      actionButton('show-time', t('vesselPage.onTrack'), () => onShowTime(alarm.startTs), {
        changes: false,
        class: 'link-button',
      }),
      el('a', { href: situationHref(alarm.startTs), class: 'link-button' }, t('vesselPage.situationThen')),
    ),
  );
}

function voyagesTable(state, voyages, onPlay) {
  if (voyages.length === 0) return el('p', { class: 'empty' }, t('vesselPage.noVoyages'));
  const rows = [...voyages]
    .reverse()
    .map((v) =>
      el(
        'tr',
        { dataset: { voyage: String(v.id) } },
        el(
          'td',
          {},
          zoneName(state, v.departurePort),
          el('br'),
          timeEl(v.departureTs, dateTime(v.departureTs)),
        ),
        el(
          'td',
          {},
          v.arrivalTs === undefined
            ? el('span', { class: 'badge ok' }, t('vesselPage.atSea'))
            : [zoneName(state, v.arrivalPort), el('br'), timeEl(v.arrivalTs)],
        ),
        el('td', { class: 'num' }, v.durationH === undefined ? '—' : number(v.durationH, 1)),
        el('td', { class: 'num' }, number(v.distanceKm, 1)),
        el(
          'td',
          {},
          el(
            'button',
            { type: 'button', class: 'link-button', onclick: () => onPlay(v) },
            t('vesselPage.playVoyage'),
          ),
        ),
      ),
    );
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { class: 'table', id: 'voyages-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, t('vesselPage.departure')),
          el('th', { scope: 'col' }, t('vesselPage.arrival')),
          el('th', { scope: 'col', class: 'num' }, t('vesselPage.durationH')),
          el('th', { scope: 'col', class: 'num' }, t('vesselPage.distanceKm')),
          el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, t('vesselPage.playVoyage'))),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );
}

function positionsTable(track) {
  const last = track.times
    .map((ts, i) => i)
    .slice(-LAST_POSITIONS)
    .reverse();
  if (last.length === 0) return el('p', { class: 'empty' }, t('playback.none'));
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { class: 'table', id: 'positions-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, t('vesselPage.time')),
          el('th', { scope: 'col' }, t('vessels.col.position')),
          el('th', { scope: 'col', class: 'num' }, t('vessels.col.speed')),
          el('th', { scope: 'col', class: 'num' }, t('vesselPage.course')),
        ),
      ),
      el(
        'tbody',
        {},
        last.map((i) =>
          el(
            'tr',
            {},
            el('td', {}, timeEl(track.times[i])),
            el('td', { class: 'mono small' }, latLon(track.coordinates[i][1], track.coordinates[i][0])),
            el('td', { class: 'num' }, typeof track.sog[i] === 'number' ? number(track.sog[i], 1) : '—'),
            el(
              'td',
              { class: 'num' },
              typeof track.cog[i] === 'number' ? `${Math.round(track.cog[i])}°` : '—',
            ),
          ),
        ),
      ),
    ),
  );
}

registerView({
  name: 'vessel',
  feature: 'fisheries',
  title: ([mmsi]) => t('vesselPage.title', { mmsi }),

  async mount(container, [mmsiText], context) {
    const mmsi = Number(mmsiText);
    if (!/^\d{1,9}$/.test(mmsiText ?? '')) {
      container.replaceChildren(
        el('p', { class: 'page-message' }, t('vesselPage.badMmsi', { mmsi: mmsiText })),
      );
      return undefined;
    }
    const { state } = context;
    const features = state.features;
    const subtitle = el('p', { class: 'page-subtitle', id: 'vessel-name' });
    const mapElement = el('div', {
      class: 'page-map',
      id: 'vessel-map',
      role: 'region',
      'aria-label': t('vesselPage.mapLabel'),
    });
    const controls = el('div', { class: 'track-controls', id: 'track-controls' });
    const side = el('div', { class: 'vessel-facts' });
    const alarmsBox = el('ul', { class: 'alarm-list', id: 'vessel-alarms' });
    const voyagesBox = el('div', { id: 'vessel-voyages-body' });
    const positionsBox = el('div', { id: 'vessel-positions-body' });
    container.replaceChildren(
      subtitle,
      el(
        'div',
        { class: 'vessel-page' },
        el(
          'div',
          { class: 'vessel-history' },
          section('vessel-track', t('vesselPage.track'), mapElement, controls),
          section('vessel-alarms-card', t('vesselPage.alarms'), alarmsBox),
          section('vessel-voyages', t('vesselPage.voyages'), voyagesBox),
          section('vessel-positions', t('vesselPage.lastPositions'), positionsBox),
        ),
        side,
      ),
    );

    const mapView = new MapView(mapElement, { still: true });
    mapView.data.selected = mmsi;
    const base = baseMapData(features);
    void base.land.then((land) => land && !mapView.removed && mapView.setLand(land));
    const zones = await base.zones;
    if (zones && !mapView.removed) {
      zoneNames = new Map(zones.features.map((f) => [f.id, f.properties?.name ?? f.id]));
      mapView.setZones(zones, { fit: false });
    }

    let record;
    let pastAlarms = [];
    const drawFacts = () => {
      const live = vesselOf(state, mmsi);
      const name = record?.name ?? live?.name;
      subtitle.textContent = [name ?? t('vessels.unnamed'), record?.registration ?? live?.registration]
        .filter(Boolean)
        .join(' · ');
      // Redrawn at every vessel poll: only what changed is replaced (a tapped phone link stays put).
      updateChildren(side, [
        identity(state, mmsi, live, record),
        contacts(record),
        licence(record, Date.now()),
        now(state, live),
      ]);
    };
    const drawAlarms = () => {
      const active = [...state.alarms.values()].filter(isVesselAlarm(mmsi));
      const activeIds = new Set(active.map((a) => a.id));
      const all = [
        ...active,
        ...pastAlarms.filter((a) => !activeIds.has(a.id) && !a.status.startsWith('ACTIVE')),
      ];
      all.sort((a, b) => b.startTs - a.startTs);
      updateChildren(
        alarmsBox,
        all.length
          ? all.map((alarm) => alarmItem(alarm, showTime))
          : [el('li', { class: 'empty calm' }, t('vesselPage.noAlarms'))],
      );
    };

    let generation = 0;
    const player = new TrackPlayer(mapView.map, controls, {
      layer: mapView.layers.track,
      onRange: (from, to) => void showRange(from, to),
      ranges: [
        { key: 'departure', range: () => defaultRange(mmsi, features) },
        { key: 'day', range: async () => ({ from: Date.now() - 24 * H, to: Date.now() }) },
        { key: 'week', range: async () => ({ from: Date.now() - 7 * 24 * H, to: Date.now() }) },
      ],
    });
    const showRange = async (from, to, fit = true) => {
      if (mapView.removed) return;
      const mine = ++generation;
      try {
        const track = await loadTrack(mmsi, from, to);
        if (mine !== generation) return;
        player.setTrack(track);
        if (fit) player.fit();
      } catch (error) {
        if (mine !== generation) return;
        player.setTrack(
          { mmsi, from, to, coordinates: [], times: [], sog: [], cog: [], total: 0 },
          { error },
        );
      }
    };
    /** An alarm's moment on the track: seek there, or load the day around it when it is outside the range. */
    async function showTime(ts) {
      const track = player.track;
      if (!track || ts < track.from || ts > track.to)
        await showRange(ts - 12 * H, Math.min(Date.now(), ts + 12 * H));
      player.seek(ts);
      mapElement.scrollIntoView({ block: 'nearest' });
    }

    drawFacts();
    drawAlarms();
    const loads = [
      defaultRange(mmsi, features).then(({ from, to }) => showRange(from, to)),
      loadTrack(mmsi, Date.now() - 24 * H, Date.now(), 5000).then(
        (track) => positionsBox.replaceChildren(positionsTable(track)),
        () => positionsBox.replaceChildren(el('p', { class: 'empty' }, t('vesselPage.unavailable'))),
      ),
    ];
    if (features.registry)
      loads.push(
        api(`/api/v1/registry/vessels?mmsi=${mmsi}`).then(({ vessels }) => {
          record = vessels[0];
          drawFacts();
        }),
      );
    if (features.alarms)
      loads.push(
        api(`/api/v1/alarms?originator=vessel:${mmsi}`).then(({ alarms }) => {
          pastAlarms = alarms;
          drawAlarms();
        }),
      );
    else alarmsBox.replaceChildren(el('li', { class: 'empty' }, t('alarms.disabled')));
    if (features.office)
      loads.push(
        api(`/api/v1/voyages?mmsi=${mmsi}`).then(({ voyages }) =>
          voyagesBox.replaceChildren(
            voyagesTable(state, voyages, (v) => void showRange(v.departureTs, v.arrivalTs ?? Date.now())),
          ),
        ),
      );
    else voyagesBox.replaceChildren(el('p', { class: 'empty' }, t('vesselPage.noOffice')));
    const redraw = { drawFacts, drawAlarms };
    this.redraw = redraw;
    await Promise.allSettled(loads);
    return () => {
      generation++;
      player.destroy();
      mapView.remove();
      // A newer mount of this page (the language switched meanwhile) keeps its own.
      if (this.redraw === redraw) this.redraw = undefined;
    };
  },

  update(changed) {
    if (!this.redraw) return;
    if (changed.has('vessels')) this.redraw.drawFacts();
    if (changed.has('alarms')) this.redraw.drawAlarms();
  },
});
