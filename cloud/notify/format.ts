import type { Alarm, AlarmChangeMessage } from '../../protocols/api/alarms.js';
import type {
  AlarmNotification,
  ReportNotification,
  ReportsWritten,
} from '../../protocols/api/notifications.js';
import { DEFAULT_LANGUAGE, translator, type Language, type Translator } from '../i18n/index.js';
import type { WebhookConfig } from './config.js';

/** What a message needs besides the alarm: the language of its reader and the names of the zones. */
export interface DescribeOptions {
  lang?: Language;
  zoneName?: (id: string) => string | undefined;
}

const text = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Who: `camera edge-1/cam-2`, `Intruder (CM-90015-TS), MMSI 574300015`, or the originator as it is. */
function subject(alarm: Alarm, { t }: Translator): string {
  if (alarm.originator.startsWith('edge:'))
    return t('notify.edge', { edge: alarm.originator.slice('edge:'.length) });

  const { details } = alarm;
  if (alarm.originator.startsWith('camera:')) {
    const camera = alarm.originator.slice('camera:'.length);
    const name = text(details.cameraName);
    return name ? t('notify.cameraNamed', { name, camera }) : t('notify.camera', { camera });
  }
  if (alarm.originator.startsWith('vessel:')) {
    const mmsi = text(details.mmsi) ?? alarm.originator.slice('vessel:'.length);
    const name = text(details.name);
    const registration = text(details.registration);
    if (!name && !registration) return t('notify.unregistered', { mmsi });
    const vessel = { name: name ?? t('notify.vesselNoName'), mmsi };
    return registration
      ? t('notify.vesselRegistered', { ...vessel, registration })
      : t('notify.vessel', vessel);
  }
  return alarm.originator;
}

/** A dark camera or edge: why (its last will, a stop, silence) and for how long; back, or in maintenance. */
function offlineFacts(alarm: Alarm, i18n: Translator): string[] {
  const { t } = i18n;
  const { details } = alarm;
  const out: string[] = [];
  const reason = text(details.reason);
  if (reason === 'lost') out.push(t('notify.connectionLost'));
  else if (reason === 'shutdown') out.push(t('notify.edgeStopped'));
  const silentS = number(details.silentForS);
  if (silentS !== undefined) out.push(t('notify.noFrameFor', { min: Math.max(1, Math.round(silentS / 60)) }));
  if (text(details.maintenance)) out.push(t('notify.inMaintenance'));
  else if (number(details.backAt) !== undefined && alarm.status.startsWith('CLEARED'))
    out.push(t('notify.backOnline'));
  return out;
}

/** Who judged a fire alarm, what they said. */
function verdict(alarm: Alarm, i18n: Translator): string {
  const { triage } = alarm;
  if (!triage) return '';
  const note = triage.note ? ` (${triage.note})` : '';
  return ` - ${i18n.t('notify.verdict', { label: i18n.label('triage', triage.label), name: triage.by })}${note}`;
}

/** The facts that matter for the type, in words; unknown types get none (the JSON carries the details). */
function facts(alarm: Alarm, i18n: Translator, zoneName: DescribeOptions['zoneName']): string[] {
  if (alarm.type === 'camera_offline' || alarm.type === 'edge_offline') return offlineFacts(alarm, i18n);

  const { t } = i18n;
  const { details } = alarm;
  const out: string[] = [];
  const confidence = number(details.confidence);
  if (alarm.type === 'fire') {
    const className = text(details.className);
    if (className)
      out.push(
        `${i18n.label('fireClass', className)}${confidence !== undefined ? ` ${i18n.percent(confidence)}` : ''}`,
      );
    return [...out, ...fireLocation(details, i18n)];
  }
  const zoneId = text(details.zoneId);
  const zone = text(details.zoneName) ?? (zoneId && (zoneName?.(zoneId) ?? zoneId));
  if (text(details.direction)) out.push(t(details.direction === 'ENT' ? 'notify.entered' : 'notify.left'));
  if (zone) out.push(t('notify.zone', { zone }));
  const silentH = number(details.silentForH);
  if (silentH !== undefined)
    out.push(t('notify.silentFor', { h: i18n.number(silentH, silentH % 1 ? 1 : 0) }));
  if (text(details.otherMmsi)) out.push(t('notify.withMmsi', { mmsi: text(details.otherMmsi)! }));
  const hours = number(details.hours);
  if (hours !== undefined) out.push(t('notify.forHours', { h: i18n.number(hours, hours % 1 ? 1 : 0) }));
  const lat = number(details.lat);
  const lon = number(details.lon);
  if (lat !== undefined && lon !== undefined) out.push(t('notify.at', { position: i18n.latLon(lat, lon) }));
  return out;
}

/** `350 m`, `3,4 km` */
export function distanceText(metres: number, i18n: Translator): string {
  return metres < 1000
    ? i18n.t('unit.m', { n: i18n.number(Math.round(metres / 10) * 10) })
    : i18n.t('unit.km', { n: i18n.number(metres / 1000, metres < 10_000 ? 1 : 0) });
}

/** `đông bắc`: one of eight compass points. */
export function compassText(deg: number, { label }: Translator): string {
  return label('compass', String(Math.round((((deg % 360) + 360) % 360) / 45) % 8));
}

/**
 * Where the fire is, in words: the located point with its error, the compartment and the nearest place, the
 * bearing and distance from the camera; with one camera the bearing and the range it watches.
 */
function fireLocation(details: Record<string, unknown>, i18n: Translator): string[] {
  const { t } = i18n;
  const out: string[] = [];
  const bearing = number(details.bearingToFireDeg);
  const lat = number(details.lat);
  const lon = number(details.lon);
  const errorM = number(details.errorM);
  if (lat !== undefined && lon !== undefined) {
    const position = i18n.latLon(lat, lon);
    out.push(
      errorM !== undefined
        ? t('notify.firePoint', { position, error: distanceText(errorM, i18n) })
        : t('notify.at', { position }),
    );
    const cameras = number(details.locatedBy);
    if (cameras !== undefined && cameras > 1) out.push(t('notify.locatedBy', { n: cameras }));
  }
  const area = text(details.placeArea);
  if (area) out.push(t('notify.inArea', { area }));
  const near = text(details.nearPlace);
  const nearM = number(details.nearPlaceDistanceM);
  const nearDeg = number(details.nearPlaceBearingDeg);
  if (near && nearM !== undefined && nearDeg !== undefined)
    out.push(
      t('notify.nearPlace', {
        place: near,
        distance: distanceText(nearM, i18n),
        direction: compassText(nearDeg, i18n),
      }),
    );
  if (bearing === undefined) return out;
  const deg = Math.round(bearing);
  const distance = number(details.distanceM);
  const range = number(details.rangeM);
  if (distance !== undefined)
    out.push(t('notify.fromCamera', { deg, distance: distanceText(distance, i18n) }));
  else if (range !== undefined && lat === undefined)
    out.push(t('notify.bearingWithin', { deg, distance: distanceText(range, i18n) }));
  else out.push(t('notify.bearing', { deg }));
  return out;
}

/** A map app at the point (`geo:` URI, phones) and the same place on OpenStreetMap (any browser). */
export function mapLinks(lat: number, lon: number): { geoUri: string; mapUrl: string } {
  const at = `${lat.toFixed(6)},${lon.toFixed(6)}`;
  return {
    geoUri: `geo:${at}?q=${at}`,
    mapUrl: `https://www.openstreetmap.org/?mlat=${lat.toFixed(6)}&mlon=${lon.toFixed(6)}#map=15/${lat.toFixed(5)}/${lon.toFixed(5)}`,
  };
}

/** One line a ranger or an officer can read on a phone, in their language, in Vietnam's time. */
export function describeAlarm(change: AlarmChangeMessage, options: DescribeOptions = {}): string {
  const i18n = translator(options.lang ?? DEFAULT_LANGUAGE);
  const { t } = i18n;
  const { alarm } = change;
  const what = facts(alarm, i18n, options.zoneName);
  const by =
    change.kind === 'acknowledged' ? alarm.ackBy : change.kind === 'cleared' ? alarm.clearBy : undefined;
  // A device that came back cleared its own alarm: nobody to name.
  const selfCleared = change.kind === 'cleared' && by === 'lookout';
  const who =
    change.kind === 'triaged'
      ? verdict(alarm, i18n)
      : (change.kind === 'acknowledged' || change.kind === 'cleared') && !selfCleared
        ? ` ${t('notify.by', { name: by ?? '?' })}`
        : '';
  const head = `${t(`notify.kind.${change.kind}`)}[${i18n.label('severity', alarm.severity)}] ${i18n.label('alarmType', alarm.type)}`;
  return `${head}: ${subject(alarm, i18n)}${what.length ? ` - ${what.join(', ')}` : ''} - ${t('notify.since', { time: i18n.dateTime(alarm.startTs) })}${who}`;
}

export function toNotification(
  change: AlarmChangeMessage,
  publicUrl: string | undefined,
  options: DescribeOptions = {},
): AlarmNotification {
  const { alarm } = change;
  const notification: AlarmNotification = {
    version: 1,
    id: `${alarm.id}:${change.kind}:${alarm.updatedAt}`,
    kind: change.kind,
    alarm,
    text: describeAlarm(change, options),
  };
  if (publicUrl) {
    const base = publicUrl.replace(/\/+$/, '');
    notification.link = `${base}/#alarm=${encodeURIComponent(alarm.id)}`;
    const snapshot = text(alarm.details.snapshot);
    if (snapshot) notification.snapshotUrl = `${base}/api/v1/fire/snapshots/${snapshot}`;
    const alertId = text(alarm.details.alertId);
    if (alarm.type === 'fire' && alertId) notification.link = `${base}/#/fire/${encodeURIComponent(alertId)}`;
  }
  const lat = number(alarm.details.lat);
  const lon = number(alarm.details.lon);
  if (alarm.type === 'fire' && lat !== undefined && lon !== undefined)
    Object.assign(notification, mapLinks(lat, lon));
  return notification;
}

/** The office's scheduled reports in words: one line per province report with its totals, then the files. */
export function describeReports(written: ReportsWritten, lang: Language = DEFAULT_LANGUAGE): string {
  const i18n = translator(lang);
  const { t } = i18n;
  const lines = written.reports.map((r) =>
    t('notify.reports', {
      period: i18n.label('reportPeriod', r.period),
      dates: r.first === r.last ? i18n.day(r.first) : `${i18n.day(r.first)} – ${i18n.day(r.last)}`,
      scope: r.scope.name,
      registered: r.totals.registered,
      atSea: r.totals.atSea,
      inPort: r.totals.inPort,
      silent6h: r.totals.silentOver6h,
      silent10d: r.totals.silentOver10d,
      violation: r.totals.inViolation,
      expired: r.totals.licenceExpired,
      noVms: r.totals.withoutVms,
      departures: r.departures,
      arrivals: r.arrivals,
    }),
  );
  lines.push(
    t('notify.reportFiles', {
      count: written.files.length,
      folder: written.folder,
      files: written.files.join(', '),
    }),
  );
  return lines.join('\n');
}

export function toReportNotification(
  written: ReportsWritten,
  publicUrl: string | undefined,
  lang: Language = DEFAULT_LANGUAGE,
): ReportNotification {
  const notification: ReportNotification = {
    version: 1,
    id: `reports:${written.day}`,
    kind: 'reports',
    ...written,
    text: describeReports(written, lang),
  };
  if (publicUrl) notification.link = `${publicUrl.replace(/\/+$/, '')}/#/office`;
  return notification;
}

/** The request body for a webhook's format. */
export function requestBody(
  webhook: WebhookConfig,
  notification: AlarmNotification | ReportNotification,
): string {
  const alarm = 'alarm' in notification ? notification : undefined;
  const snapshotUrl = alarm?.snapshotUrl;
  // The snapshot first: a chat previews the first link of a message (Telegram shows the picture).
  const lines = [notification.text, snapshotUrl, alarm?.mapUrl, alarm?.geoUri, notification.link].filter(
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
        disable_web_page_preview: snapshotUrl === undefined,
      });
  }
}
