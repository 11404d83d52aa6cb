// A ranger's verdict on a fire alarm: wildfire, other smoke (burning fields, cooking, a factory) or false alarm,
// with an optional note. POST /api/v1/alarms/{id}/triage records who and when; the judged snapshots become the
// training set of `lookout fire export-dataset` (false alarms as hard negatives).
import { send } from './api.js';
import { actionButton, el, timeEl } from './format.js';
import { label, t } from './i18n.js';
import { actorFields } from './operator.js';

const VERDICTS = ['wildfire', 'other_smoke', 'false_alarm'];
let dialog;

/** The note dialog, made once: resolves the note ('' for none), or undefined when cancelled. */
function askNote(verdict, current) {
  if (!dialog) {
    dialog = el(
      'dialog',
      { id: 'triage-dialog', 'aria-labelledby': 'triage-dialog-title' },
      el(
        'form',
        { method: 'dialog' },
        el('h2', { id: 'triage-dialog-title' }),
        el('label', { for: 'triage-note' }, t('triage.noteLabel')),
        el('textarea', { id: 'triage-note', name: 'note', maxlength: 1000, rows: 3 }),
        el(
          'div',
          { class: 'dialog-actions' },
          el(
            'button',
            { type: 'submit', value: 'cancel', class: 'button', id: 'triage-cancel' },
            t('triage.cancel'),
          ),
          el(
            'button',
            { type: 'submit', value: 'save', class: 'button primary', id: 'triage-save' },
            t('triage.save'),
          ),
        ),
      ),
    );
    document.body.append(dialog);
  }
  dialog.querySelector('h2').textContent = t('triage.noteTitle', { label: label('triage', verdict) });
  dialog.querySelector('label').textContent = t('triage.noteLabel');
  dialog.querySelector('#triage-cancel').textContent = t('triage.cancel');
  dialog.querySelector('#triage-save').textContent = t('triage.save');
  const note = dialog.querySelector('textarea');
  note.value = current ?? '';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => resolve(dialog.returnValue === 'save' ? note.value.trim() : undefined),
      { once: true },
    );
    dialog.returnValue = '';
    dialog.showModal();
    note.focus();
  });
}

async function judge(alarm, verdict, { onJudged, onError }) {
  const note = await askNote(verdict, alarm.triage?.note);
  if (note === undefined) return;
  const actor = await actorFields();
  if (!actor) return;
  try {
    const body = { label: verdict, ...actor, ...(note ? { note } : {}) };
    onJudged(await send(`/api/v1/alarms/${encodeURIComponent(alarm.id)}/triage`, 'POST', body));
  } catch (error) {
    onError(alarm, t('triage.failed', { message: error.message }));
  }
}

/**
 * The verdict of a fire alarm (who, when, note) and the three buttons to give or correct it. `onJudged(alarm)`
 * gets the alarm as the cloud answered; `onError(alarm, text)` a refusal to show next to it.
 */
export function triageControls(alarm, handlers) {
  const { triage } = alarm;
  const what = label('alarmType', alarm.type);
  return el(
    'div',
    { class: 'triage', dataset: { verdict: triage?.label ?? '' } },
    triage
      ? el(
          'p',
          { class: `triage-verdict verdict-${triage.label}` },
          `${t('triage.judged', { label: label('triage', triage.label), name: triage.by })} `,
          timeEl(triage.ts),
          triage.note ? el('span', { class: 'triage-note' }, ` · ${triage.note}`) : null,
        )
      : null,
    el(
      'div',
      { class: 'triage-buttons', role: 'group', 'aria-label': t('triage.groupLabel', { what }) },
      VERDICTS.map((verdict) =>
        actionButton('triage', label('triage.short', verdict), () => judge(alarm, verdict, handlers), {
          dataset: { verdict },
          'aria-pressed': String(triage?.label === verdict),
          title: label('triage', verdict),
        }),
      ),
    ),
  );
}
