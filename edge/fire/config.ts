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
    /** Overrides `snapshot.maxWidth` for this camera (0: model-size snapshots, no second ffmpeg output). */
    snapshotMaxWidth: Type.Optional(Type.Integer({ minimum: 0, maximum: 7680 })),
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
    /**
     * An online camera's status is published again this often with its latest frame time, so that the cloud and
     * the dashboard see frames keep coming (state changes are published at once).
     */
    statusIntervalS: Type.Number({ minimum: 0.5, default: 30 }),
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
    /**
     * Alert snapshots (JPEG inside the FireAlert, boxes drawn). Each camera's ffmpeg also writes every analysed
     * frame at snapshot resolution (PPM over a private Unix socket; only the newest frame is kept in memory:
     * 2 x width x height x 3 bytes, 5.5 MB at 1280x720); an alert takes that frame (the analysed one, or exceptionally
     * the next) and encodes it. Without it (not arrived in `waitMs`, encoding failed, too large) the alert
     * carries the model-size snapshot of the analysed frame, counted in lookout_edge_fire_snapshot_fallbacks_total.
     */
    snapshot: Type.Object(
      {
        /** Width at most, px; never upscaled (a smaller camera gives its own size). 0 = model input size only. */
        maxWidth: Type.Integer({ minimum: 0, maximum: 7680, default: 1280 }),
        /** JPEG quality as ffmpeg's -q:v: 2 (best, largest) .. 31 (smallest). 5: 65-100 kB for 1280x720 tower camera frames. */
        quality: Type.Integer({ minimum: 2, maximum: 31, default: 5 }),
        /** Larger JPEGs are encoded again at double the -q:v, then replaced by the model-size one (the cloud takes up to 1.5 MB). */
        maxBytes: Type.Integer({ minimum: 10_000, maximum: 1_400_000, default: 400_000 }),
        /** Longest wait for the snapshot-resolution frame of the alert (it normally follows the analysed frame at once). */
        waitMs: Type.Integer({ minimum: 0, maximum: 10_000, default: 1000 }),
        /** A JPEG encoding (one short ffmpeg run) is killed after this long. */
        encodeTimeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 5000 }),
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
