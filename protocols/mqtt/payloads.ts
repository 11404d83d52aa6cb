import { Type, type Static } from '@sinclair/typebox';

/** Milliseconds since the Unix epoch, UTC. */
export const EpochMs = Type.Integer({ minimum: 0, description: 'milliseconds since the Unix epoch (UTC)' });
export const Mmsi = Type.Integer({
  minimum: 0,
  maximum: 999_999_999,
  description: 'Maritime Mobile Service Identity',
});

export const EdgeStatus = Type.Object(
  {
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    ts: EpochMs,
    version: Type.Optional(Type.String()),
    /** Why it went offline: `shutdown` (clean) or `lost` (last will). */
    reason: Type.Optional(Type.String()),
  },
  { $id: 'EdgeStatus', additionalProperties: false },
);
export type EdgeStatus = Static<typeof EdgeStatus>;

export const EdgeHealth = Type.Object(
  {
    ts: EpochMs,
    uptimeS: Type.Number({ minimum: 0 }),
    /** How often the edge publishes its health (s): the cloud calls an edge silent after a few intervals. */
    intervalS: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    outbox: Type.Object({
      messages: Type.Integer({ minimum: 0 }),
      bytes: Type.Integer({ minimum: 0 }),
      dropped: Type.Integer({ minimum: 0 }),
    }),
    ais: Type.Object({
      sentences: Type.Integer({ minimum: 0 }),
      messages: Type.Integer({ minimum: 0 }),
      rejected: Type.Integer({ minimum: 0 }),
      duplicates: Type.Integer({ minimum: 0 }),
    }),
    cameras: Type.Optional(
      Type.Object({ online: Type.Integer({ minimum: 0 }), offline: Type.Integer({ minimum: 0 }) }),
    ),
  },
  { $id: 'EdgeHealth' },
);
export type EdgeHealth = Static<typeof EdgeHealth>;

export const VesselPosition = Type.Object(
  {
    mmsi: Mmsi,
    /** Time of the position: tag-block time when the receiver gave one, else the edge's receive time. */
    ts: EpochMs,
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    /** Speed over ground, knots; absent when not available. */
    sog: Type.Optional(Type.Number({ minimum: 0, maximum: 102.2 })),
    /** Course over ground, degrees; absent when not available. */
    cog: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
    /** True heading, degrees; absent when not available. */
    heading: Type.Optional(Type.Integer({ minimum: 0, maximum: 359 })),
    navStatus: Type.Optional(Type.Integer({ minimum: 0, maximum: 15 })),
    /** AIS message type it came from (1, 2, 3, 18, 19, 27). */
    msgType: Type.Integer({ minimum: 1, maximum: 27 }),
    /** AIS class: A (types 1-3) or B (18, 19). */
    aisClass: Type.Optional(Type.Union([Type.Literal('A'), Type.Literal('B')])),
  },
  { $id: 'VesselPosition', additionalProperties: false },
);
export type VesselPosition = Static<typeof VesselPosition>;

export const VesselPositionBatch = Type.Object(
  {
    edgeId: Type.String(),
    /** Edge-local sequence number of the batch, for tracing; delivery order is the outbox order. */
    seq: Type.Integer({ minimum: 0 }),
    positions: Type.Array(VesselPosition, { minItems: 1, maxItems: 5000 }),
  },
  { $id: 'VesselPositionBatch', additionalProperties: false },
);
export type VesselPositionBatch = Static<typeof VesselPositionBatch>;

export const VesselStatic = Type.Object(
  {
    mmsi: Mmsi,
    ts: EpochMs,
    msgType: Type.Integer({ minimum: 1, maximum: 27 }),
    imo: Type.Optional(Type.Integer({ minimum: 0 })),
    callsign: Type.Optional(Type.String({ maxLength: 7 })),
    shipname: Type.Optional(Type.String({ maxLength: 120 })),
    shiptype: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
    /** Dimensions to bow/stern/port/starboard, metres. */
    toBow: Type.Optional(Type.Integer({ minimum: 0 })),
    toStern: Type.Optional(Type.Integer({ minimum: 0 })),
    toPort: Type.Optional(Type.Integer({ minimum: 0 })),
    toStarboard: Type.Optional(Type.Integer({ minimum: 0 })),
    destination: Type.Optional(Type.String({ maxLength: 20 })),
    /** Draught, metres. */
    draught: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { $id: 'VesselStatic', additionalProperties: false },
);
export type VesselStatic = Static<typeof VesselStatic>;

export const VesselStaticBatch = Type.Object(
  {
    edgeId: Type.String(),
    seq: Type.Integer({ minimum: 0 }),
    statics: Type.Array(VesselStatic, { minItems: 1, maxItems: 5000 }),
  },
  { $id: 'VesselStaticBatch', additionalProperties: false },
);
export type VesselStaticBatch = Static<typeof VesselStaticBatch>;

// ---------------------------------------------------------------------------------------------------
// Cameras (issue 5: ONVIF discovery and provisioning at the edge)

/** Where a tower camera stands and what it watches, beside its position, heading and field of view. */
export const CameraSiting = Type.Object({
  /** A name rangers know the camera by, e.g. `Tháp Sông Trẹm (hướng tây bắc)`. */
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  /** Height of the camera above the ground, metres. */
  heightM: Type.Optional(Type.Number({ minimum: 0, maximum: 1000 })),
  /** How far the camera watches, metres: a fire seen from one camera lies on its bearing within this range. */
  rangeM: Type.Optional(Type.Number({ minimum: 100, maximum: 100_000 })),
});

/**
 * Provisioning state of a camera: `online` (its stream/snapshot URLs are known and its ONVIF service answers
 * with our credentials), `unauthorized` (wrong user name or password), `unreachable` (no answer, refused,
 * timed out), `malformed` (answers we cannot use: broken XML, missing elements, no stream URI), `pending`
 * (not tried yet).
 */
export const CameraProvisioningState = Type.Union([
  Type.Literal('pending'),
  Type.Literal('online'),
  Type.Literal('unauthorized'),
  Type.Literal('unreachable'),
  Type.Literal('malformed'),
]);
export type CameraProvisioningState = Static<typeof CameraProvisioningState>;

export const GeoPosition = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
  { additionalProperties: false },
);

export const CameraInventoryEntry = Type.Object(
  {
    cameraId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    state: CameraProvisioningState,
    /** Why it is not online (the ONVIF fault, the network error...). */
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    /** `onvif`: configured by ONVIF address; `url`: configured by plain stream URL; `discovered`: WS-Discovery. */
    origin: Type.Union([Type.Literal('onvif'), Type.Literal('url'), Type.Literal('discovered')]),
    xaddr: Type.Optional(Type.String()),
    manufacturer: Type.Optional(Type.String()),
    model: Type.Optional(Type.String()),
    firmware: Type.Optional(Type.String()),
    serial: Type.Optional(Type.String()),
    /** The media profile chosen for detection (the one nearest the model's input size). */
    profile: Type.Optional(
      Type.Object(
        {
          token: Type.String(),
          name: Type.Optional(Type.String()),
          width: Type.Optional(Type.Integer({ minimum: 1 })),
          height: Type.Optional(Type.Integer({ minimum: 1 })),
          fps: Type.Optional(Type.Number({ minimum: 0 })),
          encoding: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    /** Number of media profiles the camera offers. */
    profiles: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Stream and snapshot URLs WITHOUT credentials (they never leave the edge). */
    streamUrl: Type.Optional(Type.String()),
    snapshotUrl: Type.Optional(Type.String()),
    position: Type.Optional(GeoPosition),
    /** Direction the camera looks, degrees clockwise from true north. */
    bearingDeg: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
    /** Horizontal field of view, degrees. */
    fovDeg: Type.Optional(Type.Number({ minimum: 1, maximum: 360 })),
    ...CameraSiting.properties,
    /** When the camera entered its current state. */
    since: EpochMs,
    /** Last successful ONVIF exchange. */
    lastSeenTs: Type.Optional(EpochMs),
    /** Failed attempts since it was last online. */
    failures: Type.Integer({ minimum: 0 }),
  },
  { $id: 'CameraInventoryEntry', additionalProperties: false },
);
export type CameraInventoryEntry = Static<typeof CameraInventoryEntry>;

/** Retained on `cameras/inventory`: every camera the edge knows, re-published on each change and on reconnect. */
export const CameraInventory = Type.Object(
  {
    edgeId: Type.String(),
    ts: EpochMs,
    cameras: Type.Array(CameraInventoryEntry, { maxItems: 512 }),
  },
  { $id: 'CameraInventory', additionalProperties: false },
);
export type CameraInventory = Static<typeof CameraInventory>;

/** Retained on `cameras/{cameraId}/status`: the frame reader's view of one camera (published by the fire pipeline). */
export const CameraStatus = Type.Object(
  {
    cameraId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    ts: EpochMs,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    /** Time of the last decoded frame. */
    lastFrameTs: Type.Optional(EpochMs),
    /** Reader restarts (watchdog) since the edge started. */
    restarts: Type.Optional(Type.Integer({ minimum: 0 })),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { $id: 'CameraStatus', additionalProperties: false },
);
export type CameraStatus = Static<typeof CameraStatus>;

// ---------------------------------------------------------------------------------------------------
// Fire and smoke alerts (issue 4: detection at the edge)

/** A box in frame units: 0..1 of the camera picture's width (x) and height (y), origin top-left. */
export const FrameBox = Type.Object(
  {
    x1: Type.Number({ minimum: 0, maximum: 1 }),
    y1: Type.Number({ minimum: 0, maximum: 1 }),
    x2: Type.Number({ minimum: 0, maximum: 1 }),
    y2: Type.Number({ minimum: 0, maximum: 1 }),
    score: Type.Number({ minimum: 0, maximum: 1 }),
    /** Class of this box when it differs from the alert's (smoke rising from a fire). */
    className: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type FrameBox = Static<typeof FrameBox>;

/**
 * On `alerts/fire` (QoS 1, not retained, through the edge's disk outbox as kind `alert`, never dropped).
 * One event of one alert: `new` once, `update` while it lasts, `end` when gone. The JPEG snapshot (boxes drawn)
 * travels inside the message, base64, on `new` and `update`, so an alert and its picture arrive together, in order,
 * even after an outage.
 */
export const FireAlert = Type.Object(
  {
    edgeId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    cameraId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    /** Stable across the new/update/end events of one fire at one place of one camera. */
    alertId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}$' }),
    event: Type.Union([Type.Literal('new'), Type.Literal('update'), Type.Literal('end')]),
    /** Model class name, e.g. `fire` or `smoke`. */
    className: Type.String({ minLength: 1, maxLength: 64 }),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    boxes: Type.Array(FrameBox, { maxItems: 50 }),
    /** Time of the first frame that showed it. */
    firstSeenTs: EpochMs,
    /** Time of the frame that caused this event. */
    ts: EpochMs,
    /** Last frame it was seen in (meaningful on `end`). */
    lastSeenTs: Type.Optional(EpochMs),
    camera: Type.Object(
      {
        position: Type.Optional(GeoPosition),
        /** Direction the camera looks, degrees clockwise from true north. */
        bearingDeg: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
        /** Horizontal field of view, degrees. */
        fovDeg: Type.Optional(Type.Number({ minimum: 1, maximum: 360 })),
        ...CameraSiting.properties,
      },
      { additionalProperties: false },
    ),
    /** Direction of the boxes' centre from the camera, when bearing and field of view are known. */
    bearingToFireDeg: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
    model: Type.Optional(Type.String({ maxLength: 200 })),
    snapshot: Type.Optional(
      Type.Object(
        {
          contentType: Type.Literal('image/jpeg'),
          /** The picture's size: the camera's, capped at the edge's `fire.snapshot.maxWidth` (or the model's input size). */
          width: Type.Integer({ minimum: 1 }),
          height: Type.Integer({ minimum: 1 }),
          /** Base64 JPEG, at most ~1.5 MB decoded. */
          data: Type.String({ maxLength: 2_000_000 }),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * The camera's analysed frames around the detection, small (`edge.fire.strip`): on `new` a few from before
     * the detection and, last, the detection frame itself (its `ts` is the event's: the clean picture the training
     * export uses), on the alert's first `update` with enough frames since (or its `end`) a few from after it. No
     * boxes drawn: they are at the alert's boxes (frame units). At most 9: `strip.before` (8 at most) + 1.
     */
    frames: Type.Optional(
      Type.Array(
        Type.Object(
          {
            ts: EpochMs,
            width: Type.Integer({ minimum: 1 }),
            height: Type.Integer({ minimum: 1 }),
            /** Base64 JPEG. */
            data: Type.String({ maxLength: 400_000 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 9 },
      ),
    ),
  },
  { $id: 'FireAlert', additionalProperties: false },
);
export type FireAlert = Static<typeof FireAlert>;

// ---------------------------------------------------------------------------------------------------
// Per-camera settings from the dashboard (issue 10, item 4): desired by the cloud, reported by the edge

const UnitCoordinate = Type.Number({ minimum: 0, maximum: 1 });

/** A polygon in normalised image coordinates: [x, y] points, 0..1 of the picture's width and height, top-left origin. */
export const MaskPolygon = Type.Array(Type.Tuple([UnitCoordinate, UnitCoordinate]), {
  minItems: 3,
  maxItems: 64,
  description: 'polygon corners [x, y], 0..1 of the picture width and height, origin top-left',
});
export type MaskPolygon = Static<typeof MaskPolygon>;

/** Sensitivity steps: each step moves every class's confidence threshold by `SENSITIVITY_STEP` (higher = more alerts). */
export const SENSITIVITY_LEVELS = [-2, -1, 0, 1, 2] as const;
export const SENSITIVITY_STEP = 0.05;

/** What a ranger sets on one camera from the dashboard. */
export const CameraSettings = Type.Object(
  {
    /** No alerts from this camera until this time (ms since epoch); absent or past: not muted. */
    muteUntil: Type.Optional(EpochMs),
    /** -2 (fewer alerts) .. 2 (more alerts): each step lowers every class's confidence threshold by 0.05. */
    sensitivity: Type.Integer({ minimum: -2, maximum: 2, default: 0 }),
    /** Added to one class's threshold after the level, by class name (e.g. `{ "smoke": 0.1 }`: smoke needs more). */
    classOffsets: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
        Type.Number({ minimum: -0.5, maximum: 0.5 }),
      ),
    ),
    /** Parts of the picture where nothing alerts: a detection whose box lies mostly (half or more) inside is dropped. */
    ignoreMasks: Type.Array(MaskPolygon, { maxItems: 32, default: [] }),
  },
  { $id: 'CameraSettings', additionalProperties: false },
);
export type CameraSettings = Static<typeof CameraSettings>;

/**
 * Retained on `cameras/{cameraId}/settings/desired`, published only by the cloud: the camera's settings as saved
 * in the cloud, `version` increasing by one with every change. The edge applies a version higher than the one it
 * has and ignores an older one.
 */
export const CameraSettingsDesired = Type.Object(
  {
    edgeId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    cameraId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    version: Type.Integer({ minimum: 1 }),
    /** When and by whom this version was saved. */
    updatedAt: EpochMs,
    updatedBy: Type.String({ maxLength: 200 }),
    settings: CameraSettings,
  },
  { $id: 'CameraSettingsDesired', additionalProperties: false },
);
export type CameraSettingsDesired = Static<typeof CameraSettingsDesired>;

/**
 * Retained on `cameras/{cameraId}/settings/reported`, published by the edge after it applied (or refused) a
 * version, and again after every reconnect: what is in effect on the edge now.
 */
export const CameraSettingsReported = Type.Object(
  {
    cameraId: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    /** The version in effect on the edge (0: none received yet). */
    version: Type.Integer({ minimum: 0 }),
    /** When the edge applied it. */
    appliedAt: EpochMs,
    /** A desired version the edge could not apply (e.g. an offset for a class its model does not have), and why. */
    refused: Type.Optional(
      Type.Object(
        { version: Type.Integer({ minimum: 1 }), reason: Type.String({ maxLength: 500 }) },
        { additionalProperties: false },
      ),
    ),
    ts: EpochMs,
  },
  { $id: 'CameraSettingsReported', additionalProperties: false },
);
export type CameraSettingsReported = Static<typeof CameraSettingsReported>;
