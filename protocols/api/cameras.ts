import { Type, type Static } from '@sinclair/typebox';
import { CameraInventoryEntry, CameraStatus } from '../mqtt/payloads.js';

/** One camera as `GET /api/v1/cameras` returns it: the edge's inventory entry plus where and when it came from. */
export const CameraRecord = Type.Composite(
  [
    CameraInventoryEntry,
    Type.Object({
      edgeId: Type.String(),
      /** When the cloud received the inventory this entry came from (ms since epoch). */
      receivedAt: Type.Integer(),
      /** The frame reader's latest status for this camera (`cameras/{id}/status`), when one arrived. */
      stream: Type.Optional(Type.Omit(CameraStatus, ['cameraId'])),
    }),
  ],
  { $id: 'CameraRecord', additionalProperties: false },
);
export type CameraRecord = Static<typeof CameraRecord>;

export const CameraList = Type.Object(
  { cameras: Type.Array(CameraRecord) },
  { $id: 'CameraList', additionalProperties: false },
);
export type CameraList = Static<typeof CameraList>;

export const CameraQuery = Type.Object(
  {
    edgeId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' })),
    state: Type.Optional(
      Type.Union([
        Type.Literal('pending'),
        Type.Literal('online'),
        Type.Literal('unauthorized'),
        Type.Literal('unreachable'),
        Type.Literal('malformed'),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type CameraQuery = Static<typeof CameraQuery>;
