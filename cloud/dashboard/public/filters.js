// Find and filter: the search box (MMSI, name, registration, camera), the vessel status and zone filters, the
// alarm type and severity filters, and the vessel table's sortable columns.
import { SEVERITIES, el, severityRank } from './format.js';
import { label, t } from './i18n.js';

const ALARM_TYPES = [
  'fire',
  'closed_area',
  'boundary_crossing',
  'zone_by_length',
  'signal_loss',
  'encounter',
  'loitering',
  'camera_offline',
  'edge_offline',
];
const STATUSES = ['alarm', 'at_sea', 'in_port', 'silent', 'unregistered'];

/** Lower case without diacritics: "Sông Đốc" and "song doc" match. */
export function fold(text) {
  return String(text ?? '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/đ/gi, 'd')
    .toLowerCase();
}

export function vesselMatches(vessel, state) {
  const { text, status, zone } = state.filters;
  if (text) {
    const wanted = fold(text);
    if (![vessel.mmsi, vessel.name, vessel.registration].some((value) => fold(value).includes(wanted)))
      return false;
  }
  if (status === 'alarm' && !state.alarmedVessels.has(vessel.mmsi)) return false;
  if (status === 'unregistered' && vessel.registered) return false;
  if (['at_sea', 'in_port', 'silent'].includes(status) && vessel.status !== status) return false;
  if (zone && !vessel.zones.includes(zone) && vessel.nearestPort?.id !== zone) return false;
  return true;
}

export function cameraMatches(camera, state) {
  const { text } = state.filters;
  return !text || fold(camera.key).includes(fold(text));
}

export function alarmMatches(alarm, state) {
  const { alarmType, severity } = state.filters;
  return (!alarmType || alarm.type === alarmType) && (!severity || alarm.severity === severity);
}

const SORT_KEYS = {
  mmsi: (v) => v.mmsi,
  name: (v) => fold(v.name ?? '~'),
  registration: (v) => v.registration ?? '~',
  // Unknown lengths and speeds sort after the known ones; positions north to south.
  length: (v) => v.lengthM ?? Number.POSITIVE_INFINITY,
  position: (v) => -v.lat,
  speed: (v) => v.sog ?? Number.POSITIVE_INFINITY,
  seen: (v) => -v.ts,
  zone: (v) => v.zones.join(','),
};

/** The table's order: the default (alarms first, see panels.js), or the column the operator clicked. */
export function sortByColumn(vessels, sort) {
  const key = SORT_KEYS[sort?.column];
  if (!key) return vessels;
  const direction = sort.descending ? -1 : 1;
  return [...vessels].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : 0) * direction || a.mmsi - b.mmsi;
  });
}

function fillSelect(select, allText, options) {
  const value = select.value;
  select.replaceChildren(
    el('option', { value: '' }, allText),
    ...options.map(([optionValue, text]) => el('option', { value: optionValue }, text)),
  );
  select.value = options.some(([optionValue]) => optionValue === value) ? value : '';
}

/** Options in the page's language; zones by name (areas and ports of the zone files). */
export function fillFilterOptions(state) {
  fillSelect(
    document.getElementById('filter-status'),
    t('filter.allStatuses'),
    STATUSES.map((status) => [status, t(`filter.status.${status}`)]),
  );
  const zones = [...state.zoneNames]
    .filter(([id]) => state.zoneKinds.get(id) !== 'boundary')
    .sort((a, b) => a[1].localeCompare(b[1]));
  fillSelect(document.getElementById('filter-zone'), t('filter.allZones'), zones);
  fillSelect(
    document.getElementById('filter-alarm-type'),
    t('filter.allTypes'),
    ALARM_TYPES.map((type) => [type, label('alarmType', type)]),
  );
  fillSelect(
    document.getElementById('filter-severity'),
    t('filter.allSeverities'),
    [...SEVERITIES].sort((a, b) => severityRank(b) - severityRank(a)).map((s) => [s, label('severity', s)]),
  );
}

function showSort(sort) {
  for (const th of document.querySelectorAll('#vessels-table th[data-col]')) {
    const sorted = th.dataset.col === sort?.column;
    th.setAttribute('aria-sort', sorted ? (sort.descending ? 'descending' : 'ascending') : 'none');
  }
}

/** Wires the controls; `onChange(panels)` re-renders what a change affects; Enter in the search selects a match. */
export function setupFilters(state, { onChange, onSearchEnter }) {
  const search = document.getElementById('search');
  search.addEventListener('input', () => {
    state.filters.text = search.value.trim();
    onChange('vessels', 'cameras', 'map');
  });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') onSearchEnter();
  });
  for (const [id, key, panels] of [
    ['filter-status', 'status', ['vessels', 'map']],
    ['filter-zone', 'zone', ['vessels', 'map']],
    ['filter-alarm-type', 'alarmType', ['alarms']],
    ['filter-severity', 'severity', ['alarms']],
  ]) {
    const select = document.getElementById(id);
    select.addEventListener('change', () => {
      state.filters[key] = select.value;
      onChange(...panels);
    });
  }
  for (const button of document.querySelectorAll('#vessels-table button.sort')) {
    button.addEventListener('click', () => {
      const column = button.dataset.sort;
      const same = state.sort?.column === column;
      // Click: ascending, again: descending, a third time: back to the default order (alarms first).
      state.sort = !same
        ? { column, descending: false }
        : state.sort.descending
          ? undefined
          : { column, descending: true };
      showSort(state.sort);
      onChange('vessels');
    });
  }
  showSort(state.sort);
  fillFilterOptions(state);
}
