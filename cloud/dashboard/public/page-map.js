// What the maps of the pages (vessel, situation) share with the overview's: the shipped land and the zones, each
// read once per page load, and the addresses of the history pages.
import { api } from './api.js';
import { href } from './views.js';

let land;
let zones;

/** The offline land (basemap.json) and the zones (GET zones), as promises of their GeoJSON (undefined if none). */
export function baseMapData(features) {
  land ??= fetch('/dashboard/basemap.json')
    .then((response) => (response.ok ? response.json() : undefined))
    .catch(() => undefined);
  if (features?.fisheries)
    zones ??= api('/api/v1/zones').catch(() => {
      zones = undefined; // tried again by the next page
      return undefined;
    });
  return { land, zones: zones ?? Promise.resolve(undefined) };
}

/** The situation page at a moment: `#/situation/1764770700000`. */
export const situationHref = (ts) => href('situation', Math.round(ts));

/** The vessel page: `#/vessel/574000101`. */
export const vesselHref = (mmsi) => href('vessel', mmsi);
