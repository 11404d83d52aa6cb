import type { InfluxDB } from 'influx';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { FireAlertRecord } from '../../protocols/api/fire.js';
import {
  DATASET_BASE_CLASSES,
  FireDataset,
  FireDatasetQuery,
  type FireDatasetItem,
} from '../../protocols/api/fire-dataset.js';
import type { HttpApp } from '../../runtime/http-server.js';
import type { AlarmStore } from '../alarms/alarm-store.js';
import { fromRow, MEASUREMENT_FIRE_ALERT } from './storage.js';

const CAMERA_ORIGINATOR = /^camera:([A-Za-z0-9_.-]{1,64})\/([A-Za-z0-9_.-]{1,64})$/;

/**
 * The snapshots of the fire events an alarm covered: those of its camera from its first to its last raise
 * (an alarm's `startTs`/`lastTs` are the frame times of the events that raised and refreshed it).
 */
async function snapshotsOf(influx: InfluxDB, database: string, alarm: Alarm): Promise<FireDatasetItem[]> {
  const camera = CAMERA_ORIGINATOR.exec(alarm.originator);
  const triage = alarm.triage;
  if (!camera || !triage) return [];
  const [, edgeId, cameraId] = camera;
  const rows = await influx.query<Record<string, unknown> & { time: Date }>(
    `SELECT * FROM "${MEASUREMENT_FIRE_ALERT}" WHERE "edge" = '${edgeId}' AND "camera" = '${cameraId}' ` +
      `AND time >= ${alarm.startTs}ms AND time <= ${alarm.lastTs}ms ORDER BY time ASC`,
    { database, precision: 'ms' },
  );
  const items: FireDatasetItem[] = [];
  for (const record of rows.map(fromRow)) {
    if (!record.snapshotUrl || record.event === 'end') continue;
    const clean = record.frames?.find((frame) => frame.ts === record.ts);
    items.push({
      alarmId: alarm.id,
      label: triage.label,
      ...(triage.note ? { note: triage.note } : {}),
      by: triage.by,
      triagedAt: triage.ts,
      edgeId: record.edgeId,
      cameraId: record.cameraId,
      alertId: record.alertId,
      event: record.event,
      ts: record.ts,
      className: record.className,
      boxes: record.boxes,
      snapshotUrl: record.snapshotUrl,
      ...(clean ? { imageUrl: clean.url } : {}),
    });
  }
  return items;
}

/**
 * Each event with the `fire` alarm of its camera that was active over its time (raised or refreshed by it) and
 * that alarm's verdict.
 */
export function withAlarms(records: FireAlertRecord[], store: AlarmStore): FireAlertRecord[] {
  if (records.length === 0) return records;
  const byCamera = new Map<string, Alarm[]>();
  for (const alarm of store.list({ type: 'fire' })) {
    const list = byCamera.get(alarm.originator) ?? [];
    list.push(alarm);
    byCamera.set(alarm.originator, list);
  }
  return records.map((record) => {
    const alarm = byCamera
      .get(`camera:${record.edgeId}/${record.cameraId}`)
      ?.find((candidate) => candidate.startTs <= record.ts && record.ts <= candidate.lastTs);
    if (!alarm) return record;
    return { ...record, alarmId: alarm.id, ...(alarm.triage ? { triage: alarm.triage } : {}) };
  });
}

/** Every judged fire alarm's snapshots, oldest alarm first, with the class list their boxes need. */
export async function fireDataset(
  influx: InfluxDB,
  database: string,
  store: AlarmStore,
  query: FireDatasetQuery,
): Promise<FireDataset> {
  const alarms = store
    .list({ type: 'fire' })
    .filter(
      (alarm) =>
        alarm.triage !== undefined &&
        (query.label === undefined || alarm.triage.label === query.label) &&
        (query.since === undefined || alarm.startTs >= query.since) &&
        (query.until === undefined || alarm.startTs < query.until),
    )
    .reverse();
  const classes: string[] = [...DATASET_BASE_CLASSES];
  const items: FireDatasetItem[] = [];
  if (alarms.length === 0 || !(await influx.getDatabaseNames()).includes(database)) return { classes, items };
  for (const alarm of alarms) items.push(...(await snapshotsOf(influx, database, alarm)));
  for (const item of items)
    for (const box of item.boxes) {
      const name = box.className ?? item.className;
      if (!classes.includes(name)) classes.push(name);
    }
  return { classes, items };
}

/** `GET /api/v1/fire/dataset`: what `lookout fire export-dataset` writes as a YOLO data set. */
export function registerDatasetRoute(
  app: HttpApp,
  deps: { influx: InfluxDB; database: string; store: AlarmStore },
): void {
  app.get(
    '/api/v1/fire/dataset',
    {
      schema: {
        tags: ['fire'],
        summary: 'Judged fire alert snapshots, for training',
        description:
          'Every fire alarm a ranger has judged (POST /api/v1/alarms/{id}/triage) with the snapshots of the alert ' +
          'events it covered: per event the verdict (wildfire, other_smoke, false_alarm), note, who and when, ' +
          'the boxes the edge found (frame units 0..1, class per box), the snapshot URL (boxes drawn, for people) ' +
          "and imageUrl, the event's own strip frame without boxes (the picture to train on; absent when the edge " +
          'sent none: the export skips such an event and counts it noCleanFrame). `classes` gives the YOLO ' +
          "class ids (fire 0, smoke 1 as the default model, then any other class seen). Filter by the alarm's start " +
          '(since, until, ms) and verdict. `lookout fire export-dataset` writes it as a YOLO folder.',
        querystring: FireDatasetQuery,
        response: { 200: FireDataset },
      },
    },
    async (request) => fireDataset(deps.influx, deps.database, deps.store, request.query),
  );
}
