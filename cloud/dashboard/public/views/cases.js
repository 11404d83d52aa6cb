// #/cases: signal-loss cases as a board (MonitorFish's beacon board, under Vietnam's VMS rules). A card follows
// its vessel until the beacon is heard again or the vessel is in port: awaiting a position report → position
// reported (by radio or phone, entered here) → must return to port → closed. Each card names who moved it last
// and keeps its notes; officers enter reports, order a return, comment and close.
import { api, send } from '../api.js';
import { actionButton, el, timeEl } from '../format.js';
import { ago, dateTime, label, latLon, t } from '../i18n.js';
import { actorFields } from '../operator.js';
import { href, registerView } from '../views.js';
import { failure, inputField, statusLine, useOfficeStyles } from './office-shared.js';

const COLUMNS = ['awaiting_report', 'open', 'must_return', 'closed'];
const REFRESH_MS = 30_000;
const CLOSED_SHOWN = 20;

/** The last event that moved the case to its column (a reminder puts it back to awaiting; a note moves nothing). */
function lastMove(c) {
  return [...c.events].reverse().find((e) => e.kind !== 'comment');
}

/** Local `datetime-local` value of a time, in Vietnam (UTC+7) whatever the browser's zone. */
function vietnamInputValue(ms) {
  return new Date(ms + 7 * 3_600_000).toISOString().slice(0, 16);
}

function fromVietnamInput(value) {
  return new Date(`${value}:00+07:00`).toISOString();
}

function eventItem(event) {
  const position =
    event.lat !== undefined && event.lon !== undefined ? ` — ${latLon(event.lat, event.lon)}` : '';
  return el(
    'li',
    { dataset: { kind: event.kind } },
    timeEl(event.at, dateTime(event.at)),
    ' ',
    el('strong', {}, label('caseEvent', event.kind)),
    event.by ? ` ${t('cases.by', { name: event.by })}` : '',
    event.ts !== undefined && event.kind === 'report'
      ? ` ${t('cases.positionAt', { time: dateTime(event.ts) })}`
      : '',
    position,
    event.text ? el('div', { class: 'muted' }, event.text) : undefined,
  );
}

class CasesPage {
  constructor(container) {
    this.container = container;
    this.open = new Set();
  }

  async mount() {
    this.note = el('div', { 'aria-live': 'polite' });
    this.board = el('div', { class: 'kanban', id: 'cases-board' });
    this.container.replaceChildren(
      el(
        'div',
        { class: 'office-page' },
        el('p', { class: 'form-note' }, t('cases.help')),
        this.note,
        this.board,
      ),
    );
    await this.load();
  }

  async load() {
    try {
      const { cases } = await api('/api/v1/signal-cases');
      this.cases = cases;
      this.draw();
    } catch (error) {
      this.note.replaceChildren(statusLine(failure(error), true));
    }
  }

  draw() {
    // A form being filled in is not redrawn under the officer's hands.
    if (this.board.querySelector('form[data-busy]')) return;
    const now = Date.now();
    this.board.replaceChildren(
      ...COLUMNS.map((state) => {
        let cards = this.cases.filter((c) => c.state === state);
        if (state === 'closed')
          cards = cards.sort((a, b) => (b.closedAt ?? 0) - (a.closedAt ?? 0)).slice(0, CLOSED_SHOWN);
        else cards = cards.sort((a, b) => a.lastPositionTs - b.lastPositionTs);
        return el(
          'section',
          { class: 'kanban-column', dataset: { state }, 'aria-labelledby': `cases-${state}` },
          el('h3', { id: `cases-${state}` }, `${label('caseState', state)} (${cards.length})`),
          cards.length
            ? el(
                'ul',
                { class: 'kanban-cards' },
                cards.map((c) => this.card(c, now)),
              )
            : el('p', { class: 'muted' }, t('cases.none')),
        );
      }),
    );
  }

  card(c, now) {
    const moved = lastMove(c);
    // Where the vessel was last known: the beacon's last position, then each position it reported.
    const lastKnown = [...c.events].reverse().find((e) => e.lat !== undefined && e.lon !== undefined);
    const overdue = c.nextReportDueAt !== undefined && c.nextReportDueAt <= now;
    const details = el(
      'dl',
      { class: 'details' },
      el('dt', {}, t('cases.silentSince')),
      el('dd', {}, timeEl(c.lastPositionTs, dateTime(c.lastPositionTs)), ` (${ago(c.lastPositionTs, now)})`),
      lastKnown
        ? [
            el('dt', {}, t('cases.lastKnown')),
            el(
              'dd',
              { class: 'last-known' },
              latLon(lastKnown.lat, lastKnown.lon),
              ' ',
              timeEl(lastKnown.ts ?? lastKnown.at, dateTime(lastKnown.ts ?? lastKnown.at)),
            ),
          ]
        : undefined,
      c.nextReportDueAt !== undefined
        ? [
            el('dt', {}, t('cases.nextReport')),
            el(
              'dd',
              { class: overdue ? 'overdue' : undefined },
              dateTime(c.nextReportDueAt),
              overdue ? ` — ${t('cases.overdue')}` : '',
            ),
          ]
        : undefined,
      c.state !== 'closed'
        ? [el('dt', {}, t('cases.mustReturnAt')), el('dd', {}, dateTime(c.mustReturnAt))]
        : undefined,
      c.closedAt !== undefined
        ? [
            el('dt', {}, t('cases.closedAt')),
            el('dd', {}, dateTime(c.closedAt), c.closeReason ? ` — ${c.closeReason}` : ''),
          ]
        : undefined,
      moved
        ? [
            el('dt', {}, t('cases.movedBy')),
            el('dd', { class: 'moved-by' }, moved.by ?? '–', ' ', timeEl(moved.at, dateTime(moved.at))),
          ]
        : undefined,
    );
    const item = el(
      'li',
      { class: 'case-card', dataset: { state: c.state, caseId: c.id, registration: c.registration } },
      el('h4', {}, c.name, ' ', el('span', { class: 'muted' }, c.registration)),
      el(
        'div',
        { class: 'download-links' },
        el('a', { href: href('vessel', c.mmsi) }, `MMSI ${c.mmsi}`),
        el('a', { href: href('registry', 'vessel', c.registration) }, t('cases.registryRecord')),
      ),
      details,
      el(
        'details',
        { open: this.open.has(c.id) },
        el('summary', {}, t('cases.events', { n: c.events.length })),
        el('ol', { class: 'case-events' }, c.events.map(eventItem)),
      ),
    );
    item.querySelector('details').addEventListener('toggle', (event) => {
      if (event.target.open) this.open.add(c.id);
      else this.open.delete(c.id);
    });
    if (c.state !== 'closed') item.append(this.actions(c));
    return item;
  }

  actions(c) {
    const box = el('div', { class: 'case-actions' });
    const buttons = el(
      'div',
      { class: 'form-actions' },
      actionButton('report', t('cases.enterReport'), () => box.replaceChildren(buttons, this.reportForm(c)), {
        primary: true,
      }),
      c.state !== 'must_return'
        ? actionButton('must-return', t('cases.orderReturn'), () =>
            box.replaceChildren(buttons, this.textForm(c, 'must-return')),
          )
        : undefined,
      actionButton('comment', t('cases.comment'), () =>
        box.replaceChildren(buttons, this.textForm(c, 'comments')),
      ),
      actionButton('close', t('cases.close'), () => box.replaceChildren(buttons, this.textForm(c, 'close'))),
    );
    box.append(buttons);
    return box;
  }

  /** A position the vessel reported by radio or phone: when, where, how; the case moves to "reported". */
  reportForm(c) {
    const id = (name) => `case-${c.id}-${name}`;
    const when = inputField(id('ts'), t('cases.reportTime'), {
      type: 'datetime-local',
      value: vietnamInputValue(Date.now()),
      required: true,
    });
    const lat = inputField(id('lat'), t('cases.lat'), {
      type: 'number',
      step: 'any',
      min: '-90',
      max: '90',
      required: true,
      inputmode: 'decimal',
    });
    const lon = inputField(id('lon'), t('cases.lon'), {
      type: 'number',
      step: 'any',
      min: '-180',
      max: '180',
      required: true,
      inputmode: 'decimal',
    });
    const how = inputField(id('how'), t('cases.how'), { placeholder: t('cases.howPlaceholder') });
    return this.form(
      c,
      [when.field, lat.field, lon.field, how.field],
      t('cases.saveReport'),
      async (actor) => {
        const latValue = Number(lat.input.value);
        const lonValue = Number(lon.input.value);
        if (
          !when.input.value ||
          lat.input.value === '' ||
          lon.input.value === '' ||
          !Number.isFinite(latValue) ||
          !Number.isFinite(lonValue)
        )
          throw new Error(t('cases.reportIncomplete'));
        const body = { ts: fromVietnamInput(when.input.value), lat: latValue, lon: lonValue, ...actor };
        if (how.input.value.trim()) body.text = how.input.value.trim();
        return send(`/api/v1/signal-cases/${c.id}/reports`, 'POST', body);
      },
    );
  }

  /** One text: the reason of a return order or of closing, or a note. */
  textForm(c, action) {
    const text = inputField(`case-${c.id}-${action}-text`, t(`cases.text.${action}`), { required: true });
    return this.form(c, [text.field], t(`cases.submit.${action}`), async (actor) => {
      const value = text.input.value.trim();
      if (!value) throw new Error(t('cases.textNeeded'));
      const body = action === 'close' ? { reason: value, ...actor } : { text: value, ...actor };
      return send(`/api/v1/signal-cases/${c.id}/${action}`, 'POST', body);
    });
  }

  form(c, fields, submitText, submit) {
    const note = el('div', { 'aria-live': 'polite' });
    const form = el(
      'form',
      { novalidate: true, dataset: { busy: '' } },
      fields,
      el(
        'div',
        { class: 'form-actions' },
        el('button', { type: 'submit', class: 'button primary' }, submitText),
        el(
          'button',
          { type: 'button', class: 'button', onclick: () => (form.remove(), this.draw()) },
          t('registry.cancel'),
        ),
      ),
      note,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const actor = await actorFields();
      if (!actor) return;
      try {
        await submit(actor);
        form.remove();
        await this.load();
      } catch (error) {
        note.replaceChildren(statusLine(error.status ? failure(error) : error.message, true));
      }
    });
    void Promise.resolve().then(() => form.querySelector('input')?.focus());
    return form;
  }
}

registerView({
  name: 'cases',
  navKey: 'nav.cases',
  feature: 'office',
  title: () => t('cases.title'),
  async mount(container) {
    useOfficeStyles();
    const page = new CasesPage(container);
    await page.mount();
    const timer = setInterval(() => void page.load(), REFRESH_MS);
    return () => clearInterval(timer);
  },
});
