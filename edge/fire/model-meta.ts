import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { compileSchema } from '../../protocols/validation.js';

/**
 * The small metadata file next to a detection model (`model.onnx` -> `model.json`). Everything is optional:
 * the input size comes from the model's input shape, the layout from its output shape, so a drop-in Ultralytics
 * export works with just `classes`. models/README.md documents the fields.
 */
export const ModelMetadata = Type.Object(
  {
    name: Type.Optional(Type.String()),
    task: Type.Optional(Type.Literal('detect')),
    /** `yolov8`: [1, 4+C, N] (YOLOv8/YOLO11); `yolov5`: [1, N, 5+C] (with objectness). Auto-detected when absent. */
    layout: Type.Optional(Type.Union([Type.Literal('yolov8'), Type.Literal('yolov5')])),
    input: Type.Optional(
      Type.Object({
        width: Type.Optional(Type.Integer({ minimum: 16, maximum: 4096 })),
        height: Type.Optional(Type.Integer({ minimum: 16, maximum: 4096 })),
        /** Grey level of the letterbox padding (Ultralytics uses 114). */
        letterbox: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
      }),
    ),
    classes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    thresholds: Type.Optional(
      Type.Object({
        confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        iou: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        /** Per-class confidence thresholds by class name, chosen when the model was evaluated (`confidence` for the rest). */
        classes: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 }))),
      }),
    ),
  },
  { additionalProperties: true },
);
export type ModelMetadata = Static<typeof ModelMetadata>;

/** `models/foo.onnx` -> `models/foo.json`. */
export function metadataPathFor(modelPath: string): string {
  return modelPath.replace(/\.onnx$/i, '') + '.json';
}

export async function readModelMetadata(modelPath: string, explicitPath?: string): Promise<ModelMetadata> {
  const file = explicitPath ?? metadataPathFor(modelPath);
  if (!explicitPath && !existsSync(file)) return {};
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`model metadata ${file}: cannot read (${error.code ?? error.message})`);
  });
  const parsed = compileSchema(ModelMetadata).parseJson(text);
  if (!parsed.ok) throw new Error(`model metadata ${file}: ${parsed.errors.join('; ')}`);
  return parsed.value;
}
