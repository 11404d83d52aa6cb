import { Type, type Static } from '@sinclair/typebox';
import { CameraSettings, EpochMs } from '../mqtt/payloads.js';

const Id = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

export const CameraSettingsParams = Type.Object(
  { edgeId: Id, cameraId: Id },
  { additionalProperties: false },
);
export type CameraSettingsParams = Static<typeof CameraSettingsParams>;

/** `PUT cameras/{edgeId}/{cameraId}/settings`: the whole settings, replacing the previous ones. */
export const CameraSettingsBody = Type.Object(
  {
    settings: CameraSettings,
    /** Who changes them; required while the API has no operator accounts, ignored (the login) when it has. */
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { $id: 'CameraSettingsBody', additionalProperties: false },
);
export type CameraSettingsBody = Static<typeof CameraSettingsBody>;

/** What the edge says it applied (`settings/reported`), as the cloud last heard it. */
export const AppliedCameraSettings = Type.Object(
  {
    /** The version in effect on the edge (0: none). */
    version: Type.Integer({ minimum: 0 }),
    appliedAt: Type.Optional(EpochMs),
    /** When the cloud received the report. */
    reportedAt: EpochMs,
    /** A version the edge refused, and why. */
    refused: Type.Optional(
      Type.Object(
        { version: Type.Integer({ minimum: 1 }), reason: Type.String() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** `GET cameras/{edgeId}/{cameraId}/settings`: desired (saved in the cloud) and applied (on the edge). */
export const CameraSettingsState = Type.Object(
  {
    edgeId: Type.String(),
    cameraId: Type.String(),
    /** The desired version; 0 when nobody changed this camera's settings (then `settings` are the defaults). */
    version: Type.Integer({ minimum: 0 }),
    settings: CameraSettings,
    updatedAt: Type.Optional(EpochMs),
    updatedBy: Type.Optional(Type.String()),
    applied: Type.Optional(AppliedCameraSettings),
    /** True while the edge has not reported the desired version (offline, or not yet). */
    pending: Type.Boolean(),
  },
  { $id: 'CameraSettingsState', additionalProperties: false },
);
export type CameraSettingsState = Static<typeof CameraSettingsState>;

/** One change of a camera's settings: who, when, what it was before and after. */
export const CameraSettingsChange = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    at: EpochMs,
    by: Type.String(),
    settings: CameraSettings,
    /** The settings before this change (absent for the first one). */
    previous: Type.Optional(CameraSettings),
  },
  { additionalProperties: false },
);
export type CameraSettingsChange = Static<typeof CameraSettingsChange>;

export const CameraSettingsChanges = Type.Object(
  { changes: Type.Array(CameraSettingsChange) },
  { $id: 'CameraSettingsChanges', additionalProperties: false },
);
export type CameraSettingsChanges = Static<typeof CameraSettingsChanges>;

export const CameraSettingsChangesQuery = Type.Object(
  { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) },
  { additionalProperties: false },
);

export const CameraSettingsList = Type.Object(
  { cameras: Type.Array(CameraSettingsState) },
  { $id: 'CameraSettingsList', additionalProperties: false },
);
export type CameraSettingsList = Static<typeof CameraSettingsList>;
