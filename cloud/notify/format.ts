import type { Alarm, AlarmChangeMessage } from '../../protocols/api/alarms.js';
import type { AlarmNotification } from '../../protocols/api/notifications.js';
import type { WebhookConfig } from './config.js';

const TYPE_LABELS: Record<string, string> = {
  fire: 'Fire / smoke',
  boundary_crossing: 'Boundary crossing',
  closed_area: 'Closed area',
  zone_by_length: 'Fishing outside its zone',
  signal_loss: 'Signal lost',
  encounter: 'Encounter (possible transshipment)',
  loitering: 'Loitering',
};

const KIND_PREFIX: Record<AlarmChangeMessage['kind'], string> = {
  created: '',
  escalated: 'ESCALATED ',
  refreshed: 'again: ',
  acknowledged: 'acknowledged: ',
  cleared: 'cleared: ',
};

const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
const text = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Who: `camera edge-1/cam-2`, `Intruder (CM-90015-TS), MMSI 574300015`, or the originator as it is. */
function subject(alarm: Alarm): string {
  const { details } = alarm;
  if (alarm.originator.startsWith('camera:')) return `camera ${alarm.originator.slice('camera:'.length)}`;
  if (alarm.originator.startsWith('vessel:')) {
    const mmsi = text(details.mmsi) ?? alarm.originator.slice('vessel:'.length);
    const name = text(details.name);
    const registration = text(details.registration);
    if (!name && !registration) return `unregistered vessel, MMSI ${mmsi}`;
    return `${name ?? 'vessel'}${registration ? ` (${registration})` : ''}, MMSI ${mmsi}`;
  }
  return alarm.originator;
}

/** The facts that matter for the type, in words; unknown types get none (the JSON carries the details). */
function facts(alarm: Alarm): string[] {
  const { details } = alarm;
  const out: string[] = [];
  const confidence = number(details.confidence);
  if (alarm.type === 'fire') {
    if (text(details.className))
      out.push(
        `${text(details.className)}${confidence !== undefined ? ` ${Math.round(confidence * 100)} %` : ''}`,
      );
    const bearing = number(details.bearingToFireDeg);
    if (bearing !== undefined) out.push(`bearing ${Math.round(bearing)}° from the camera`);
    return out;
  }
  const zone = text(details.zoneName) ?? text(details.zoneId);
  if (text(details.direction)) out.push(details.direction === 'ENT' ? 'entered' : 'left');
  if (zone) out.push(`zone ${zone}`);
  const silentH = number(details.silentForH);
  if (silentH !== undefined) out.push(`silent for ${silentH} h`);
  if (text(details.otherMmsi)) out.push(`with MMSI ${text(details.otherMmsi)}`);
  const hours = number(details.hours);
  if (hours !== undefined) out.push(`for ${hours} h`);
  const lat = number(details.lat);
  const lon = number(details.lon);
  if (lat !== undefined && lon !== undefined) out.push(`at ${lat.toFixed(4)}, ${lon.toFixed(4)}`);
  return out;
}

/** One line a ranger or an officer can read on a phone. */
export function describeAlarm(change: AlarmChangeMessage): string {
  const { alarm } = change;
  const label = TYPE_LABELS[alarm.type] ?? alarm.type;
  const what = facts(alarm);
  const who =
    change.kind === 'acknowledged'
      ? ` by ${alarm.ackBy ?? '?'}`
      : change.kind === 'cleared'
        ? ` by ${alarm.clearBy ?? '?'}`
        : '';
  return `${KIND_PREFIX[change.kind]}[${alarm.severity}] ${label}: ${subject(alarm)}${what.length ? ` - ${what.join(', ')}` : ''} - since ${utc(alarm.startTs)}${who}`;
}

export function toNotification(change: AlarmChangeMessage, publicUrl: string | undefined): AlarmNotification {
  const { alarm } = change;
  const notification: AlarmNotification = {
    version: 1,
    id: `${alarm.id}:${change.kind}:${alarm.updatedAt}`,
    kind: change.kind,
    alarm,
    text: describeAlarm(change),
  };
  if (publicUrl) {
    const base = publicUrl.replace(/\/+$/, '');
    notification.link = `${base}/#alarm=${encodeURIComponent(alarm.id)}`;
    const snapshot = text(alarm.details.snapshot);
    if (snapshot) notification.snapshotUrl = `${base}/api/v1/fire/snapshots/${snapshot}`;
  }
  return notification;
}

/** The request body for a webhook's format. */
export function requestBody(webhook: WebhookConfig, notification: AlarmNotification): string {
  const lines = [notification.text, notification.snapshotUrl, notification.link].filter(
    (line): line is string => line !== undefined,
  );
  switch (webhook.format) {
    case 'json':
      return JSON.stringify(notification);
    case 'slack':
      return JSON.stringify({ text: lines.join('\n') });
    case 'telegram':
      return JSON.stringify({
        chat_id: webhook.chatId,
        text: lines.join('\n'),
        disable_web_page_preview: notification.snapshotUrl === undefined,
      });
  }
}
