// Formatting and small DOM helpers shared by the panels. Texts, times, numbers and coordinates: i18n.js.
import { clockTime, dateTime, label, number } from './i18n.js';

export const SEVERITIES = ['CRITICAL', 'MAJOR', 'MINOR', 'WARNING', 'INDETERMINATE'];

/** Higher is more severe. */
export function severityRank(severity) {
  const index = SEVERITIES.indexOf(severity);
  return index < 0 ? 0 : SEVERITIES.length - index;
}

export function isoTime(ms) {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
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

/**
 * A button that acts on the page. `changes` (the default): it changes what the cloud keeps, so a viewer account,
 * which may only read, does not see it (`data-changes`, style.css); `changes: false` for one that only shows.
 * `data-action` names the action for tests and styles either way.
 */
export function actionButton(
  action,
  text,
  onclick,
  { primary = false, changes = true, dataset, ...attributes } = {},
) {
  return el(
    'button',
    {
      type: 'button',
      class: primary ? 'button primary' : 'button',
      ...attributes,
      dataset: { action, ...(changes ? { changes: '' } : {}), ...dataset },
      onclick,
    },
    text,
  );
}

/** A <time> element with the clock time shown, the full date and time (GMT+7) as its tooltip. */
export function timeEl(ms, text = clockTime(ms)) {
  return el('time', { datetime: isoTime(ms), title: dateTime(ms) }, text);
}

/** Short human text for an alarm detail value. */
export function detailText(value) {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') return number(value, Number.isInteger(value) ? 0 : value < 10 ? 3 : 1);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number'))
    return `${number(value[1], 4)}; ${number(value[0], 4)}`;
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** Keys that look like times (ms since epoch) are shown as times. */
export function isTimeKey(key, value) {
  return typeof value === 'number' && value > 1e12 && /(ts|time|at|since)$/i.test(key);
}

/** The catalogue's name of a detail (`detail.silentForH`), else "signalLostH" -> "signal lost h". */
export function humanKey(key) {
  const base = key.replace(/(.)Ts$/, '$1');
  const named = label('detail', base);
  if (named !== base) return named;
  return base
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
