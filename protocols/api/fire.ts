import { Type, type Static } from '@sinclair/typebox';
import { AlarmTriage } from './alarms.js';

/** One stored fire/smoke alert event, as `GET /api/v1/fire/alerts` returns it. */
export const FireAlertRecord = Type.Object(
  {
    edgeId: Type.String(),
    cameraId: Type.String(),
    alertId: Type.String(),
    event: Type.Union([Type.Literal('new'), Type.Literal('update'), Type.Literal('end')]),
    /** The `fire` alarm this event raised or refreshed (judge it: POST /api/v1/alarms/{alarmId}/triage). */
    alarmId: Type.Optional(Type.String()),
    /** The ranger's verdict on that alarm, when given. */
    triage: Type.Optional(AlarmTriage),
    className: Type.String(),
    confidence: Type.Number(),
    /** Boxes in frame units (0..1), with their scores. */
    boxes: Type.Array(
      Type.Object({
        x1: Type.Number(),
        y1: Type.Number(),
        x2: Type.Number(),
        y2: Type.Number(),
        score: Type.Number(),
        className: Type.Optional(Type.String()),
      }),
    ),
    /** Time of the frame that caused the event, and of the first frame that showed the fire (ms since epoch). */
    ts: Type.Integer(),
    firstSeenTs: Type.Integer(),
    lastSeenTs: Type.Optional(Type.Integer()),
    position: Type.Optional(Type.Object({ lat: Type.Number(), lon: Type.Number() })),
    bearingDeg: Type.Optional(Type.Number()),
    bearingToFireDeg: Type.Optional(Type.Number()),
    model: Type.Optional(Type.String()),
    /** Path of the JPEG snapshot (boxes drawn) on this server, when the event carried one. */
    snapshotUrl: Type.Optional(Type.String()),
  },
  { $id: 'FireAlertRecord', additionalProperties: false },
);
export type FireAlertRecord = Static<typeof FireAlertRecord>;

export const FireAlertList = Type.Object(
  { alerts: Type.Array(FireAlertRecord) },
  { $id: 'FireAlertList', additionalProperties: false },
);
export type FireAlertList = Static<typeof FireAlertList>;

export const FireAlertQuery = Type.Object(
  {
    edgeId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
    cameraId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
    event: Type.Optional(Type.Union([Type.Literal('new'), Type.Literal('update'), Type.Literal('end')])),
    /** Only events at or after this time (ms since epoch). */
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
export type FireAlertQuery = Static<typeof FireAlertQuery>;
