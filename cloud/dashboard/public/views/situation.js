// The situation at a moment, `#/situation/<ms>`, for an incident review: where every vessel was last seen before
// that moment (within a window) and the alarms that were active then, as they were then (GET situation).
import { api } from '../api.js';
import { el, timeEl } from '../format.js';
import { dateTime, latLon, number, t } from '../i18n.js';
import { MapView } from '../map.js';
import { alarmHead, handledBy, originatorEl } from '../panels.js';
import { fromDateField, toDateField } from '../history.js';
import { baseMapData, situationHref, vesselHref } from '../page-map.js';
import { registerView } from '../views.js';

const H = 3_600_000;
const WINDOWS_H = [1, 3, 6, 12, 24];
const DEFAULT_WINDOW_H = 6;

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Most severe alarm of each vessel at the moment. */
function alarmedVessels(alarms) {
  const order = ['CRITICAL', 'MAJOR', 'MINOR', 'WARNING', 'INDETERMINATE'];
  const worst = new Map();
  for (const alarm of alarms) {
    const match = /^vessel:(\d+)$/.exec(alarm.originator);
    if (!match) continue;
    const mmsi = Number(match[1]);
    const known = worst.get(mmsi);
    if (!known || order.indexOf(alarm.severity) < order.indexOf(known)) worst.set(mmsi, alarm.severity);
  }
  return worst;
}

function vesselName(vessel) {
  return vessel?.name ?? t('vessels.unnamed');
}

/** The alarm as it stood at the moment: acknowledged then, or not yet. */
function alarmItem(alarm, vessels) {
  const unack = alarm.status === 'ACTIVE_UNACK';
  return el(
    'li',
    {
      class: `alarm sev-${alarm.severity}${unack ? ' unack' : ' acked'}`,
      dataset: { alarmId: alarm.id, status: alarm.status },
    },
    alarmHead(alarm),
    el('div', { class: 'alarm-originator' }, originatorEl(alarm, vessels)),
    el(
      'div',
      { class: 'alarm-meta' },
      `${t('alarms.since')} `,
      timeEl(alarm.startTs, dateTime(alarm.startTs)),
      unack
        ? [' · ', el('strong', { class: 'unack-text' }, t('situation.notAcknowledgedThen'))]
        : handledBy(alarm),
    ),
  );
}

registerView({
  name: 'situation',
  navKey: 'nav.situation',
  feature: 'fisheries',
  title: () => t('situation.title'),

  mount(container, [atText, windowText], { state }) {
    const at = /^\d+$/.test(atText ?? '') ? Number(atText) : Date.now();
    const windowH = WINDOWS_H.includes(Number(windowText)) ? Number(windowText) : DEFAULT_WINDOW_H;
    const atField = el('input', {
      type: 'datetime-local',
      id: 'situation-at',
      required: true,
      value: toDateField(at),
    });
    const windowSelect = el(
      'select',
      { id: 'situation-window' },
      WINDOWS_H.map((h) =>
        el('option', { value: h, selected: h === windowH }, t('situation.windowH', { h })),
      ),
    );
    const go = (ts, h = Number(windowSelect.value)) => {
      if (Number.isFinite(ts)) location.hash = `${situationHref(ts)}/${h}`;
    };
    const form = el(
      'form',
      { class: 'track-range situation-form' },
      el('label', { for: 'situation-at' }, t('situation.at')),
      atField,
      el('span', { class: 'tz' }, '(GMT+7)'),
      el('label', { for: 'situation-window' }, t('situation.window')),
      windowSelect,
      el('button', { type: 'submit', class: 'button', id: 'situation-show' }, t('playback.show')),
      el(
        'button',
        { type: 'button', class: 'link-button', id: 'situation-back', onclick: () => go(at - H) },
        t('situation.hourBack'),
      ),
      el(
        'button',
        { type: 'button', class: 'link-button', id: 'situation-on', onclick: () => go(at + H) },
        t('situation.hourOn'),
      ),
      el(
        'button',
        { type: 'button', class: 'link-button', id: 'situation-now', onclick: () => go(Date.now()) },
        t('situation.now'),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      go(fromDateField(atField.value));
    });
    const summary = el(
      'p',
      { class: 'page-subtitle', id: 'situation-summary', role: 'status' },
      t('page.loading'),
    );
    const mapElement = el('div', {
      class: 'page-map',
      id: 'situation-map',
      role: 'region',
      'aria-label': t('situation.mapLabel'),
    });
    const alarmsList = el('ul', { class: 'alarm-list', id: 'situation-alarms' });
    container.replaceChildren(
      form,
      summary,
      el(
        'div',
        { class: 'situation-page' },
        el('section', { class: 'card situation-map-card' }, mapElement),
        el(
          'section',
          { class: 'card', 'aria-labelledby': 'situation-alarms-h' },
          el('h3', { id: 'situation-alarms-h' }, t('situation.alarms')),
          alarmsList,
        ),
      ),
    );

    const mapView = new MapView(mapElement, { still: true });
    const base = baseMapData(state.features);
    void base.land.then((land) => land && !mapView.removed && mapView.setLand(land));
    // The vessels of the moment decide the view; without any, the zones do.
    let fittedTo = 0;
    let redraw;
    void base.zones.then((zones) => {
      if (!zones || mapView.removed) return;
      mapView.setZones(zones, { fit: false });
      if (!fittedTo) mapView.fitSelection();
    });
    const layer = L.featureGroup().addTo(mapView.map);

    /** The towers (as the overview knows them), then the view: the vessels and the burning towers. */
    const drawTowers = (situation) => {
      // Red with the bearing ray where a fire alarm was active then.
      const fires = new Map(
        situation.alarms
          .filter((alarm) => alarm.type === 'fire')
          .map((alarm) => [alarm.originator.replace(/^camera:/, ''), alarm.details?.bearingToFireDeg]),
      );
      mapView.update({
        vessels: [],
        alarmedVessels: new Map(),
        selected: undefined,
        cameras: [...state.cameras.values()]
          .filter((camera) => camera.position)
          .map((camera) => ({
            key: camera.key,
            position: camera.position,
            bearingDeg: camera.bearingDeg,
            fovDeg: camera.fovDeg,
            fire: fires.has(camera.key),
            bearingToFireDeg: fires.get(camera.key),
          })),
      });
      // After the overview's drawing (which counts its own vessel markers: none here).
      mapElement.dataset.vessels = String(situation.vessels.length);
      // The view: the vessels and the burning towers of the moment.
      const places = [
        ...situation.vessels.map((v) => [v.lat, v.lon]),
        ...[...state.cameras.values()]
          .filter((camera) => camera.position && fires.has(camera.key))
          .map((camera) => [camera.position.lat, camera.position.lon]),
      ];
      // Again only when towers arrive (a page opened by its address), not at every camera status.
      if (places.length && places.length !== fittedTo) {
        fittedTo = places.length;
        mapView.map.fitBounds(L.latLngBounds(places), { padding: [40, 40], maxZoom: 11 });
      }
    };

    const show = (situation) => {
      const alarmed = alarmedVessels(situation.alarms);
      redraw = () => drawTowers(situation);
      this.redraw = redraw;
      summary.textContent = t('situation.summary', {
        vessels: situation.vessels.length,
        alarms: situation.alarms.length,
        h: windowH,
        at: dateTime(at),
      });
      layer.clearLayers();
      for (const vessel of situation.vessels) {
        const alarm = alarmed.get(vessel.mmsi);
        const stale = at - vessel.ts > H;
        const classes = [
          'vessel',
          stale ? 'silent' : 'at_sea',
          vessel.registration ? '' : 'unregistered',
          alarm ? `has-alarm alarm-${alarm}` : '',
        ]
          .filter(Boolean)
          .join(' ');
        const tag = alarm ? `<span class="vessel-label">${escapeHtml(vesselName(vessel))}</span>` : '';
        const marker = L.marker([vessel.lat, vessel.lon], {
          icon: L.divIcon({
            className: classes,
            html: `<span class="dot"></span>${tag}`,
            iconSize: [14, 14],
            iconAnchor: [7, 7],
          }),
          title: `${vesselName(vessel)} · MMSI ${vessel.mmsi} · ${dateTime(vessel.ts)}`,
          keyboard: false,
          zIndexOffset: alarm ? 1000 : 0,
        }).addTo(layer);
        marker.bindPopup(() =>
          el(
            'div',
            { class: 'vessel-popup' },
            el('strong', {}, vesselName(vessel)),
            el('div', { class: 'mono' }, `MMSI ${vessel.mmsi}`),
            el('div', {}, t('situation.seenAt', { time: dateTime(vessel.ts) })),
            el('div', { class: 'mono' }, latLon(vessel.lat, vessel.lon)),
            typeof vessel.sog === 'number'
              ? el('div', {}, t('playback.sog', { kn: number(vessel.sog, 1) }))
              : null,
            el('a', { href: vesselHref(vessel.mmsi) }, t('map.vesselPage')),
          ),
        );
        marker.on('add', () => (marker.getElement().dataset.mmsi = String(vessel.mmsi)));
        marker.getElement()?.setAttribute('data-mmsi', String(vessel.mmsi));
      }
      drawTowers(situation);
      alarmsList.replaceChildren(
        ...(situation.alarms.length
          ? situation.alarms.map((alarm) => alarmItem(alarm, situation.vessels))
          : [el('li', { class: 'empty calm' }, t('situation.noAlarms'))]),
      );
    };

    return api(`/api/v1/situation?at=${at}&windowH=${windowH}`).then(
      (situation) => {
        show(situation);
        return () => {
          if (this.redraw === redraw) this.redraw = undefined;
          mapView.remove();
        };
      },
      (error) => {
        summary.textContent = t('playback.failed', { message: error.message });
        return () => mapView.remove();
      },
    );
  },

  /** The towers arrived or changed (a page opened by its address is mounted before the overview read them). */
  update(changed) {
    if (changed.has('cameras')) this.redraw?.();
  },
});
