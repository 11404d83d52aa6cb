// Fires located from the cameras that see them (GET /api/v1/fire/located, MQTT lookout/v1/cloud/fire/located/#):
// on the map a point with its error area (two cameras or more) or the bearing ray of one camera, and the same
// location in words for the alert page (views/fire-alert.js). Words come from the cloud's catalogues, the same
// sentences the rangers' notifications use (notify.*).
import { el } from './format.js';
import { label, latLon, number, t } from './i18n.js';
import { href } from './views.js';

/** `350 m`, `3,4 km` */
export function distanceText(metres) {
  return metres < 1000
    ? t('unit.m', { n: number(Math.round(metres / 10) * 10) })
    : t('unit.km', { n: number(metres / 1000, metres < 10_000 ? 1 : 0) });
}

/** One of eight compass points, in words. */
export function compassText(deg) {
  return label('compass', String(Math.round((((deg % 360) + 360) % 360) / 45) % 8));
}

/** `geo:` (opens the phone's map app) and OpenStreetMap (any browser) at a point. */
export function mapLinks({ lat, lon }) {
  const at = `${lat.toFixed(6)},${lon.toFixed(6)}`;
  return {
    geoUri: `geo:${at}?q=${at}`,
    mapUrl: `https://www.openstreetmap.org/?mlat=${lat.toFixed(6)}&mlon=${lon.toFixed(6)}#map=15/${lat.toFixed(5)}/${lon.toFixed(5)}`,
  };
}

/**
 * The location of a fire as lines of words: point and error, how many cameras, compartment, nearest place; for
 * the camera `edgeId/cameraId` its bearing and distance (or, alone, its bearing and range).
 */
export function locationLines(fire, cameraKey) {
  const lines = [];
  if (fire.point) {
    lines.push(
      t('notify.firePoint', {
        position: latLon(fire.point.lat, fire.point.lon),
        error: distanceText(fire.errorM ?? 0),
      }),
    );
    if (fire.cameras.length > 1) lines.push(t('notify.locatedBy', { n: fire.cameras.length }));
  }
  if (fire.place?.area) lines.push(t('notify.inArea', { area: fire.place.area }));
  if (fire.place?.nearest)
    lines.push(
      t('notify.nearPlace', {
        place: fire.place.nearest.name,
        distance: distanceText(fire.place.nearest.distanceM),
        direction: compassText(fire.place.nearest.bearingDeg),
      }),
    );
  const mine = fire.cameras.find((c) => `${c.edgeId}/${c.cameraId}` === cameraKey);
  if (mine) {
    const deg = Math.round(mine.bearingDeg);
    if (mine.distanceM !== undefined)
      lines.push(t('notify.fromCamera', { deg, distance: distanceText(mine.distanceM) }));
    else if (fire.ray) lines.push(t('notify.bearingWithin', { deg, distance: distanceText(fire.ray.toM) }));
  }
  return lines;
}

const STYLE = '/dashboard/views/fire-alert.css';

/** The styles of located fires and of the alert page (their own file: the shared style.css stays as it is). */
export function useFireStyle() {
  if (document.querySelector(`link[href="${STYLE}"]`)) return;
  document.head.append(el('link', { rel: 'stylesheet', href: STYLE }));
}

const ring = (area) => area.map((p) => [p.lat, p.lon]);

/** The located fires on the overview's Leaflet map: one layer group, redrawn per fire when it changes. */
export class LocatedFires {
  /** @param {any} map Leaflet map */
  constructor(map) {
    useFireStyle();
    this.group = L.featureGroup().addTo(map);
    /** id -> { fire, layer } */
    this.fires = new Map();
  }

  /** The fires of the API (the last day), replacing those shown. */
  set(fires) {
    const ids = new Set(fires.map((f) => f.id));
    for (const id of this.fires.keys()) if (!ids.has(id)) this.#remove(id);
    for (const fire of fires) this.upsert(fire);
  }

  upsert(fire) {
    const known = this.fires.get(fire.id);
    if (known && known.fire.ts > fire.ts) return;
    this.#remove(fire.id);
    const layer = fire.method === 'intersection' ? this.#located(fire) : this.#bearing(fire);
    layer.addTo(this.group);
    layer.eachLayer((part) => part.getElement?.()?.setAttribute('data-fire', fire.id));
    this.fires.set(fire.id, { fire, layer });
  }

  /** Labels follow the page's language. */
  relabel() {
    for (const { fire } of [...this.fires.values()]) this.upsert({ ...fire });
  }

  #remove(id) {
    const known = this.fires.get(id);
    if (!known) return;
    this.group.removeLayer(known.layer);
    this.fires.delete(id);
  }

  #popup(fire) {
    const camera = fire.cameras[0];
    return el(
      'div',
      { class: 'located-popup' },
      el(
        'strong',
        {},
        `${label('fireClass', fire.className)} · ${camera?.name ?? `${camera?.edgeId}/${camera?.cameraId}`}`,
      ),
      ...locationLines(fire, camera ? `${camera.edgeId}/${camera.cameraId}` : '').map((line) =>
        el('div', {}, line),
      ),
      camera ? el('a', { href: href('fire', camera.alertId) }, t('fireAlert.open')) : null,
    );
  }

  #located(fire) {
    const area = L.polygon(ring(fire.area), { className: 'fire-area', interactive: false });
    const point = L.circleMarker([fire.point.lat, fire.point.lon], { radius: 9, className: 'fire-located' })
      .bindTooltip(
        t('fireAlert.mapLabel', { n: fire.cameras.length, error: distanceText(fire.errorM ?? 0) }),
        {
          permanent: true,
          direction: 'right',
          className: 'fire-located-label',
        },
      )
      .bindPopup(() => this.#popup(fire));
    const sights = fire.cameras.map((c) =>
      L.polyline(
        [
          [c.position.lat, c.position.lon],
          [fire.point.lat, fire.point.lon],
        ],
        { className: 'fire-sight', interactive: false },
      ),
    );
    return L.featureGroup([area, ...sights, point]);
  }

  #bearing(fire) {
    const ray = L.polyline(
      [
        [fire.ray.from.lat, fire.ray.from.lon],
        [fire.ray.to.lat, fire.ray.to.lon],
      ],
      { className: 'fire-ray' },
    ).bindPopup(() => this.#popup(fire));
    return L.featureGroup([ray]);
  }
}
