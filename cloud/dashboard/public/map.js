// The map: Leaflet (served from node_modules, works without WebGL) over an offline base layer that ships with
// Lookout: Natural Earth land (basemap.json), the zones, ports and boundary lines of the config's zone files
// (GET /api/v1/zones), and a raster tile source when the deployment configures one. Vessels are clustered when
// zoomed out (those in alarm and the selected one never are); cameras show their label and view cone.
import { label, t } from './i18n.js';

/** Used until zones arrive: the sea west and south of the Ca Mau cape. */
const DEFAULT_BOUNDS = [
  [7.8, 103.5],
  [9.45, 105.45],
];
/** How far a camera's view cone is drawn: what a tower camera over the forest can tell smoke at. */
const VIEW_RANGE_KM = 8;
const FIRE_RAY_KM = 15;
const EARTH_KM = 6371;

/** The point `km` from (lat, lon) towards a compass bearing (degrees clockwise from north). */
export function destination(lat, lon, bearingDeg, km) {
  const d = km / EARTH_KM;
  const b = (bearingDeg * Math.PI) / 180;
  const p1 = (lat * Math.PI) / 180;
  const l1 = (lon * Math.PI) / 180;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(b));
  const l2 =
    l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [(p2 * 180) / Math.PI, (l2 * 180) / Math.PI];
}

function viewCone(position, bearingDeg, fovDeg) {
  const points = [[position.lat, position.lon]];
  for (let step = 0; step <= 8; step++) {
    const bearing = bearingDeg - fovDeg / 2 + (fovDeg * step) / 8;
    points.push(destination(position.lat, position.lon, bearing, VIEW_RANGE_KM));
  }
  return points;
}

const cameraState = (camera) =>
  camera.fire ? 'cam-fire' : camera.online === false ? 'cam-offline' : 'cam-online';

const zoneClass = (kind) => (kind === 'closed' ? 'zone zone-closed' : `zone zone-${kind ?? 'zone'}`);

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class MapView {
  /** `still`: no zoom animation (a page's map, which can be taken down in the middle of one). */
  constructor(element, { onSelectVessel, still: stillMap = false } = {}) {
    this.element = element;
    element.classList.add('lookout-map');
    this.onSelectVessel = onSelectVessel;
    const still = stillMap || window.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true;
    this.map = L.map(element, {
      zoomSnap: 0.5,
      attributionControl: false,
      minZoom: 5,
      maxZoom: 16,
      zoomAnimation: !still,
      fadeAnimation: !still,
      markerZoomAnimation: !still,
    });
    this.map.fitBounds(DEFAULT_BOUNDS);
    this.attribution = L.control.attribution({ prefix: 'Leaflet' }).addTo(this.map);
    this.scale = L.control.scale({ metric: true, imperial: false, maxWidth: 140 }).addTo(this.map);
    this.map.createPane('land').style.zIndex = 250;
    this.layers = {
      land: L.geoJSON(undefined, { pane: 'land', style: { className: 'land', interactive: false } }),
      zones: L.featureGroup(),
      boundaries: L.featureGroup(),
      ports: L.featureGroup(),
      cameras: L.featureGroup(),
      // Towers a few kilometres apart overlap when zoomed out: one marker with their count until they separate.
      cameraMarkers: L.markerClusterGroup({
        animate: !still,
        maxClusterRadius: 28,
        showCoverageOnHover: false,
        iconCreateFunction: (cluster) => {
          const fire = cluster.getAllChildMarkers().some((marker) => marker.options.fire);
          return L.divIcon({
            html: `<span class="cam-mark"></span><span class="cam-label">${t('map.cameraCount', { n: cluster.getChildCount() })}</span>`,
            className: `camera camera-cluster${fire ? ' cam-fire' : ''}`,
            iconSize: [18, 18],
            iconAnchor: [9, 11],
          });
        },
      }),
      track: L.featureGroup(),
      vessels: L.markerClusterGroup({
        animate: !still,
        maxClusterRadius: 36,
        disableClusteringAtZoom: 11,
        showCoverageOnHover: false,
        spiderfyOnMaxZoom: true,
        iconCreateFunction: (cluster) =>
          L.divIcon({
            html: `<span>${cluster.getChildCount()}</span>`,
            className: 'vessel-cluster',
            iconSize: [30, 30],
          }),
      }),
      alarmedVessels: L.featureGroup(),
    };
    this.tiles = undefined;
    for (const name of [
      'land',
      'zones',
      'boundaries',
      'ports',
      'track',
      'cameras',
      'cameraMarkers',
      'vessels',
      'alarmedVessels',
    ])
      this.layers[name].addTo(this.map);
    this.vesselMarkers = new Map();
    this.cameraLayers = new Map();
    this.zoneBounds = undefined;
    this.data = { vessels: [], cameras: [], alarmedVessels: new Map(), selected: undefined };
    this.fitControl = this.#fitControl().addTo(this.map);
    this.#layerControl();
    this.#attribute();
    const showZoom = () => (element.dataset.zoom = String(this.map.getZoom()));
    this.map.on('zoomend', showZoom);
    showZoom();
    this.resizeObserver = new ResizeObserver(() => this.map.invalidateSize());
    this.resizeObserver.observe(element);
  }

  /** Takes the map down (a page's map, when the page is left); `removed` tells late callbacks to stay away. */
  remove() {
    this.removed = true;
    this.resizeObserver.disconnect();
    this.map.remove();
  }

  /** Raster tiles from the deployment's tile server (`cloud.dashboard.tiles`), offered in the layer switcher. */
  setTiles(tiles) {
    if (!tiles) return;
    this.tiles = L.tileLayer(tiles.url, {
      attribution: escapeHtml(tiles.attribution),
      maxZoom: tiles.maxZoom,
    });
    this.tilesName = tiles.name;
    this.#layerControl();
  }

  setLand(collection) {
    this.layers.land.clearLayers();
    this.layers.land.addData(collection);
  }

  /** `fit`: zoom to the zones (the overview; a page that shows a track zooms to the track instead). */
  setZones(collection, { fit = true } = {}) {
    for (const name of ['zones', 'boundaries', 'ports']) this.layers[name].clearLayers();
    for (const feature of collection?.features ?? []) {
      const kind = feature.properties?.kind;
      const name = feature.properties?.name ?? feature.id;
      if (kind === 'port') {
        const [lon, lat] =
          feature.geometry?.type === 'Point'
            ? feature.geometry.coordinates
            : L.geoJSON(feature).getBounds().getCenter().toArray().reverse();
        L.circleMarker([lat, lon], { radius: 5, className: 'port' })
          .bindTooltip(name, { permanent: true, direction: 'right', className: 'map-label port-label' })
          .addTo(this.layers.ports);
      } else if (kind === 'boundary') {
        L.geoJSON(feature, { style: { className: 'boundary', interactive: true } })
          .bindTooltip(name, { sticky: true })
          .addTo(this.layers.boundaries);
      } else {
        const layer = L.geoJSON(feature, { style: { className: zoneClass(kind) } }).bindTooltip(
          `${name} (${label('zoneKind', kind ?? 'zone')})`,
          { sticky: true },
        );
        layer.addTo(this.layers.zones);
        if (kind === 'closed')
          L.marker(layer.getBounds().getCenter(), {
            icon: L.divIcon({ className: 'map-label zone-label', html: escapeHtml(name), iconSize: null }),
            interactive: false,
          }).addTo(this.layers.zones);
      }
    }
    const areas = this.layers.zones.getLayers().filter((layer) => layer.getBounds);
    if (areas.length) {
      this.zoneBounds = L.featureGroup(areas).getBounds();
      if (fit) this.map.fitBounds(this.zoneBounds, { padding: [8, 8] });
    }
  }

  update(data) {
    this.data = data;
    this.#drawTrack();
    this.#drawCameras();
    this.#drawVessels();
  }

  /** Zoom to the selected vessel's track, or to the vessel; nothing selected: to the zones. */
  fitSelection() {
    const { selected, vessels } = this.data;
    const track = this.layers.track.getLayers()[0];
    if (selected !== undefined && track)
      this.map.fitBounds(track.getBounds(), { padding: [30, 30], maxZoom: 12 });
    else if (selected !== undefined) {
      const vessel = vessels.find((v) => v.mmsi === selected);
      if (vessel) this.map.setView([vessel.lat, vessel.lon], Math.max(this.map.getZoom(), 11));
    } else if (this.zoneBounds) this.map.fitBounds(this.zoneBounds, { padding: [8, 8] });
  }

  focusCamera(position) {
    if (position) this.map.setView([position.lat, position.lon], Math.max(this.map.getZoom(), 12));
  }

  /** Texts of the controls, attributions and tooltips in the page's language. */
  relabel() {
    this.#attribute();
    for (const known of this.vesselMarkers.values()) known.layer.removeLayer(known.marker);
    this.vesselMarkers.clear();
    this.fitControl.remove();
    this.fitControl = this.#fitControl().addTo(this.map);
    this.#layerControl();
    for (const known of this.cameraLayers.values()) known.signature = undefined;
    this.update(this.data);
  }

  /** Every data source on the map, always shown (tiles add their own while they are on). */
  #attribute() {
    for (const text of this.attributions ?? []) this.attribution.removeAttribution(text);
    this.attributions = [t('map.attrLand'), t('map.attrBoundaries'), t('map.attrZones')];
    for (const text of this.attributions) this.attribution.addAttribution(text);
  }

  #layerControl() {
    this.layerControl?.remove();
    const base = { [t('map.layerOffline')]: L.layerGroup().addTo(this.map) };
    if (this.tiles) base[this.tilesName] = this.tiles;
    this.layerControl = L.control
      .layers(
        base,
        {
          [t('map.layerLand')]: this.layers.land,
          [t('map.layerZones')]: this.layers.zones,
          [t('map.layerBoundaries')]: this.layers.boundaries,
          [t('map.layerPorts')]: this.layers.ports,
          [t('map.layerCameras')]: L.layerGroup([this.layers.cameras, this.layers.cameraMarkers]),
          [t('map.layerVessels')]: L.layerGroup([this.layers.vessels, this.layers.alarmedVessels]),
        },
        { collapsed: true },
      )
      .addTo(this.map);
  }

  #fitControl() {
    const control = L.control({ position: 'topleft' });
    control.onAdd = () => {
      const button = L.DomUtil.create('button', 'map-fit leaflet-bar');
      button.type = 'button';
      button.textContent = '⤢';
      button.title = t('map.fit');
      button.setAttribute('aria-label', t('map.fit'));
      L.DomEvent.disableClickPropagation(button);
      button.addEventListener('click', () => this.fitSelection());
      return button;
    };
    return control;
  }

  #drawTrack() {
    const { track, selected, vessels } = this.data;
    this.layers.track.clearLayers();
    if (!track || track.mmsi !== selected) return;
    const coordinates = [...track.coordinates];
    const now = vessels.find((v) => v.mmsi === selected);
    // The vessel moved on since the track was read: extend it to where the vessel is now.
    if (now && now.ts > (track.times.at(-1) ?? 0)) coordinates.push([now.lon, now.lat]);
    if (coordinates.length < 2) return;
    const line = L.polyline(
      coordinates.map(([lon, lat]) => [lat, lon]),
      { className: 'track', interactive: false },
    ).addTo(this.layers.track);
    const path = line.getElement();
    path.dataset.mmsi = String(selected);
    path.dataset.points = String(coordinates.length);
  }

  #drawCameras() {
    const seen = new Set();
    for (const camera of this.data.cameras) {
      if (!camera.position) continue;
      seen.add(camera.key);
      const signature = JSON.stringify([
        camera.position,
        camera.bearingDeg,
        camera.fovDeg,
        camera.fire,
        camera.online,
        camera.bearingToFireDeg,
      ]);
      const known = this.cameraLayers.get(camera.key);
      if (known?.signature === signature) continue;
      if (known) this.layers.cameras.removeLayer(known.group);
      const group = this.#cameraCone(camera).addTo(this.layers.cameras);
      group.eachLayer((layer) => layer.getElement?.()?.setAttribute('data-camera', camera.key));
      // One marker per tower for its life: markers taken out of a cluster and put back leave stale clusters.
      const marker = known?.marker ?? this.#cameraMarker(camera);
      this.#dressCameraMarker(marker, camera);
      if (!known) this.layers.cameraMarkers.addLayer(marker);
      else if (!marker.getLatLng().equals([camera.position.lat, camera.position.lon])) {
        this.layers.cameraMarkers.removeLayer(marker);
        marker.setLatLng([camera.position.lat, camera.position.lon]);
        this.layers.cameraMarkers.addLayer(marker);
      } else this.layers.cameraMarkers.refreshClusters(marker);
      this.cameraLayers.set(camera.key, { signature, group, marker });
    }
    for (const [key, known] of this.cameraLayers) {
      if (seen.has(key)) continue;
      this.layers.cameras.removeLayer(known.group);
      this.layers.cameraMarkers.removeLayer(known.marker);
      this.cameraLayers.delete(key);
    }
  }

  /** The view cone and the bearing to a fire, always drawn (the tower's marker is clustered when zoomed out). */
  #cameraCone(camera) {
    const { lat, lon } = camera.position;
    const group = L.featureGroup();
    if (typeof camera.bearingDeg === 'number')
      L.polygon(viewCone(camera.position, camera.bearingDeg, camera.fovDeg ?? 60), {
        className: `fov ${cameraState(camera)}`,
        interactive: false,
      }).addTo(group);
    if (camera.fire && typeof camera.bearingToFireDeg === 'number')
      L.polyline([[lat, lon], destination(lat, lon, camera.bearingToFireDeg, FIRE_RAY_KM)], {
        className: 'fire-ray',
        interactive: false,
      }).addTo(group);
    return group;
  }

  #cameraMarker(camera) {
    const marker = L.marker([camera.position.lat, camera.position.lon], { keyboard: false });
    marker.on('add', () => (marker.getElement().dataset.camera = camera.key));
    return marker;
  }

  #dressCameraMarker(marker, camera) {
    const name = camera.key.split('/').pop();
    const title = `${t('map.camera', { camera: camera.key })}${camera.fire ? ` — ${t('map.cameraFire')}` : ''}${camera.online === false ? ` (${t('map.cameraOffline')})` : ''}`;
    marker.options.fire = camera.fire === true;
    marker.options.title = title;
    marker.setIcon(
      L.divIcon({
        className: `camera ${cameraState(camera)}`,
        html: `<span class="cam-mark"></span><span class="cam-label">${escapeHtml(name)}</span>`,
        iconSize: [18, 18],
        iconAnchor: [9, 11],
      }),
    );
  }

  #vesselIcon(vessel, alarm, selected) {
    const classes = [
      'vessel',
      vessel.status,
      vessel.registered ? '' : 'unregistered',
      alarm ? `has-alarm alarm-${alarm}` : '',
      selected ? 'selected' : '',
    ]
      .filter(Boolean)
      .join(' ');
    const heading =
      typeof vessel.cog === 'number' && vessel.status !== 'in_port' ? '<span class="heading"></span>' : '';
    const name = vessel.name ?? t('vessels.unnamed');
    const tag = alarm || selected ? `<span class="vessel-label">${escapeHtml(name)}</span>` : '';
    return L.divIcon({
      className: classes,
      html: `<span class="dot"></span>${heading}${tag}`,
      iconSize: [14, 14],
      iconAnchor: [7, 7],
    });
  }

  /** Name, MMSI, registration and the link to the vessel page (the vessel as it is now, not when drawn). */
  #vesselPopup(mmsi) {
    const vessel = this.data.vessels.find((v) => v.mmsi === mmsi) ?? { mmsi };
    const box = L.DomUtil.create('div', 'vessel-popup');
    const name = L.DomUtil.create('strong', '', box);
    name.textContent = vessel.name ?? t('vessels.unnamed');
    const ids = L.DomUtil.create('div', 'mono', box);
    ids.textContent = [`MMSI ${mmsi}`, vessel.registration].filter(Boolean).join(' · ');
    const link = L.DomUtil.create('a', 'vessel-page-link', box);
    link.href = `#/vessel/${mmsi}`;
    link.textContent = t('map.vesselPage');
    return box;
  }

  #drawVessels() {
    const { vessels, alarmedVessels, selected } = this.data;
    const seen = new Set();
    const toCluster = [];
    for (const vessel of vessels) {
      seen.add(vessel.mmsi);
      const alarm = alarmedVessels.get(vessel.mmsi);
      const isSelected = selected === vessel.mmsi;
      // Never hidden in a cluster: vessels in alarm and the selected one.
      const layer = alarm || isSelected ? this.layers.alarmedVessels : this.layers.vessels;
      const signature = `${vessel.status}|${vessel.registered}|${alarm}|${isSelected}|${Math.round(vessel.cog ?? -1)}|${vessel.name}`;
      let known = this.vesselMarkers.get(vessel.mmsi);
      // A click opens the popup and selects the vessel, which redraws its marker: the new one shows the popup.
      let popupOpen = false;
      if (known && (known.layer !== layer || known.signature !== signature)) {
        popupOpen = known.marker.isPopupOpen();
        known.layer.removeLayer(known.marker);
        known = undefined;
      }
      const title = `${vessel.name ?? t('vessels.unnamed')} · MMSI ${vessel.mmsi} · ${label('vesselStatus', vessel.status)}${alarm ? ` · ${t('map.vesselAlarm', { severity: label('severity', alarm) })}` : ''}`;
      if (!known) {
        const marker = L.marker([vessel.lat, vessel.lon], {
          icon: this.#vesselIcon(vessel, alarm, isSelected),
          title,
          keyboard: false,
          zIndexOffset: alarm ? 1000 : isSelected ? 2000 : 0,
        });
        marker.on('click', () => this.onSelectVessel?.(vessel.mmsi));
        marker.bindPopup(() => this.#vesselPopup(vessel.mmsi), { autoPan: false });
        // Set on every add (a marker leaving a cluster gets its element again); the page's CSP allows no inline
        // style attribute, so the heading's angle is set through the DOM.
        marker.on('add', () => {
          const element = marker.getElement();
          element.dataset.mmsi = String(vessel.mmsi);
          element.querySelector('.heading')?.style.setProperty('--cog', `${Math.round(vessel.cog)}deg`);
        });
        known = { marker, layer, signature, lat: vessel.lat, lon: vessel.lon };
        this.vesselMarkers.set(vessel.mmsi, known);
        if (layer === this.layers.vessels) toCluster.push(marker);
        else {
          marker.addTo(layer);
          if (popupOpen) marker.openPopup();
        }
      } else if (known.lat !== vessel.lat || known.lon !== vessel.lon) {
        known.lat = vessel.lat;
        known.lon = vessel.lon;
        if (layer === this.layers.vessels) {
          layer.removeLayer(known.marker);
          known.marker.setLatLng([vessel.lat, vessel.lon]);
          toCluster.push(known.marker);
        } else known.marker.setLatLng([vessel.lat, vessel.lon]);
      }
    }
    if (toCluster.length) this.layers.vessels.addLayers(toCluster);
    for (const [mmsi, known] of this.vesselMarkers) {
      if (seen.has(mmsi)) continue;
      known.layer.removeLayer(known.marker);
      this.vesselMarkers.delete(mmsi);
    }
    this.element.dataset.vessels = String(this.vesselMarkers.size);
  }
}
