// #/office: the fisheries office's fleet statistics. The counts now (grouped by province, commune, home port,
// length class or gear), the daily history ("on 15 March, how many vessels of commune X were at sea") and the
// report downloads (day / week / month, a commune or the province, XLSX and CSV).
import { api } from '../api.js';
import { el, timeEl } from '../format.js';
import { dateTime, label, number, t } from '../i18n.js';
import { href, registerView } from '../views.js';
import {
  MAIN_COUNTS,
  adminUnits,
  countsTable,
  dayText,
  failure,
  fill,
  selectField,
  inputField,
  statusLine,
  unitName,
  useOfficeStyles,
  validOn,
  vietnamToday,
} from './office-shared.js';

const GROUP_BYS = ['commune', 'province', 'homePort', 'lengthClass', 'gear'];
const REFRESH_MS = 30_000;

/** The name of a group: a unit's name, a length class, a port's name; "not in the registry" for `unknown`. */
function groupName(by, group, context) {
  if (group.key === 'unknown') return t('office.unknownGroup');
  if (group.name) return group.name;
  if (by === 'lengthClass') return label('lengthClass', group.key);
  if (by === 'homePort') return context.state.zoneNames?.get(group.key) ?? group.key;
  return group.key;
}

function groupCell(by, group, context) {
  const name = groupName(by, group, context);
  // A commune's vessels are one click away in the registry.
  if (by === 'commune' && group.key !== 'unknown')
    return el('a', { href: href('registry', 'commune', group.key) }, name);
  return name;
}

function liveSection(context) {
  let groupBy = 'commune';
  let stats;
  const cards = el('dl', { class: 'count-cards', id: 'office-totals' });
  const switcher = el(
    'fieldset',
    { class: 'segmented', id: 'office-group-by' },
    el('legend', {}, t('office.groupBy')),
    GROUP_BYS.map((by) =>
      el(
        'button',
        {
          type: 'button',
          class: 'button',
          'aria-pressed': String(by === groupBy),
          dataset: { groupBy: by },
          onclick: () => {
            groupBy = by;
            for (const button of switcher.querySelectorAll('button'))
              button.setAttribute('aria-pressed', String(button.dataset.groupBy === by));
            draw();
          },
        },
        label('groupBy', by),
      ),
    ),
  );
  const updated = el('p', { class: 'form-note', id: 'office-updated' });
  const tableBox = el('div', { id: 'office-groups' });
  const draw = () => {
    if (!stats) return;
    cards.replaceChildren(
      ...MAIN_COUNTS.map((name) =>
        el(
          'div',
          { class: 'count-card', dataset: { count: name } },
          el('dt', {}, label('count', name)),
          el('dd', {}, number(stats.totals[name])),
        ),
      ),
    );
    updated.replaceChildren(t('office.countedAt'), ' ', timeEl(stats.at, dateTime(stats.at)));
    tableBox.replaceChildren(
      countsTable(stats.groups[groupBy], {
        firstHeader: label('groupBy', groupBy),
        nameCell: (group) => groupCell(groupBy, group, context),
      }),
    );
  };
  const load = async () => {
    try {
      stats = await api('/api/v1/fleet/stats');
      draw();
    } catch (error) {
      updated.replaceChildren(failure(error));
    }
  };
  const section = el(
    'section',
    { class: 'office-section', 'aria-labelledby': 'office-now' },
    el('h3', { id: 'office-now' }, t('office.now')),
    cards,
    el('div', { class: 'office-toolbar' }, switcher),
    tableBox,
    updated,
  );
  return { section, load };
}

function historySection(units, context) {
  const day = inputField('office-day', t('office.day'), {
    type: 'date',
    value: vietnamToday(),
    max: vietnamToday(),
    required: true,
  });
  const by = selectField(
    'office-history-by',
    t('office.groupBy'),
    [['total', t('office.wholeFleet')], ...GROUP_BYS.map((g) => [g, label('groupBy', g)])],
    'commune',
  );
  const result = el('div', { id: 'office-history', 'aria-live': 'polite' });
  // A day before the 2025 reform can also be read by district (the units' validity dates say which days).
  const offerDistricts = (chosen) => {
    const districts = units.some((u) => u.kind === 'district' && validOn(u, chosen));
    const option = by.select.querySelector('option[value="district"]');
    if (districts && !option)
      by.select.append(el('option', { value: 'district' }, label('groupBy', 'district')));
    if (!districts && option) {
      if (by.select.value === 'district') by.select.value = 'commune';
      option.remove();
    }
  };
  const show = async () => {
    const chosen = day.input.value;
    if (!chosen) return;
    offerDistricts(chosen);
    const groupBy = by.select.value;
    try {
      const { rows } = await api(
        `/api/v1/fleet/daily?${new URLSearchParams({ from: chosen, to: chosen, groupBy })}`,
      );
      if (rows.length === 0) {
        result.replaceChildren(statusLine(t('office.noSnapshot', { day: dayText(chosen) })));
        return;
      }
      result.replaceChildren(
        countsTable(rows, {
          caption: t('office.snapshotOf', { day: dayText(chosen), time: dateTime(rows[0].takenAt) }),
          firstHeader: groupBy === 'total' ? t('office.wholeFleet') : label('groupBy', groupBy),
          nameCell: (row) =>
            groupBy === 'total'
              ? t('office.wholeFleet')
              : groupName(groupBy, { ...row, name: row.name ?? unitName(units, row.key) }, context),
        }),
      );
    } catch (error) {
      result.replaceChildren(statusLine(failure(error), true));
    }
  };
  day.input.addEventListener('change', () => void show());
  by.select.addEventListener('change', () => void show());
  return {
    section: el(
      'section',
      { class: 'office-section', 'aria-labelledby': 'office-history-heading' },
      el('h3', { id: 'office-history-heading' }, t('office.history')),
      el('p', { class: 'form-note' }, t('office.historyHelp')),
      el('div', { class: 'office-toolbar' }, day.field, by.field),
      result,
    ),
    load: show,
  };
}

function reportsSection(units) {
  const today = vietnamToday();
  const period = selectField(
    'report-period',
    t('office.period'),
    ['day', 'week', 'month'].map((p) => [p, label('reportPeriod', p)]),
    'day',
  );
  const day = inputField('report-day', t('office.reportDay'), { type: 'date', value: today, max: today });
  const scope = selectField('report-scope', t('office.scope'), [], '');
  const grouping = selectField('report-group', t('office.reportRows'), [], 'commune');
  const list = selectField(
    'report-list',
    t('office.csvList'),
    ['summary', 'silent', 'violations', 'departures'].map((l) => [l, label('reportList', l)]),
    'summary',
  );
  const links = el('div', { class: 'download-links', id: 'report-links' });
  const refresh = () => {
    const chosenDay = day.input.value || today;
    // The units as they were that day: communes since 1 July 2025, districts before (the hierarchy is data).
    const communes = units.filter((u) => u.kind === 'commune' && validOn(u, chosenDay));
    const province = units.find((u) => u.kind === 'province' && validOn(u, chosenDay) && !u.replacedBy);
    const scopeValue = scope.select.value;
    scope.select.replaceChildren(
      el('option', { value: '' }, t('office.province', { name: province?.name ?? '' })),
      ...communes.map((c) => el('option', { value: c.code, selected: c.code === scopeValue }, c.name)),
    );
    const districts = units.some((u) => u.kind === 'district' && validOn(u, chosenDay));
    const rows = grouping.select.value;
    fill(
      grouping.select,
      el('option', { value: 'commune' }, label('groupBy', 'commune')),
      districts
        ? el('option', { value: 'district', selected: rows === 'district' }, label('groupBy', 'district'))
        : undefined,
    );
    grouping.field.hidden = !districts;
    const query = { period: period.select.value, day: chosenDay };
    if (scope.select.value) query.commune = scope.select.value;
    if (districts && grouping.select.value === 'district') query.groupBy = 'district';
    const url = (format, extra = {}) =>
      `/api/v1/reports?${new URLSearchParams({ ...query, format, ...extra })}`;
    links.replaceChildren(
      el(
        'a',
        { class: 'button primary', href: url('xlsx'), download: '', dataset: { format: 'xlsx' } },
        t('office.downloadXlsx'),
      ),
      el(
        'a',
        {
          class: 'button',
          href: url('csv', { list: list.select.value }),
          download: '',
          dataset: { format: 'csv' },
        },
        t('office.downloadCsv', { list: label('reportList', list.select.value) }),
      ),
    );
  };
  for (const control of [period.select, day.input, scope.select, grouping.select, list.select])
    control.addEventListener('change', refresh);
  refresh();
  return el(
    'section',
    { class: 'office-section', 'aria-labelledby': 'office-reports-heading' },
    el('h3', { id: 'office-reports-heading' }, t('office.reports')),
    el('div', { class: 'office-toolbar' }, period.field, day.field, scope.field, grouping.field, list.field),
    links,
    el('p', { class: 'form-note' }, t('office.reportsHelp')),
  );
}

registerView({
  name: 'office',
  navKey: 'nav.office',
  feature: 'office',
  title: () => t('office.title'),
  async mount(container, _params, context) {
    useOfficeStyles();
    const units = await adminUnits().catch(() => []);
    const live = liveSection(context);
    const history = historySection(units, context);
    container.replaceChildren(
      el('div', { class: 'office-page' }, live.section, history.section, reportsSection(units)),
    );
    await Promise.all([live.load(), history.load()]);
    const timer = setInterval(() => void live.load(), REFRESH_MS);
    return () => clearInterval(timer);
  },
});
