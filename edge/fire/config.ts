import { Type, type Static } from '@sinclair/typebox';

const Unit = Type.Number({ minimum: 0, maximum: 1 });
export const MaskRegion = Type.Object({ x1: Unit, y1: Unit, x2: Unit, y2: Unit }, { additionalProperties: false, description: 'frame units 0..1, origin top-left' });

export const FireCameraSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    /** rtsp://, http(s):// (MJPEG stream or snapshot URL), a video file or a folder of images. */
    url: Type.String({ minLength: 1 }),
    kind: Type.Optional(Type.Union([Type.Literal('rtsp'), Type.Literal('mjpeg'), Type.Literal('snapshot'), Type.Literal('file'), Type.Literal('folder')])),
    fps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 30 })),
    position: Type.Optional(Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) }, { additionalProperties: false })),
    bearingDeg: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
    fovDeg: Type.Optional(Type.Number({ minimum: 1, maximum: 360 })),
    ignoreMasks: Type.Optional(Type.Array(MaskRegion)),
    /** Files: play at the native rate like a live camera (default true for files in the edge). */
    realtime: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type FireCamera = Static<typeof FireCameraSchema>;

export const FireConfigSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    model: Type.Object(
      {
        path: Type.String({ default: 'models/lookout-fire-smoke-256.onnx' }),
        /** Metadata file; default: the model path with `.json`. */
        metadata: Type.Optional(Type.String()),
        /** Overrides of the metadata (for a drop-in model without one). */
        classes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
        inputSize: Type.Optional(Type.Integer({ minimum: 32, maximum: 4096 })),
        layout: Type.Optional(Type.Union([Type.Literal('yolov8'), Type.Literal('yolov5')])),
        confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        iou: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        /** Per-class confidence thresholds, by class name, e.g. `{ fire: 0.4, smoke: 0.3 }`. */
        classThresholds: Type.Optional(Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 }))),
        /** onnxruntime intra-op threads (one session shared by all cameras). */
        threads: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Frames analysed per second and camera (a camera's own `fps` overrides). */
    fps: Type.Number({ exclusiveMinimum: 0, maximum: 30, default: 1 }),
    /** Watchdog: no frame for this long -> kill ffmpeg and restart it. */
    stallTimeoutS: Type.Number({ minimum: 0.5, default: 15 }),
    /** Socket timeout handed to ffmpeg for network cameras. */
    socketTimeoutS: Type.Number({ minimum: 0.5, default: 5 }),
    backoff: Type.Object(
      { minMs: Type.Integer({ minimum: 10, default: 1000 }), maxMs: Type.Integer({ minimum: 10, default: 30_000 }) },
      { additionalProperties: false, default: {} },
    ),
    confirmation: Type.Object(
      {
        /** Sliding window, in analysed frames. */
        windowFrames: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
        /** Frames of the window that must show an overlapping box. */
        minHits: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
        /** Summed confidence over the window needed to confirm. */
        confirmScoreSum: Type.Number({ minimum: 0, default: 1.2 }),
        /** Lower sum that keeps an already confirmed event alive. */
        keepAliveScoreSum: Type.Number({ minimum: 0, default: 0.4 }),
        /** Boxes larger than this fraction of the frame are ignored. */
        maxBoxArea: Type.Number({ minimum: 0, maximum: 1, default: 0.6 }),
        /** Ignore masks for every camera (cameras add their own). */
        ignoreMasks: Type.Array(MaskRegion, { default: [] }),
        /** `update` at most this often while the event lasts... */
        updateIntervalS: Type.Number({ minimum: 1, default: 30 }),
        /** ...or sooner when the box area grew by this factor. */
        growthFactor: Type.Number({ minimum: 1, default: 1.5 }),
        /** `end` when not seen for this long. */
        endAfterS: Type.Number({ minimum: 1, default: 60 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Also read the cameras the camera provisioning finds (edge bus `camera.sources`). */
    followCameraSources: Type.Boolean({ default: true }),
    cameras: Type.Array(FireCameraSchema, { default: [] }),
  },
  { additionalProperties: false, default: {} },
);
export type FireConfig = Static<typeof FireConfigSchema>;
