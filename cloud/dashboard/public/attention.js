// Draws the operator's attention to alarms that arrive live while nobody looks at the list: a short tone (once the
// operator turned alerts on: browsers play sound only after a click on the page), a desktop notification (when
// the browser allows them) and the tab title counting alarms not seen yet while the page is hidden.
import { alarmTypeName, severityRank } from './format.js';

const STORAGE_KEY = 'lookout.alerts';
const LOUD_KINDS = new Set(['created', 'escalated']);

export function createAttention(button) {
  const baseTitle = () => document.title.replace(/^\(\d+\) /, '');
  let on = localStorage.getItem(STORAGE_KEY) === 'on';
  let audio;
  let unseen = 0;

  const show = () => {
    button.textContent = on ? 'Alerts: on' : 'Alerts: off';
    button.setAttribute('aria-pressed', String(on));
    button.title = on
      ? 'A tone and a desktop notification for each new MAJOR or CRITICAL alarm. Click to turn off.'
      : 'Click for a tone and a desktop notification on each new MAJOR or CRITICAL alarm.';
  };

  button.addEventListener('click', () => {
    on = !on;
    localStorage.setItem(STORAGE_KEY, on ? 'on' : 'off');
    if (on) {
      // Created inside the click: the browser lets it play from now on.
      audio ??= window.AudioContext ? new AudioContext() : undefined;
      void audio?.resume().catch(() => {});
      if ('Notification' in window && Notification.permission === 'default')
        void Notification.requestPermission().catch(() => {});
    }
    show();
  });

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) return;
    unseen = 0;
    document.title = baseTitle();
  });

  function tone() {
    if (!audio || audio.state !== 'running') return;
    for (const [start, frequency] of [
      [0, 880],
      [0.22, 660],
    ]) {
      const oscillator = audio.createOscillator();
      const gain = audio.createGain();
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, audio.currentTime + start);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + 0.2);
      oscillator.connect(gain).connect(audio.destination);
      oscillator.start(audio.currentTime + start);
      oscillator.stop(audio.currentTime + start + 0.2);
    }
  }

  function desktop(message) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    const { alarm, kind } = message;
    const who =
      typeof alarm.details?.name === 'string'
        ? `${alarm.details.name} (${alarm.originator})`
        : alarm.originator;
    const notification = new Notification(
      `${kind === 'escalated' ? 'ESCALATED ' : ''}${alarm.severity} ${alarmTypeName(alarm.type)}`,
      {
        body: who,
        tag: `${alarm.id}:${kind}`,
      },
    );
    notification.onclick = () => window.focus();
  }

  show();
  return {
    /** An alarm change that arrived live (not one read at start or on a resync). */
    onLiveChange(message) {
      if (!LOUD_KINDS.has(message?.kind) || typeof message.alarm?.severity !== 'string') return;
      if (severityRank(message.alarm.severity) < severityRank('MAJOR')) return;
      if (document.hidden) {
        unseen += 1;
        document.title = `(${unseen}) ${baseTitle()}`;
      }
      if (!on) return;
      tone();
      desktop(message);
    },
  };
}
