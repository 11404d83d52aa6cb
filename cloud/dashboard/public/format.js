// Formatting and small DOM helpers shared by the panels.

export const SEVERITIES = ['CRITICAL', 'MAJOR', 'MINOR', 'WARNING', 'INDETERMINATE'];

/** Higher is more severe. */
export function severityRank(severity) {
  const index = SEVERITIES.indexOf(severity);
  return index < 0 ? 0 : SEVERITIES.length - index;
}

const ALARM_TYPE_NAMES = {
  boundary_crossing: 'Boundary crossing',
  closed_area: 'Closed area',
  zone_by_length: 'Wrong zone for length',
  signal_loss: 'Signal loss',
  encounter: 'Encounter',
  loitering: 'Loitering',
  fire: 'Fire / smoke',
};

export function alarmTypeName(type) {
  return ALARM_TYPE_NAMES[type] ?? type.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

const pad = (n) => String(n).padStart(2, '0');

/** Local clock time, with the date when it is not today. */
export function clockTime(ms) {
  if (!Number.isFinite(ms)) return '–';
  const d = new Date(ms);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

export function isoTime(ms) {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

/** "12 s ago", "5 min ago", "3 h 10 min ago", "2 d 4 h ago". */
export function ago(ms, now = Date.now()) {
  if (!Number.isFinite(ms)) return '–';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min ago`;
  return `${Math.floor(h / 24)} d ${h % 24} h ago`;
}

/** 8°36.12′N 104°43.50′E */
export function latLon(lat, lon) {
  const part = (value, pos, neg) => {
    // Round once, in hundredths of a minute, so 59.999′ becomes the next degree and never "60.00′".
    const hundredths = Math.round(Math.abs(value) * 6000);
    const deg = Math.floor(hundredths / 6000);
    const minutes = (hundredths % 6000) / 100;
    return `${deg}°${minutes.toFixed(2).padStart(5, '0')}′${value >= 0 ? pos : neg}`;
  };
  return `${part(lat, 'N', 'S')} ${part(lon, 'E', 'W')}`;
}

/** Creates an element: el('td', { class: 'num', title: 'x' }, 'text', child...). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'onclick') element.addEventListener('click', value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** A <time> element with the clock time shown and the full ISO time as its datetime and tooltip. */
export function timeEl(ms, text = clockTime(ms)) {
  return el('time', { datetime: isoTime(ms), title: isoTime(ms) }, text);
}

/** Short human text for an alarm detail value. */
export function detailText(value) {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : value.toFixed(value < 10 ? 3 : 1);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number'))
    return `${value[1].toFixed(4)}, ${value[0].toFixed(4)}`;
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** Keys that look like times (ms since epoch) are shown as times. */
export function isTimeKey(key, value) {
  return typeof value === 'number' && value > 1e12 && /(ts|time|at|since)$/i.test(key);
}

/** "signalLostH" -> "signal lost h", "entryTs" -> "entry". */
export function humanKey(key) {
  return key
    .replace(/(.)Ts$/, '$1')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
}

/**
 * Makes `parent`'s children be `items`, keeping each current child whose replacement renders the same (equal
 * outerHTML) and touching the DOM only where something changed. A live update then does not replace the button
 * under the pointer: a click whose mousedown came before the update and mouseup after still lands.
 */
export function updateChildren(parent, items) {
  const unchanged = new Map();
  for (const child of parent.children) {
    const same = unchanged.get(child.outerHTML);
    if (same) same.push(child);
    else unchanged.set(child.outerHTML, [child]);
  }
  const next = items.map((item) => unchanged.get(item.outerHTML)?.shift() ?? item);
  next.forEach((node, index) => {
    if (parent.children[index] !== node) parent.insertBefore(node, parent.children[index] ?? null);
  });
  while (parent.children.length > next.length) parent.lastElementChild.remove();
}
