// The map: an inline SVG in an equirectangular projection (x scaled by cos of the mid latitude), drawn in
// screen pixels so markers and text keep their size. No tiles: everything comes from the zones GeoJSON.

const SVG_NS = 'http://www.w3.org/2000/svg';
const KM_PER_DEG = 111.32;
/** Used until zones arrive: the sea west and south of the Ca Mau cape. */
const DEFAULT_EXTENT = [103.5, 7.8, 105.45, 9.45];

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function walkPositions(coordinates, visit) {
  if (!Array.isArray(coordinates)) return;
  if (typeof coordinates[0] === 'number') visit(coordinates[0], coordinates[1]);
  else for (const child of coordinates) walkPositions(child, visit);
}

/** Bounding box [minLon, minLat, maxLon, maxLat] of the features that are areas or ports (not the long lines). */
export function zonesExtent(collection) {
  let box;
  for (const feature of collection?.features ?? []) {
    if (feature.properties?.kind === 'boundary') continue;
    walkPositions(feature.geometry?.coordinates, (lon, lat) => {
      box = box
        ? [Math.min(box[0], lon), Math.min(box[1], lat), Math.max(box[2], lon), Math.max(box[3], lat)]
        : [lon, lat, lon, lat];
    });
  }
  return box;
}

export function makeProjection(extent, width, height, padding = 14) {
  const [minLon, minLat, maxLon, maxLat] = extent;
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLon - minLon) * k, 1e-6);
  const spanY = Math.max(maxLat - minLat, 1e-6);
  const scale = Math.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY);
  const cx = width / 2;
  const cy = height / 2;
  const x0 = ((minLon + maxLon) / 2) * k;
  const y0 = (minLat + maxLat) / 2;
  return {
    scale,
    width,
    height,
    point: (lon, lat) => [cx + (lon * k - x0) * scale, cy - (lat - y0) * scale],
    invert: (x, y) => [((x - cx) / scale + x0) / k, y0 - (y - cy) / scale],
  };
}

function pathOf(geometry, project) {
  const ring = (positions, close) =>
    positions
      .map(([lon, lat], i) => {
        const [x, y] = project(lon, lat);
        return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`;
      })
      .join('') + (close ? 'Z' : '');
  switch (geometry?.type) {
    case 'Polygon':
      return geometry.coordinates.map((r) => ring(r, true)).join('');
    case 'MultiPolygon':
      return geometry.coordinates.flatMap((polygon) => polygon.map((r) => ring(r, true))).join('');
    case 'LineString':
      return ring(geometry.coordinates, false);
    case 'MultiLineString':
      return geometry.coordinates.map((r) => ring(r, false)).join('');
    default:
      return '';
  }
}

function centroidOf(geometry) {
  let sumLon = 0;
  let sumLat = 0;
  let n = 0;
  walkPositions(geometry?.coordinates, (lon, lat) => {
    sumLon += lon;
    sumLat += lat;
    n += 1;
  });
  return n ? [sumLon / n, sumLat / n] : undefined;
}

function niceScaleKm(kmPerPx) {
  for (const km of [1, 2, 5, 10, 20, 25, 50, 100, 200, 500]) if (km / kmPerPx >= 70) return km;
  return 1000;
}

/** Point at `distancePx` from (x, y) towards a compass bearing (degrees clockwise from north). */
function towards(x, y, bearingDeg, distancePx) {
  const r = (bearingDeg * Math.PI) / 180;
  return [x + Math.sin(r) * distancePx, y - Math.cos(r) * distancePx];
}

const SEVERITY_ORDER = ['INDETERMINATE', 'WARNING', 'MINOR', 'MAJOR', 'CRITICAL'];
const severityOrder = (severity) => SEVERITY_ORDER.indexOf(severity) + 1;

/**
 * Greedy label placement: most important first, each tried right-above, right-below, left-above, left-below
 * of its point; a label that would overlap one already placed is left out (its vessel keeps its tooltip).
 */
function placeLabels(candidates) {
  const placed = [];
  const boxes = [];
  const overlaps = (box) =>
    boxes.some((b) => box.x1 < b.x2 && box.x2 > b.x1 && box.y1 < b.y2 && box.y2 > b.y1);
  for (const label of [...candidates].sort((a, b) => b.rank - a.rank)) {
    const width = label.text.length * 6.6 + 4;
    for (const [dx, dy, anchor] of [
      [10, -8, 'start'],
      [10, 16, 'start'],
      [-10, -8, 'end'],
      [-10, 16, 'end'],
    ]) {
      const x = label.x + dx;
      const y = label.y + dy;
      const box =
        anchor === 'start'
          ? { x1: x, x2: x + width, y1: y - 11, y2: y + 3 }
          : { x1: x - width, x2: x, y1: y - 11, y2: y + 3 };
      if (overlaps(box)) continue;
      boxes.push(box);
      placed.push({ x, y, anchor, text: label.text });
      break;
    }
  }
  return placed;
}

export class MapView {
  /** @param {SVGSVGElement} element */
  constructor(element, { onSelectVessel } = {}) {
    this.element = element;
    this.onSelectVessel = onSelectVessel;
    this.zones = undefined;
    this.land = undefined;
    this.extent = DEFAULT_EXTENT;
    this.data = { vessels: [], cameras: [], alarmedVessels: new Map(), selected: undefined };
    this.base = svg('g', { class: 'layer-base' });
    this.dynamic = svg('g', { class: 'layer-dynamic' });
    element.append(this.base, this.dynamic);
    this.size = { width: 0, height: 0 };
    new ResizeObserver(() => this.#resize()).observe(element);
  }

  setZones(collection) {
    this.zones = collection;
    this.extent = zonesExtent(collection) ?? DEFAULT_EXTENT;
    const [minLon, minLat, maxLon, maxLat] = this.extent;
    const padLon = (maxLon - minLon) * 0.04;
    const padLat = (maxLat - minLat) * 0.04;
    this.extent = [minLon - padLon, minLat - padLat, maxLon + padLon, maxLat + padLat];
    this.#drawBase();
    this.#drawDynamic();
  }

  setLand(collection) {
    this.land = collection;
    this.#drawBase();
  }

  update(data) {
    this.data = { ...this.data, ...data };
    this.#drawDynamic();
  }

  #resize() {
    const { width, height } = this.element.getBoundingClientRect();
    if (width < 10 || height < 10) return;
    if (Math.abs(width - this.size.width) < 1 && Math.abs(height - this.size.height) < 1) return;
    this.size = { width, height };
    this.element.setAttribute('viewBox', `0 0 ${width.toFixed(0)} ${height.toFixed(0)}`);
    this.#drawBase();
    this.#drawDynamic();
  }

  get #projection() {
    return makeProjection(this.extent, this.size.width || 800, this.size.height || 400);
  }

  #drawBase() {
    if (!this.size.width) return;
    const projection = this.#projection;
    const project = projection.point;
    const groups = {
      sea: svg('rect', { class: 'sea', x: 0, y: 0, width: projection.width, height: projection.height }),
      graticule: svg('g', { class: 'graticule' }),
      land: svg('g', { class: 'land' }),
      areas: svg('g', { class: 'areas' }),
      lines: svg('g', { class: 'lines' }),
      ports: svg('g', { class: 'ports' }),
      labels: svg('g', { class: 'labels' }),
    };
    const [west, north] = projection.invert(0, 0);
    const [east, south] = projection.invert(projection.width, projection.height);
    for (let lon = Math.ceil(west * 2) / 2; lon <= east; lon += 0.5) {
      const [x] = project(lon, 0);
      groups.graticule.append(svg('line', { x1: x, y1: 0, x2: x, y2: projection.height }));
      groups.graticule.append(svg('text', { x: x + 3, y: projection.height - 4 }, `${lon.toFixed(1)}°E`));
    }
    for (let lat = Math.ceil(south * 2) / 2; lat <= north; lat += 0.5) {
      const [, y] = project(0, lat);
      groups.graticule.append(svg('line', { x1: 0, y1: y, x2: projection.width, y2: y }));
      groups.graticule.append(svg('text', { x: 4, y: y - 3 }, `${lat.toFixed(1)}°N`));
    }
    for (const feature of this.land?.features ?? []) {
      groups.land.append(svg('path', { d: pathOf(feature.geometry, project) }));
    }
    for (const feature of this.zones?.features ?? []) {
      const { kind, name } = feature.properties ?? {};
      const label = name ?? feature.id;
      if (kind === 'port') {
        const position =
          feature.geometry?.type === 'Point' ? feature.geometry.coordinates : centroidOf(feature.geometry);
        if (!position) continue;
        const [x, y] = project(position[0], position[1]);
        groups.ports.append(
          svg(
            'g',
            { class: 'port', 'data-zone': feature.id },
            svg('title', {}, `Port: ${label}`),
            svg('rect', { x: x - 4, y: y - 4, width: 8, height: 8 }),
          ),
        );
        groups.labels.append(svg('text', { class: 'label port-label', x: x + 7, y: y + 4 }, label));
      } else if (kind === 'boundary') {
        groups.lines.append(
          svg(
            'path',
            { class: 'boundary', d: pathOf(feature.geometry, project), 'data-zone': feature.id },
            svg('title', {}, feature.properties?.line_name ?? label),
          ),
        );
      } else {
        groups.areas.append(
          svg(
            'path',
            {
              class: `zone zone-${kind}`,
              d: pathOf(feature.geometry, project),
              'fill-rule': 'evenodd',
              'data-zone': feature.id,
            },
            svg('title', {}, `${label} (${kind})`),
          ),
        );
        if (kind === 'closed') {
          const c = centroidOf(feature.geometry);
          if (c) {
            const [x, y] = project(c[0], c[1]);
            groups.labels.append(
              svg('text', { class: 'label closed-label', x, y: y + 22, 'text-anchor': 'middle' }, label),
            );
          }
        }
      }
    }
    const kmPerPx = KM_PER_DEG / projection.scale;
    const km = niceScaleKm(kmPerPx);
    const barPx = km / kmPerPx;
    const sx = projection.width - barPx - 16;
    const sy = projection.height - 14;
    const scaleBar = svg(
      'g',
      { class: 'scalebar' },
      svg('path', { d: `M${sx} ${sy - 5}V${sy}H${sx + barPx}V${sy - 5}` }),
      svg('text', { x: sx + barPx / 2, y: sy - 8, 'text-anchor': 'middle' }, `${km} km`),
    );
    const north_ = svg(
      'g',
      { class: 'north' },
      svg('path', { d: `M${projection.width - 22} 30l6 -16l6 16l-6 -4z` }),
      svg('text', { x: projection.width - 16, y: 44, 'text-anchor': 'middle' }, 'N'),
    );
    this.base.replaceChildren(
      groups.sea,
      groups.land,
      groups.graticule,
      groups.areas,
      groups.lines,
      groups.ports,
      groups.labels,
      scaleBar,
      north_,
    );
  }

  #drawDynamic() {
    if (!this.size.width) return;
    const project = this.#projection.point;
    const { vessels, cameras, alarmedVessels, selected, track } = this.data;
    const trackLayer = svg('g', { class: 'track-layer' });
    if (track && track.mmsi === selected) {
      const coordinates = [...track.coordinates];
      const now = vessels.find((v) => v.mmsi === selected);
      // The vessel moved on since the track was read: extend it to where the vessel is now.
      if (now && now.ts > (track.times.at(-1) ?? 0)) coordinates.push([now.lon, now.lat]);
      if (coordinates.length > 1) {
        trackLayer.append(
          svg('path', {
            class: 'track',
            d: pathOf({ type: 'LineString', coordinates }, project),
            'data-mmsi': selected,
            'data-points': coordinates.length,
          }),
        );
      }
    }
    const cameraLayer = svg('g', { class: 'cameras' });
    for (const camera of cameras) {
      if (!camera.position) continue;
      const [x, y] = project(camera.position.lon, camera.position.lat);
      const group = svg('g', {
        class: `camera${camera.fire ? ' fire' : ''}${camera.online === false ? ' offline' : ''}`,
        'data-camera': camera.key,
      });
      group.append(
        svg(
          'title',
          {},
          `Camera ${camera.key}${camera.fire ? ' — FIRE ALERT' : ''}${camera.online === false ? ' (offline)' : ''}`,
        ),
      );
      if (typeof camera.bearingDeg === 'number') {
        const half = (camera.fovDeg ?? 60) / 2;
        const [ax, ay] = towards(x, y, camera.bearingDeg - half, 26);
        const [bx, by] = towards(x, y, camera.bearingDeg + half, 26);
        group.append(svg('path', { class: 'fov', d: `M${x} ${y}L${ax} ${ay}A26 26 0 0 1 ${bx} ${by}Z` }));
      }
      if (camera.fire && typeof camera.bearingToFireDeg === 'number') {
        const [fx, fy] = towards(x, y, camera.bearingToFireDeg, 70);
        group.append(svg('line', { class: 'fire-ray', x1: x, y1: y, x2: fx, y2: fy }));
      }
      if (camera.fire) group.append(svg('circle', { class: 'fire-pulse', cx: x, cy: y, r: 12 }));
      group.append(
        svg('path', { class: 'cam-mark', d: `M${x} ${y - 7}L${x + 6.5} ${y + 5}L${x - 6.5} ${y + 5}Z` }),
      );
      cameraLayer.append(group);
    }

    const vesselLayer = svg('g', { class: 'vessels' });
    const labelLayer = svg('g', { class: 'labels vessel-labels' });
    const labels = [];
    const ordered = [...vessels].sort(
      (a, b) => (alarmedVessels.has(a.mmsi) ? 1 : 0) - (alarmedVessels.has(b.mmsi) ? 1 : 0),
    );
    for (const vessel of ordered) {
      const [x, y] = project(vessel.lon, vessel.lat);
      const alarm = alarmedVessels.get(vessel.mmsi);
      const classes = [
        'vessel',
        vessel.status,
        vessel.registered ? '' : 'unregistered',
        alarm ? `alarm sev-${alarm}` : '',
        selected === vessel.mmsi ? 'selected' : '',
      ];
      const group = svg('g', {
        class: classes.filter(Boolean).join(' '),
        'data-mmsi': vessel.mmsi,
        tabindex: -1,
      });
      const name = vessel.name ?? 'unregistered';
      group.append(
        svg(
          'title',
          {},
          `${name} · MMSI ${vessel.mmsi} · ${vessel.status.replace('_', ' ')}${alarm ? ` · ${alarm} alarm` : ''}`,
        ),
      );
      if (selected === vessel.mmsi)
        group.append(svg('circle', { class: 'select-ring', cx: x, cy: y, r: 13 }));
      if (alarm) group.append(svg('circle', { class: 'alarm-ring', cx: x, cy: y, r: 9 }));
      if (typeof vessel.cog === 'number') {
        const [tx, ty] = towards(x, y, vessel.cog, 13);
        group.append(svg('line', { class: 'heading', x1: x, y1: y, x2: tx, y2: ty }));
      }
      group.append(svg('circle', { class: 'dot', cx: x, cy: y, r: 4.5 }));
      group.addEventListener('click', () => this.onSelectVessel?.(vessel.mmsi));
      vesselLayer.append(group);
      if (alarm || selected === vessel.mmsi)
        labels.push({ x, y, text: name, rank: selected === vessel.mmsi ? 100 : severityOrder(alarm) });
    }
    for (const label of placeLabels(labels))
      labelLayer.append(
        svg(
          'text',
          { class: 'label vessel-label', x: label.x, y: label.y, 'text-anchor': label.anchor },
          label.text,
        ),
      );
    this.dynamic.replaceChildren(trackLayer, cameraLayer, vesselLayer, labelLayer);
  }
}
