// What the fisheries office's pages (office.js, registry.js, cases.js) share: their stylesheet, small tables and
// forms, the names of the administrative units, Vietnam's calendar days.
import { api } from '../api.js';
import { el } from '../format.js';
import { label, number, t } from '../i18n.js';

/** The counts the office follows, in the order its pages and reports show them. */
export const MAIN_COUNTS = [
  'registered',
  'atSea',
  'inPort',
  'silentOver6h',
  'silentOver10d',
  'inViolation',
  'licenceExpired',
  'withoutVms',
];

/** The office pages' own stylesheet, added once (the overview's style.css stays as it is). */
export function useOfficeStyles() {
  if (document.getElementById('office-css')) return;
  document.head.append(
    el('link', { id: 'office-css', rel: 'stylesheet', href: '/dashboard/views/office.css' }),
  );
}

/** Today in Vietnam (`YYYY-MM-DD`), whatever the browser's clock zone. */
export function vietnamToday(now = Date.now()) {
  return new Date(now + 7 * 3_600_000).toISOString().slice(0, 10);
}

export function addDays(day, days) {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** `15/03/2026` */
export function dayText(day) {
  return day ? `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}` : '–';
}

let unitsPromise;
/** Every administrative unit (provinces, communes, past districts), read once per page load. */
export function adminUnits(reload = false) {
  if (!unitsPromise || reload)
    unitsPromise = api('/api/v1/registry/admin-units').then(
      (body) => body.units,
      (error) => {
        unitsPromise = undefined;
        throw error;
      },
    );
  return unitsPromise;
}

export function validOn(unit, day) {
  return unit.validFrom <= day && (unit.validTo === undefined || day <= unit.validTo);
}

/** A unit's name by code (its code when unknown). */
export function unitName(units, code) {
  return units.find((u) => u.code === code)?.name ?? code;
}

/** A <select> with a label: options [[value, text]], the current value selected. */
export function selectField(id, text, options, value) {
  const select = el(
    'select',
    { id, name: id },
    options.map(([optionValue, optionText]) =>
      el('option', { value: optionValue, selected: optionValue === value }, optionText),
    ),
  );
  return { field: el('label', { class: 'field', for: id }, el('span', {}, text), select), select };
}

export function inputField(id, text, attributes = {}) {
  const input = el('input', { id, name: id, ...attributes });
  return { field: el('label', { class: 'field', for: id }, el('span', {}, text), input), input };
}

/** A table of counts: one row per group, a column per count (a number, right-aligned). */
export function countsTable(rows, { caption, firstHeader, nameCell }) {
  return el(
    'div',
    { class: 'table-scroll' },
    el(
      'table',
      { class: 'office-table' },
      caption ? el('caption', {}, caption) : undefined,
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col' }, firstHeader),
          MAIN_COUNTS.map((name) => el('th', { scope: 'col', class: 'num' }, label('count', name))),
        ),
      ),
      el(
        'tbody',
        {},
        rows.map((row) =>
          el(
            'tr',
            { dataset: { key: row.key } },
            el('th', { scope: 'row' }, nameCell(row)),
            MAIN_COUNTS.map((name) => el('td', { class: 'num' }, number(row.counts[name]))),
          ),
        ),
      ),
    ),
  );
}

/** A status line under a form or a list: `role=status`, or `role=alert` for a failure. */
export function statusLine(text, failed = false) {
  return el('p', { class: failed ? 'form-error' : 'form-note', role: failed ? 'alert' : 'status' }, text);
}

/** The message of a failed API call, for the person who tried. */
export function failure(error) {
  return t('office.failed', { message: error.body?.error ?? error.message });
}

/** `parent.replaceChildren` without the absent ones (a condition's `undefined` is not the text "undefined"). */
export function fill(parent, ...children) {
  parent.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}
