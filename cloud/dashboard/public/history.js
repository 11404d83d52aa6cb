// A vessel's past on a map: its track over a date range (by default since its last port departure, else the last
// 24 h) and a playback of it on a time slider, the vessel's marker moving along the track with its time (GMT+7).
import { api } from './api.js';
import { el } from './format.js';
import { dateTime, latLon, number, t } from './i18n.js';

const H = 3_600_000;
const DEFAULT_HOURS = 24;
/** A departure older than this with the vessel back in port for over a day is not "its trip" any more. */
const DEPARTURE_LOOKBACK_MS = 60 * 24 * H;
/** Vietnam keeps UTC+7 all year (no summer time), so a date field is read and written at that offset. */
const VIETNAM_OFFSET_MS = 7 * H;
/** Track time per second of playback. */
const SPEEDS = [60, 600, 3600, 6 * 3600, 24 * 3600];
/** A playback takes about this long at the speed chosen for a range. */
const PLAYBACK_TARGET_S = 40;

/** `2026-12-03T14:05` (Vietnam's time) for a `datetime-local` field. */
export function toDateField(ms) {
  return new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 16);
}

/** A `datetime-local` field's value read as Vietnam's time; NaN when empty or malformed. */
export function fromDateField(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return Number.NaN;
  return Date.parse(`${value.length === 16 ? `${value}:00` : value}+07:00`);
}

/**
 * The range a vessel's history opens with: since its last port departure (fisheries office) when it is at sea
 * on that trip or came back less than a day ago, else the last 24 h.
 */
export async function defaultRange(mmsi, features, now = Date.now()) {
  const lastDay = { from: now - DEFAULT_HOURS * H, to: now, kind: 'day' };
  if (!features?.office) return lastDay;
  try {
    const { voyages } = await api(`/api/v1/voyages?mmsi=${mmsi}&from=${now - DEPARTURE_LOOKBACK_MS}`);
    const last = voyages.at(-1);
    if (!last || (last.arrivalTs !== undefined && last.arrivalTs < now - DEFAULT_HOURS * H)) return lastDay;
    return { from: Math.min(last.departureTs, now - H), to: now, kind: 'departure', voyage: last };
  } catch {
    return lastDay;
  }
}

/** The track between two times: `{ mmsi, from, to, coordinates: [[lon, lat]], times, sog, cog, total }`. */
export async function loadTrack(mmsi, from, to, maxPoints = 2000) {
  const track = await api(`/api/v1/vessels/${mmsi}/track?from=${from}&to=${to}&maxPoints=${maxPoints}`);
  const p = track.properties;
  return {
    mmsi,
    from: p.from,
    to: p.to,
    coordinates: track.geometry.coordinates,
    times: p.times,
    sog: p.sog ?? [],
    cog: p.cog ?? [],
    total: p.total ?? p.times.length,
    coarseUntil: p.coarseUntil,
  };
}

/** Where the track puts the vessel at `ts`: between two positions, the straight steady passage from one to the other. */
export function positionAt(track, ts) {
  const { times, coordinates } = track;
  if (times.length === 0) return undefined;
  let lo = 0;
  let hi = times.length - 1;
  if (ts <= times[0]) hi = 0;
  else if (ts >= times[hi]) lo = hi;
  else {
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= ts) lo = mid;
      else hi = mid;
    }
  }
  const i = Math.min(lo, hi);
  const j = Math.max(lo, hi);
  const share = j === i || times[j] === times[i] ? 0 : (ts - times[i]) / (times[j] - times[i]);
  const [lon1, lat1] = coordinates[i];
  const [lon2, lat2] = coordinates[j];
  const near = share < 0.5 ? i : j;
  return {
    lat: lat1 + (lat2 - lat1) * share,
    lon: lon1 + (lon2 - lon1) * share,
    sog: track.sog[near] ?? undefined,
    cog: track.cog[near] ?? undefined,
    index: i,
  };
}

function speedFor(durationMs) {
  return SPEEDS.find((speed) => durationMs / speed / 1000 <= PLAYBACK_TARGET_S) ?? SPEEDS.at(-1);
}

function speedLabel(speed) {
  return speed < H / 1000
    ? t('playback.speedMin', { n: speed / 60 })
    : t('playback.speedH', { n: speed / 3600 });
}

/**
 * The track of one vessel on a Leaflet map with its playback controls. `controls` receives the date range, the
 * play/pause button, the speed, the time slider and the time of the marker; `onRange(from, to)` is called when
 * the officer asks for another range (the owner loads it and calls `setTrack`).
 */
export class TrackPlayer {
  constructor(map, controls, { onRange, ranges = [], layer } = {}) {
    this.map = map;
    this.layer = layer ?? L.featureGroup().addTo(map);
    this.track = undefined;
    this.time = undefined;
    this.playing = false;
    this.frame = 0;
    this.onRange = onRange;
    this.#build(controls, ranges);
  }

  #build(controls, ranges) {
    this.fromField = el('input', { type: 'datetime-local', id: 'track-from', required: true });
    this.toField = el('input', { type: 'datetime-local', id: 'track-to', required: true });
    const form = el(
      'form',
      { class: 'track-range' },
      el('label', { for: 'track-from' }, t('playback.from')),
      this.fromField,
      el('label', { for: 'track-to' }, t('playback.to')),
      this.toField,
      el('span', { class: 'tz' }, '(GMT+7)'),
      el('button', { type: 'submit', class: 'button', id: 'track-load' }, t('playback.show')),
      el(
        'span',
        { class: 'quick-ranges' },
        ranges.map(({ key, range }) =>
          el(
            'button',
            {
              type: 'button',
              class: 'link-button',
              dataset: { range: key },
              onclick: async () => {
                const { from, to } = await range();
                this.#request(from, to);
              },
            },
            t(`playback.range.${key}`),
          ),
        ),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#request(fromDateField(this.fromField.value), fromDateField(this.toField.value));
    });
    this.playButton = el('button', {
      type: 'button',
      class: 'button play',
      id: 'track-play',
      onclick: () => (this.playing ? this.pause() : this.play()),
    });
    this.speedSelect = el(
      'select',
      { id: 'track-speed', 'aria-label': t('playback.speed') },
      SPEEDS.map((speed) => el('option', { value: speed }, speedLabel(speed))),
    );
    this.speedSelect.addEventListener('change', () => (this.speed = Number(this.speedSelect.value)));
    this.slider = el('input', {
      type: 'range',
      id: 'track-slider',
      min: 0,
      max: 1,
      step: 1,
      value: 0,
      'aria-label': t('playback.slider'),
    });
    this.slider.addEventListener('input', () => {
      this.pause();
      this.seek(Number(this.slider.value));
    });
    this.timeText = el('output', { id: 'track-time', for: 'track-slider', 'aria-live': 'off' }, '–');
    this.stateText = el('span', { class: 'track-state', id: 'track-state' });
    this.message = el('p', { class: 'track-message', id: 'track-message', role: 'status' });
    controls.replaceChildren(
      form,
      el(
        'div',
        { class: 'playback' },
        this.playButton,
        this.slider,
        el('label', { class: 'speed' }, t('playback.speed'), ' ', this.speedSelect),
      ),
      el('div', { class: 'playback-readout' }, this.timeText, this.stateText),
      this.message,
    );
    this.#showPlaying();
  }

  #request(from, to) {
    if (!Number.isFinite(from) || !Number.isFinite(to)) return this.#say(t('playback.badRange'));
    if (to <= from) return this.#say(t('playback.toBeforeFrom'));
    this.pause();
    this.#say(t('page.loading'));
    this.onRange?.(from, to);
  }

  #say(text) {
    this.message.textContent = text;
  }

  /** Shows a loaded track: the whole line, the marker at its start; a failure or an empty range says so. */
  setTrack(track, { error } = {}) {
    this.pause();
    this.track = track;
    this.layer.clearLayers();
    this.fromField.value = toDateField(track.from);
    this.toField.value = toDateField(track.to);
    const empty = track.times.length === 0;
    this.#say(
      error
        ? t('playback.failed', { message: error.message })
        : empty
          ? t('playback.none')
          : [
              t(track.total > track.times.length ? 'playback.pointsThinned' : 'playback.points', {
                n: track.times.length,
                total: track.total,
              }),
              track.coarseUntil ? t('playback.coarse', { time: dateTime(track.coarseUntil) }) : '',
            ]
              .filter(Boolean)
              .join(' '),
    );
    this.slider.disabled = empty;
    this.playButton.disabled = empty;
    if (empty) {
      this.time = undefined;
      this.timeText.textContent = '–';
      this.stateText.textContent = '';
      return;
    }
    const latLngs = track.coordinates.map(([lon, lat]) => [lat, lon]);
    this.line = L.polyline(latLngs, { className: 'track', interactive: false }).addTo(this.layer);
    this.played = L.polyline([], { className: 'track-played', interactive: false }).addTo(this.layer);
    L.circleMarker(latLngs[0], { radius: 4, className: 'track-start', interactive: false })
      .bindTooltip(t('playback.start'), { direction: 'left' })
      .addTo(this.layer);
    this.marker = L.marker(latLngs[0], {
      icon: L.divIcon({
        className: 'playback-marker',
        html: '<span class="dot"></span>',
        iconSize: [16, 16],
      }),
      keyboard: false,
      interactive: false,
      zIndexOffset: 3000,
    }).addTo(this.layer);
    this.marker.bindTooltip('', {
      permanent: true,
      direction: 'right',
      className: 'map-label playback-label',
    });
    const path = this.line.getElement();
    path.dataset.mmsi = String(track.mmsi);
    path.dataset.points = String(track.times.length);
    const first = track.times[0];
    const last = track.times.at(-1);
    this.slider.min = String(first);
    this.slider.max = String(last);
    this.slider.step = String(Math.max(1000, Math.round((last - first) / 2000 / 1000) * 1000));
    this.speed = speedFor(last - first);
    this.speedSelect.value = String(this.speed);
    this.seek(first);
  }

  /** Zooms to the whole track. */
  fit() {
    // Room on the right for the marker's time label.
    if (this.line)
      this.map.fitBounds(this.line.getBounds(), {
        paddingTopLeft: [30, 30],
        paddingBottomRight: [130, 30],
        maxZoom: 13,
      });
  }

  /** Puts the marker where the vessel was at `ts` (GMT+7 time shown), the sailed part of the track drawn solid. */
  seek(ts) {
    const track = this.track;
    if (!track || track.times.length === 0) return;
    const first = track.times[0];
    const last = track.times.at(-1);
    this.time = Math.min(last, Math.max(first, ts));
    const at = positionAt(track, this.time);
    this.marker.setLatLng([at.lat, at.lon]);
    const sailed = track.coordinates.slice(0, at.index + 1).map(([lon, lat]) => [lat, lon]);
    sailed.push([at.lat, at.lon]);
    this.played.setLatLngs(sailed);
    this.slider.value = String(this.time);
    const when = dateTime(this.time);
    this.timeText.value = when;
    this.timeText.textContent = when;
    this.timeText.dataset.ts = String(this.time);
    const element = this.marker.getElement();
    if (element) Object.assign(element.dataset, { ts: String(this.time), lat: at.lat, lon: at.lon });
    const speed = typeof at.sog === 'number' ? t('playback.sog', { kn: number(at.sog, 1) }) : '';
    this.stateText.textContent = [latLon(at.lat, at.lon), speed].filter(Boolean).join(' · ');
    this.marker.setTooltipContent(when.replace(/ \(.*\)$/, ''));
  }

  play() {
    const track = this.track;
    if (!track || track.times.length < 2 || this.playing) return;
    if (this.time >= track.times.at(-1)) this.seek(track.times[0]);
    this.playing = true;
    this.#showPlaying();
    let before = performance.now();
    const step = (now) => {
      if (!this.playing) return;
      const elapsedS = Math.min(0.25, (now - before) / 1000);
      before = now;
      this.seek(this.time + elapsedS * this.speed * 1000);
      if (this.time >= track.times.at(-1)) return this.pause();
      this.frame = requestAnimationFrame(step);
    };
    this.frame = requestAnimationFrame(step);
  }

  pause() {
    cancelAnimationFrame(this.frame);
    if (!this.playing) return;
    this.playing = false;
    this.#showPlaying();
  }

  #showPlaying() {
    this.playButton.textContent = this.playing ? `❚❚ ${t('playback.pause')}` : `▶ ${t('playback.play')}`;
    this.playButton.setAttribute('aria-pressed', String(this.playing));
    this.playButton.dataset.state = this.playing ? 'playing' : 'paused';
  }

  destroy() {
    this.pause();
    this.layer.clearLayers();
  }
}
