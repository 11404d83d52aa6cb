import { Type, type Static } from '@sinclair/typebox';
import { TriageLabelSchema } from './alarms.js';
import { FireAlertRecord } from './fire.js';

/**
 * Class ids of the exported data sets: those of Lookout's default model (models/lookout-fire-smoke-256.json,
 * `classes`), in that order; a box of any other class name gets the next id (the list says which).
 */
export const DATASET_BASE_CLASSES = ['fire', 'smoke'] as const;

/** One judged alert event: its clean picture and snapshot, its boxes as the edge saw them, the ranger's verdict. */
export const FireDatasetItem = Type.Object(
  {
    alarmId: Type.String(),
    label: TriageLabelSchema,
    note: Type.Optional(Type.String()),
    /** Who judged it and when (ms since epoch). */
    by: Type.String(),
    triagedAt: Type.Integer({ minimum: 0 }),
    edgeId: Type.String(),
    cameraId: Type.String(),
    alertId: Type.String(),
    event: FireAlertRecord.properties.event,
    /** Time of the frame (ms since epoch). */
    ts: Type.Integer(),
    className: Type.String(),
    boxes: FireAlertRecord.properties.boxes,
    /** The snapshot, boxes drawn (for people, not for training). */
    snapshotUrl: Type.String(),
    /**
     * The event's own strip frame (same `ts`), no boxes drawn: the picture to train on; the boxes (frame units)
     * apply to it unchanged. Absent when the edge sent none (strip off, an older edge, encoding failed).
     */
    imageUrl: Type.Optional(Type.String()),
  },
  { $id: 'FireDatasetItem', additionalProperties: false },
);
export type FireDatasetItem = Static<typeof FireDatasetItem>;

export const FireDataset = Type.Object(
  {
    /** Class names by YOLO class id (index). */
    classes: Type.Array(Type.String()),
    items: Type.Array(FireDatasetItem),
  },
  { $id: 'FireDataset', additionalProperties: false },
);
export type FireDataset = Static<typeof FireDataset>;

export const FireDatasetQuery = Type.Object(
  {
    /** Only alarms that started at or after / before this time (ms since epoch). */
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    until: Type.Optional(Type.Integer({ minimum: 0 })),
    label: Type.Optional(TriageLabelSchema),
  },
  { additionalProperties: false },
);
export type FireDatasetQuery = Static<typeof FireDatasetQuery>;
