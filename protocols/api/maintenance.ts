import { Type, type Static } from '@sinclair/typebox';

const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

/**
 * A time when a camera (or a whole edge: no `cameraId`) is expected to be dark (work on the tower, a power cut
 * announced by the utility): its offline alarm is not raised, and an active one is cleared.
 */
export const MaintenanceWindow = Type.Object(
  {
    id: Type.String(),
    edgeId: Id,
    /** Absent: the edge itself and every camera it serves. */
    cameraId: Type.Optional(Id),
    /** ms since the epoch. */
    from: Type.Integer({ minimum: 0 }),
    until: Type.Integer({ minimum: 0 }),
    note: Type.Optional(Type.String({ maxLength: 500 })),
    /** `config` (the config file; changed there) or `api` (set on the API: who, when). */
    source: Type.Union([Type.Literal('config'), Type.Literal('api')]),
    by: Type.Optional(Type.String()),
    createdAt: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { $id: 'MaintenanceWindow', additionalProperties: false },
);
export type MaintenanceWindow = Static<typeof MaintenanceWindow>;

export const MaintenanceList = Type.Object(
  { windows: Type.Array(MaintenanceWindow) },
  { $id: 'MaintenanceList', additionalProperties: false },
);
export type MaintenanceList = Static<typeof MaintenanceList>;

/** Body of `POST /api/v1/maintenance`. `from` defaults to now; `by` as for alarm actions. */
export const MaintenanceBody = Type.Object(
  {
    edgeId: Id,
    cameraId: Type.Optional(Id),
    from: Type.Optional(Type.Integer({ minimum: 0 })),
    until: Type.Integer({ minimum: 0 }),
    note: Type.Optional(Type.String({ maxLength: 500 })),
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { $id: 'MaintenanceBody', additionalProperties: false },
);
export type MaintenanceBody = Static<typeof MaintenanceBody>;
