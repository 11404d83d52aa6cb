import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });
const IsoTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}',
  description: 'ISO date and time with its offset, e.g. 2026-12-05T08:00+07:00',
});

/** A maintenance window written in the config file (times as ISO dates with their offset, e.g. `2026-12-05T08:00+07:00`). */
export const ConfigMaintenanceWindow = Type.Object(
  {
    edgeId: Id,
    cameraId: Type.Optional(Id),
    from: IsoTime,
    until: IsoTime,
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

/** Camera and edge offline alarms (cloud/offline). */
export const OfflineAlarmsConfig = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** A camera with no analysed frame for this long raises `camera_offline` (MAJOR). */
    cameraSilentS: Type.Number({ minimum: 1, default: 300 }),
    /**
     * An edge whose last will fired, or that stopped, raises `edge_offline` (MAJOR) after this long offline (a
     * restart or an update is not an alarm).
     */
    edgeOfflineGraceS: Type.Number({ minimum: 0, default: 60 }),
    /**
     * An edge that stays connected but sends nothing (no health, no data) for this many of its health intervals
     * (`edge.health.intervalS`, which its health messages carry) raises `edge_offline` too.
     */
    edgeSilentIntervals: Type.Number({ minimum: 1, default: 3 }),
    /** Used for an edge whose health messages do not say their interval (older edges). */
    edgeSilentS: Type.Number({ minimum: 1, default: 90 }),
    /** How often cameras and edges are checked. */
    checkIntervalS: Type.Number({ minimum: 0.05, default: 10 }),
    maintenance: Type.Array(ConfigMaintenanceWindow, { default: [] }),
  },
  { additionalProperties: false, default: {} },
);
export type OfflineAlarmsConfig = Static<typeof OfflineAlarmsConfig>;
