// #/registry: the vessel registry. The list with search and filters (commune, length, gear, licence state), a
// vessel's record with its change history (who, when, what), create / edit / retire with each problem the API
// finds shown next to its field, import from CSV or XLSX (every bad row named; nothing is written unless all are
// good) and export. `#/registry/commune/<code>` opens it filtered, `#/registry/vessel/<registration>` on a record.
import { api, send } from '../api.js';
import { actionButton, el, timeEl } from '../format.js';
import { dateTime, label, number, t } from '../i18n.js';
import { actorFields } from '../operator.js';
import { href, registerView } from '../views.js';
import {
  addDays,
  adminUnits,
  dayText,
  failure,
  fill,
  inputField,
  selectField,
  statusLine,
  unitName,
  useOfficeStyles,
  validOn,
  vietnamToday,
} from './office-shared.js';

/** The fields an officer enters, in the order of the form (the API's and the CSV's names). */
const FIELDS = [
  ['registration', { required: true, placeholder: 'CM-90123-TS' }],
  ['name', { required: true }],
  ['mmsi', { type: 'number', inputmode: 'numeric' }],
  ['vmsDeviceId', {}],
  ['lengthM', { type: 'number', step: '0.1', min: '0', required: true }],
  ['grossTonnage', { type: 'number', step: '0.1', min: '0' }],
  ['gear', {}],
  ['licenceNumber', {}],
  ['licenceZoneClass', { options: ['offshore', 'inshore', 'coastal'] }],
  ['licenceValidFrom', { type: 'date' }],
  ['licenceValidTo', { type: 'date' }],
  ['ownerName', {}],
  ['ownerPhone', { type: 'tel' }],
  ['captainName', {}],
  ['captainPhone', { type: 'tel' }],
  ['homePort', {}],
  ['communeCode', { options: 'communes' }],
  ['provinceCode', { options: 'provinces' }],
];
const NUMBER_FIELDS = new Set(['mmsi', 'lengthM', 'grossTonnage']);
const SOON_DAYS = 30;

const fold = (text) =>
  String(text ?? '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .toLowerCase();

/** valid, expiring (within 30 days), expired, none: from the licence's last day and today (Vietnam). */
export function licenceState(vessel, today = vietnamToday()) {
  if (!vessel.licenceNumber) return 'none';
  if (vessel.licenceValidTo && vessel.licenceValidTo < today) return 'expired';
  if (vessel.licenceValidTo && vessel.licenceValidTo <= addDays(today, SOON_DAYS)) return 'expiring';
  return 'valid';
}

const LICENCE_BADGE = { valid: 'ok', expiring: 'warn', expired: 'bad', none: 'bad' };

function lengthClass(lengthM) {
  return lengthM >= 15 ? 'offshore' : lengthM >= 12 ? 'inshore' : 'coastal';
}

class RegistryPage {
  constructor(container, params, context) {
    this.container = container;
    this.context = context;
    this.vessels = [];
    this.units = [];
    this.filters = { text: '', commune: '', length: '', gear: '', licence: '', retired: false };
    if (params[0] === 'commune' && params[1]) this.filters.commune = params[1];
    this.selected = params[0] === 'vessel' ? params[1] : undefined;
  }

  async mount() {
    this.units = await adminUnits().catch(() => []);
    this.listBox = el('div', { id: 'registry-list' });
    this.countLine = el('p', { class: 'form-note', id: 'registry-count', role: 'status' });
    this.recordBox = el('section', {
      class: 'office-section',
      id: 'registry-record',
      'aria-live': 'polite',
      hidden: true,
    });
    this.importBox = el('div', { id: 'registry-import-result', 'aria-live': 'polite' });
    this.container.replaceChildren(
      el(
        'div',
        { class: 'office-page' },
        el(
          'section',
          { class: 'office-section', 'aria-labelledby': 'registry-list-heading' },
          el('h3', { id: 'registry-list-heading' }, t('registry.list')),
          this.toolbar(),
          this.countLine,
          this.listBox,
        ),
        this.recordBox,
        this.fileSection(),
      ),
    );
    await this.load();
    if (this.selected) await this.showRecord(this.selected);
  }

  communes() {
    return this.units.filter((u) => u.kind === 'commune' && validOn(u, vietnamToday()));
  }

  toolbar() {
    const search = inputField('registry-search', t('registry.search'), {
      type: 'search',
      placeholder: t('registry.searchPlaceholder'),
      autocomplete: 'off',
    });
    search.input.addEventListener('input', () => {
      this.filters.text = search.input.value;
      this.draw();
    });
    const commune = selectField(
      'registry-commune',
      label('vesselField', 'communeCode'),
      [['', t('registry.all')], ...this.communes().map((c) => [c.code, c.name])],
      this.filters.commune,
    );
    const length = selectField(
      'registry-length',
      t('registry.lengthClass'),
      [
        ['', t('registry.all')],
        ...['coastal', 'inshore', 'offshore'].map((c) => [c, label('lengthClass', c)]),
      ],
      '',
    );
    this.gearSelect = selectField(
      'registry-gear',
      label('vesselField', 'gear'),
      [['', t('registry.all')]],
      '',
    );
    const licence = selectField(
      'registry-licence',
      t('registry.licenceState'),
      [
        ['', t('registry.all')],
        ...['valid', 'expiring', 'expired', 'none'].map((s) => [s, label('licenceState', s)]),
      ],
      '',
    );
    const retired = selectField(
      'registry-retired',
      t('registry.inService'),
      [
        ['false', t('registry.inServiceOnly')],
        ['true', t('registry.retiredOnly')],
      ],
      'false',
    );
    for (const [control, key] of [
      [commune.select, 'commune'],
      [length.select, 'length'],
      [this.gearSelect.select, 'gear'],
      [licence.select, 'licence'],
    ])
      control.addEventListener('change', () => {
        this.filters[key] = control.value;
        this.draw();
      });
    retired.select.addEventListener('change', () => {
      this.filters.retired = retired.select.value === 'true';
      void this.load();
    });
    return el(
      'div',
      { class: 'office-toolbar' },
      search.field,
      commune.field,
      length.field,
      this.gearSelect.field,
      licence.field,
      retired.field,
      actionButton('create', t('registry.new'), () => this.showForm(), { primary: true, id: 'registry-new' }),
    );
  }

  async load() {
    try {
      const { vessels } = await api(`/api/v1/registry/vessels?retired=${this.filters.retired}`);
      this.vessels = vessels;
      const gears = [...new Set(vessels.map((v) => v.gear).filter(Boolean))].sort();
      const chosen = this.gearSelect.select.value;
      this.gearSelect.select.replaceChildren(
        el('option', { value: '' }, t('registry.all')),
        ...gears.map((g) => el('option', { value: g, selected: g === chosen }, g)),
      );
      this.draw();
    } catch (error) {
      this.listBox.replaceChildren(statusLine(failure(error), true));
    }
  }

  matches(vessel) {
    const { text, commune, length, gear, licence } = this.filters;
    if (commune && vessel.communeCode !== commune) return false;
    if (length && lengthClass(vessel.lengthM) !== length) return false;
    if (gear && vessel.gear !== gear) return false;
    if (licence && licenceState(vessel) !== licence) return false;
    if (!text.trim()) return true;
    const wanted = fold(text.trim());
    return [vessel.registration, vessel.name, vessel.mmsi, vessel.ownerName, vessel.captainName].some(
      (value) => fold(value).includes(wanted),
    );
  }

  draw() {
    const shown = this.vessels.filter((v) => this.matches(v));
    this.countLine.textContent = t('registry.count', { shown: shown.length, total: this.vessels.length });
    const columns = [
      'registration',
      'name',
      'mmsi',
      'lengthM',
      'gear',
      'communeCode',
      'licenceValidTo',
      'vmsDeviceId',
      'ownerName',
    ];
    const today = vietnamToday();
    const row = (vessel) => {
      const state = licenceState(vessel, today);
      return el(
        'tr',
        {
          tabindex: '0',
          dataset: { registration: vessel.registration },
          'aria-selected': String(vessel.registration === this.selected),
          onclick: () => void this.showRecord(vessel.registration, { scroll: true }),
        },
        el('td', {}, el('a', { href: href('registry', 'vessel', vessel.registration) }, vessel.registration)),
        el(
          'td',
          {},
          vessel.name,
          vessel.demo
            ? el('span', { class: 'badge', title: t('registry.demoTitle') }, t('registry.demo'))
            : undefined,
        ),
        el('td', { class: 'num' }, vessel.mmsi ?? '–'),
        el('td', { class: 'num' }, number(vessel.lengthM, 1)),
        el('td', {}, vessel.gear ?? '–'),
        el('td', {}, vessel.communeCode ? unitName(this.units, vessel.communeCode) : '–'),
        el(
          'td',
          {},
          el('span', { class: `badge ${LICENCE_BADGE[state]}` }, label('licenceState', state)),
          vessel.licenceValidTo ? ` ${dayText(vessel.licenceValidTo)}` : '',
        ),
        el(
          'td',
          {},
          vessel.vmsDeviceId ??
            (vessel.lengthM >= 15 ? el('span', { class: 'badge bad' }, t('registry.noVms')) : '–'),
        ),
        el(
          'td',
          {},
          vessel.ownerName ?? '–',
          vessel.ownerPhone ? el('div', { class: 'muted' }, vessel.ownerPhone) : undefined,
        ),
      );
    };
    const table = el(
      'table',
      { class: 'office-table stacked', id: 'registry-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          columns.map((c) => el('th', { scope: 'col' }, label('vesselField', c))),
        ),
      ),
      el('tbody', {}, shown.slice(0, 500).map(row)),
    );
    // On a phone each row is a card: every cell says what it is.
    for (const tr of table.tBodies[0].rows)
      [...tr.cells].forEach((cell, index) =>
        cell.setAttribute('data-label', label('vesselField', columns[index])),
      );
    table.addEventListener('keydown', (event) => {
      const tr = event.target.closest?.('tr[data-registration]');
      if (event.key === 'Enter' && tr) void this.showRecord(tr.dataset.registration, { scroll: true });
    });
    this.listBox.replaceChildren(
      el('div', { class: 'table-scroll' }, table),
      ...(shown.length > 500 ? [statusLine(t('registry.firstRows', { n: 500 }))] : []),
    );
  }

  /** A vessel's record: its fields, links, actions and its change history. */
  async showRecord(registration, { scroll = false } = {}) {
    this.selected = registration;
    for (const tr of this.listBox.querySelectorAll('tr[data-registration]'))
      tr.setAttribute('aria-selected', String(tr.dataset.registration === registration));
    let vessel;
    let history;
    try {
      [vessel, { entries: history }] = await Promise.all([
        api(`/api/v1/registry/vessels/${encodeURIComponent(registration)}`),
        api(`/api/v1/registry/vessels/${encodeURIComponent(registration)}/history`),
      ]);
    } catch (error) {
      this.recordBox.hidden = false;
      this.recordBox.replaceChildren(statusLine(failure(error), true));
      return;
    }
    const fields = el(
      'dl',
      { class: 'form-grid record-fields' },
      FIELDS.filter(([name]) => vessel[name] !== undefined).map(([name]) =>
        el(
          'div',
          {},
          el('dt', { class: 'muted' }, label('vesselField', name)),
          el('dd', {}, this.fieldText(name, vessel[name])),
        ),
      ),
    );
    const actions = el(
      'div',
      { class: 'form-actions' },
      vessel.mmsi !== undefined
        ? el('a', { class: 'button', href: href('vessel', vessel.mmsi) }, t('registry.vesselPage'))
        : undefined,
      vessel.retiredAt === undefined
        ? [
            actionButton('edit', t('registry.edit'), () => this.showForm(vessel), { id: 'registry-edit' }),
            actionButton('retire', t('registry.retire'), () => this.showRetire(vessel), {
              id: 'registry-retire',
            }),
          ]
        : el(
            'p',
            { class: 'form-note' },
            t('registry.retiredOn', { time: dateTime(vessel.retiredAt), reason: vessel.retiredReason ?? '' }),
          ),
    );
    this.recordBox.hidden = false;
    fill(
      this.recordBox,
      el('h3', { id: 'registry-record-heading' }, `${vessel.name} (${vessel.registration})`),
      vessel.demo ? el('p', { class: 'form-note' }, t('registry.demoTitle')) : undefined,
      fields,
      actions,
      el('div', { id: 'registry-action' }),
      el('h4', {}, t('registry.history')),
      el(
        'ol',
        { class: 'history-list', id: 'registry-history' },
        history.map((entry) => this.historyItem(entry)),
      ),
    );
    // Chosen in a long list: the record is below it.
    if (scroll) this.recordBox.scrollIntoView({ block: 'start' });
  }

  fieldText(name, value) {
    if (name === 'communeCode' || name === 'provinceCode') return `${unitName(this.units, value)} (${value})`;
    if (name === 'licenceZoneClass') return label('lengthClass', value);
    if (name === 'homePort') return this.context.state.zoneNames?.get(value) ?? value;
    if (name === 'licenceValidFrom' || name === 'licenceValidTo') return dayText(value);
    if (name === 'lengthM' || name === 'grossTonnage') return number(value, 1);
    return String(value);
  }

  /** Who, when, what: `officer.lan 14:05 03/12/2026 (GMT+7) changed: Chủ tàu: A → B`. */
  historyItem(entry) {
    const changes = [];
    const before = entry.before ?? {};
    const after = entry.after ?? {};
    for (const [name] of FIELDS)
      if (before[name] !== after[name] && (entry.action === 'update' || entry.action === 'import'))
        changes.push(
          el('li', {}, `${label('vesselField', name)}: ${before[name] ?? '–'} → ${after[name] ?? '–'}`),
        );
    return el(
      'li',
      { dataset: { audit: entry.action } },
      el('strong', {}, label('auditAction', entry.action)),
      ' ',
      t('registry.byAt', { actor: entry.actor }),
      ' ',
      timeEl(entry.at, dateTime(entry.at)),
      entry.action === 'retire' && after.retiredReason ? ` — ${after.retiredReason}` : '',
      changes.length ? el('ul', { class: 'muted' }, changes) : undefined,
    );
  }

  /** The create (no vessel) or edit form; the API's problems appear under their fields. */
  showForm(vessel) {
    const box = vessel ? this.recordBox.querySelector('#registry-action') : this.recordBox;
    if (!vessel) {
      this.recordBox.hidden = false;
      this.selected = undefined;
    }
    const today = vietnamToday();
    const inputs = new Map();
    const errors = new Map();
    const fields = FIELDS.map(([name, spec]) => {
      const id = `vessel-${name}`;
      const { options, ...attributes } = spec;
      let control;
      if (options) {
        const values =
          options === 'communes'
            ? this.communes().map((c) => [c.code, c.name])
            : options === 'provinces'
              ? this.units
                  .filter((u) => u.kind === 'province' && validOn(u, today))
                  .map((p) => [p.code, p.name])
              : options.map((o) => [o, label('lengthClass', o)]);
        control = el(
          'select',
          { id, name },
          el('option', { value: '' }, '–'),
          values.map(([value, text]) => el('option', { value, selected: vessel?.[name] === value }, text)),
        );
      } else
        control = el('input', {
          id,
          name,
          type: 'text',
          ...attributes,
          value: vessel?.[name] ?? '',
          readonly: vessel && name === 'registration',
          'aria-describedby': `${id}-error`,
        });
      inputs.set(name, control);
      const error = el('p', { class: 'field-error', id: `${id}-error`, hidden: true });
      errors.set(name, error);
      return el(
        'label',
        { class: 'field', for: id, dataset: { field: name } },
        el('span', {}, label('vesselField', name)),
        control,
        error,
      );
    });
    const note = el('div', { 'aria-live': 'polite' });
    const form = el(
      'form',
      { id: 'vessel-form', novalidate: true },
      el('h3', {}, vessel ? t('registry.editTitle', { name: vessel.name }) : t('registry.newTitle')),
      el('div', { class: 'form-grid' }, fields),
      el(
        'div',
        { class: 'form-actions' },
        el('button', { type: 'submit', class: 'button primary' }, t('registry.save')),
        el(
          'button',
          {
            type: 'button',
            class: 'button',
            onclick: () =>
              vessel ? void this.showRecord(vessel.registration) : (this.recordBox.hidden = true),
          },
          t('registry.cancel'),
        ),
      ),
      note,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.save(vessel, inputs, errors, note);
    });
    box.replaceChildren(form);
    box.scrollIntoView?.({ block: 'nearest' });
    inputs.get(vessel ? 'name' : 'registration').focus();
  }

  async save(vessel, inputs, errors, note) {
    for (const error of errors.values()) {
      error.hidden = true;
      error.textContent = '';
      error.closest('.field').removeAttribute('data-invalid');
    }
    note.replaceChildren();
    const actor = await actorFields();
    if (!actor) return;
    const value = (name) => {
      const raw = inputs.get(name).value.trim();
      if (raw === '') return undefined;
      return NUMBER_FIELDS.has(name) && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    };
    try {
      let saved;
      if (!vessel) {
        const body = { ...actor };
        for (const [name] of FIELDS) if (value(name) !== undefined) body[name] = value(name);
        saved = await send('/api/v1/registry/vessels', 'POST', body);
      } else {
        const changes = {};
        for (const [name] of FIELDS) {
          const next = value(name);
          if (next !== vessel[name]) changes[name] = next ?? null;
        }
        if (Object.keys(changes).length === 0) return void this.showRecord(vessel.registration);
        saved = await send(`/api/v1/registry/vessels/${encodeURIComponent(vessel.registration)}`, 'PATCH', {
          changes,
          ...actor,
        });
      }
      await this.load();
      await this.showRecord(saved.registration);
      this.recordBox.querySelector('#registry-action').replaceChildren(statusLine(t('registry.saved')));
    } catch (error) {
      const problems = error.body?.problems ?? [];
      const unplaced = [];
      for (const problem of problems) {
        const box = errors.get(problem.column);
        if (!box) {
          unplaced.push(problem);
          continue;
        }
        box.hidden = false;
        // The API speaks English to programs; the officer reads what the field wants in their language.
        const text = t('registry.fieldProblem', {
          hint: label('vesselHint', problem.column),
          message: problem.message,
        });
        box.textContent = box.textContent ? `${box.textContent}; ${problem.message}` : text;
        box.closest('.field').setAttribute('data-invalid', '');
      }
      note.replaceChildren(
        statusLine(problems.length ? t('registry.fixFields') : failure(error), true),
        ...unplaced.map((p) => statusLine(`${p.column}: ${p.message}`, true)),
      );
      const first = problems.find((p) => inputs.has(p.column));
      if (first) inputs.get(first.column).focus();
    }
  }

  showRetire(vessel) {
    const reason = inputField('retire-reason', t('registry.retireReason'), { required: true });
    const note = el('div', { 'aria-live': 'polite' });
    const form = el(
      'form',
      { id: 'retire-form' },
      el('p', {}, t('registry.retireHelp', { name: vessel.name })),
      reason.field,
      el(
        'div',
        { class: 'form-actions' },
        el('button', { type: 'submit', class: 'button primary' }, t('registry.retireConfirm')),
        el('button', { type: 'button', class: 'button', onclick: () => form.remove() }, t('registry.cancel')),
      ),
      note,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!reason.input.value.trim())
        return note.replaceChildren(statusLine(t('registry.reasonNeeded'), true));
      const actor = await actorFields();
      if (!actor) return;
      try {
        await send(`/api/v1/registry/vessels/${encodeURIComponent(vessel.registration)}/retire`, 'POST', {
          reason: reason.input.value.trim(),
          ...actor,
        });
        await this.load();
        await this.showRecord(vessel.registration);
      } catch (error) {
        note.replaceChildren(statusLine(failure(error), true));
      }
    });
    this.recordBox.querySelector('#registry-action').replaceChildren(form);
    reason.input.focus();
  }

  /** Export links and the import form. */
  fileSection() {
    const file = inputField('registry-file', t('registry.importFile'), {
      type: 'file',
      accept: '.csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
    const form = el(
      'form',
      { id: 'registry-import', dataset: { action: 'import', changes: '' } },
      el(
        'div',
        { class: 'office-toolbar' },
        file.field,
        el('button', { type: 'submit', class: 'button primary' }, t('registry.import')),
      ),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.importFile(file.input.files?.[0]);
    });
    return el(
      'section',
      { class: 'office-section', 'aria-labelledby': 'registry-files-heading' },
      el('h3', { id: 'registry-files-heading' }, t('registry.files')),
      el(
        'div',
        { class: 'download-links' },
        el(
          'a',
          {
            class: 'button',
            href: '/api/v1/registry/export?format=xlsx',
            download: '',
            id: 'registry-export-xlsx',
          },
          t('registry.exportXlsx'),
        ),
        el(
          'a',
          {
            class: 'button',
            href: '/api/v1/registry/export?format=csv',
            download: '',
            id: 'registry-export-csv',
          },
          t('registry.exportCsv'),
        ),
      ),
      el('p', { class: 'form-note' }, t('registry.importHelp')),
      form,
      this.importBox,
    );
  }

  async importFile(file) {
    if (!file) return this.importBox.replaceChildren(statusLine(t('registry.chooseFile'), true));
    const format = /\.xlsx$/i.test(file.name) ? 'xlsx' : 'csv';
    const actor = await actorFields();
    if (!actor) return;
    const query = new URLSearchParams({ format, ...actor });
    try {
      const result = await api(`/api/v1/registry/import?${query}`, {
        method: 'POST',
        headers: {
          'content-type':
            format === 'csv'
              ? 'text/csv'
              : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        },
        body: await file.arrayBuffer(),
      });
      this.importBox.replaceChildren(statusLine(t('registry.imported', { file: file.name, ...result })));
      await this.load();
    } catch (error) {
      const problems = error.body?.problems ?? [];
      fill(
        this.importBox,
        statusLine(
          problems.length
            ? t('registry.importRefused', { file: file.name, n: problems.length })
            : failure(error),
          true,
        ),
        problems.length
          ? el(
              'div',
              { class: 'table-scroll' },
              el(
                'table',
                { class: 'office-table', id: 'registry-import-problems' },
                el(
                  'thead',
                  {},
                  el(
                    'tr',
                    {},
                    [t('registry.row'), t('registry.column'), t('registry.problem')].map((h) =>
                      el('th', { scope: 'col' }, h),
                    ),
                  ),
                ),
                el(
                  'tbody',
                  {},
                  problems.map((p) =>
                    el(
                      'tr',
                      {},
                      el('td', { class: 'num' }, p.row),
                      el('td', {}, label('vesselField', p.column)),
                      el('td', {}, p.message),
                    ),
                  ),
                ),
              ),
            )
          : undefined,
      );
    }
  }
}

registerView({
  name: 'registry',
  navKey: 'nav.registry',
  feature: 'registry',
  title: () => t('registry.title'),
  async mount(container, params, context) {
    useOfficeStyles();
    await new RegistryPage(container, params, context).mount();
  },
});
