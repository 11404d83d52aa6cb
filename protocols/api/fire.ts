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
    /**
     * Small frames of the camera around the detection (oldest first), no boxes drawn: on `new` from before it and
     * the detection frame itself (same `ts` as the event), on the alert's next event from after it; the alert's
     * boxes (frame units) mark the same place on them.
     */
    frames: Type.Optional(
      Type.Array(
        Type.Object(
          { ts: Type.Integer(), width: Type.Integer(), height: Type.Integer(), url: Type.String() },
          { additionalProperties: false },
        ),
      ),
    ),
    /** The located fire this event belongs to (GET /api/v1/fire/located/{fireId}), when the camera's geometry is known. */
    location: Type.Optional(
      Type.Object(
        {
          fireId: Type.String(),
          method: Type.Union([Type.Literal('intersection'), Type.Literal('bearing')]),
          point: Type.Optional(Type.Object({ lat: Type.Number(), lon: Type.Number() })),
          errorM: Type.Optional(Type.Number()),
        },
        { additionalProperties: false },
      ),
    ),
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
    alertId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' })),
    /** Only events at or after this time (ms since epoch). */
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  { additionalProperties: false },
);
export type FireAlertQuery = Static<typeof FireAlertQuery>;

const Point = Type.Object({ lat: Type.Number(), lon: Type.Number() }, { additionalProperties: false });

/** Where a located fire is in words: the named area (forest compartment) it is in, the nearest named place. */
export const FirePlace = Type.Object(
  {
    area: Type.Optional(Type.String()),
    nearest: Type.Optional(
      Type.Object(
        {
          name: Type.String(),
          /** From that place to the fire. */
          distanceM: Type.Number(),
          bearingDeg: Type.Number(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'FirePlace', additionalProperties: false },
);
export type FirePlace = Static<typeof FirePlace>;

/** One camera's part in a located fire: its alert, where it stands, and the fire's bearing and distance from it. */
export const FireSighting = Type.Object(
  {
    edgeId: Type.String(),
    cameraId: Type.String(),
    alertId: Type.String(),
    name: Type.Optional(Type.String()),
    position: Point,
    /** Bearing of the boxes' centre from the camera, degrees from true north. */
    bearingDeg: Type.Number(),
    /** Distance from the camera to the located point (two cameras or more), metres. */
    distanceM: Type.Optional(Type.Number()),
    /** Time of the camera's latest event in this fire. */
    ts: Type.Integer(),
  },
  { $id: 'FireSighting', additionalProperties: false },
);
export type FireSighting = Static<typeof FireSighting>;

/**
 * A fire located from the cameras that see it (`GET /api/v1/fire/located`, MQTT `lookout/v1/cloud/fire/located`).
 * `intersection`: two cameras or more, a point and the area the cones share (the error area). `bearing`: one
 * camera, the fire is on its bearing between `ray.fromM` and `ray.toM` from it; `area` is the camera's cone.
 */
export const LocatedFire = Type.Object(
  {
    /** Stable while the same cameras' alerts go on: `<edgeId>.<alertId>` of the first alert. */
    id: Type.String(),
    method: Type.Union([Type.Literal('intersection'), Type.Literal('bearing')]),
    /** Time of the latest event that changed it, and of the first frame that showed the fire. */
    ts: Type.Integer(),
    firstSeenTs: Type.Integer(),
    /** Intersection: the located point. Bearing: absent (the fire is somewhere on the ray). */
    point: Type.Optional(Point),
    /** Intersection: farthest distance from the point to the edge of the error area, metres. */
    errorM: Type.Optional(Type.Number()),
    /** Closed ring (first = last): the cones' intersection, or the single camera's cone. */
    area: Type.Array(Point),
    ray: Type.Optional(
      Type.Object(
        { bearingDeg: Type.Number(), from: Point, to: Point, fromM: Type.Number(), toM: Type.Number() },
        { additionalProperties: false },
      ),
    ),
    cameras: Type.Array(FireSighting),
    place: Type.Optional(FirePlace),
    className: Type.String(),
    confidence: Type.Number(),
  },
  { $id: 'LocatedFire', additionalProperties: false },
);
export type LocatedFire = Static<typeof LocatedFire>;

export const LocatedFireList = Type.Object(
  { fires: Type.Array(LocatedFire) },
  { $id: 'LocatedFireList', additionalProperties: false },
);
export type LocatedFireList = Static<typeof LocatedFireList>;

export const LocatedFireQuery = Type.Object(
  {
    method: Type.Optional(Type.Union([Type.Literal('intersection'), Type.Literal('bearing')])),
    /** Only fires changed at or after this time (ms since epoch); default: the last 24 hours. */
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
export type LocatedFireQuery = Static<typeof LocatedFireQuery>;
