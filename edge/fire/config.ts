import { Type, type Static } from '@sinclair/typebox';
import { CameraSiting } from '../../protocols/mqtt/payloads.js';

const Unit = Type.Number({ minimum: 0, maximum: 1 });
export const MaskRegion = Type.Object(
  { x1: Unit, y1: Unit, x2: Unit, y2: Unit },
  { additionalProperties: false, description: 'frame units 0..1, origin top-left' },
);

export const FireCameraSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    /** rtsp://, http(s):// (MJPEG stream or snapshot URL), a video file or a folder of images. */
    url: Type.String({ minLength: 1 }),
    kind: Type.Optional(
      Type.Union([
        Type.Literal('rtsp'),
        Type.Literal('mjpeg'),
        Type.Literal('snapshot'),
        Type.Literal('file'),
        Type.Literal('folder'),
      ]),
    ),
    fps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 30 })),
    position: Type.Optional(
      Type.Object(
        {
          lat: Type.Number({ minimum: -90, maximum: 90 }),
          lon: Type.Number({ minimum: -180, maximum: 180 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Direction the camera looks (centre of the picture), degrees clockwise from true north. */
    bearingDeg: Type.Optional(Type.Number({ minimum: 0, maximum: 360 })),
    /** Horizontal field of view, degrees (with position and bearing: the cone the cloud locates fires with). */
    fovDeg: Type.Optional(Type.Number({ minimum: 1, maximum: 360 })),
    ...CameraSiting.properties,
    ignoreMasks: Type.Optional(Type.Array(MaskRegion)),
    /** Files: play at the native rate like a live camera (default true for files in the edge). */
    realtime: Type.Optional(Type.Boolean()),
    /** Overrides `snapshot.maxWidth` for this camera (0: model-size snapshots, no second ffmpeg output). */
    snapshotMaxWidth: Type.Optional(Type.Integer({ minimum: 0, maximum: 7680 })),
    /** Overrides `tiles.enabled` for this camera (false: the whole frame in one model input, as before tiles). */
    tiles: Type.Optional(Type.Boolean()),
    /** Overrides `tiles.analysisMaxWidth` for this camera. */
    analysisMaxWidth: Type.Optional(Type.Integer({ minimum: 64, maximum: 7680 })),
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
    /**
     * Frames analysed per second and camera (a camera's own `fps` overrides). 0.2 = one frame every 5 s, the
     * cadence a tower needs (smoke develops over minutes); each frame costs a few dozen tiles.
     */
    fps: Type.Number({ exclusiveMinimum: 0, maximum: 30, default: 0.2 }),
    /**
     * Tiled inference: each frame is read at analysis resolution and cut into overlapping tiles of the model's
     * input size at 1:1 pixels, plus one whole-frame pass; the boxes are merged across tile seams. A plume 20-60 px
     * wide in a 1280 px frame stays 20-60 px for the model instead of 4-12 px. 1280x720: 28 tiles + 1 pass.
     */
    tiles: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        /** Frames are analysed at this width at most (never above the camera's own; aspect kept). */
        analysisMaxWidth: Type.Integer({ minimum: 64, maximum: 7680, default: 1280 }),
        /** Fraction of a tile its neighbour also covers. */
        overlap: Type.Number({ minimum: 0, maximum: 0.9, default: 0.25 }),
        /** Also run the whole frame letterboxed to the model input (near, large fires no tile holds). */
        wholeFrame: Type.Boolean({ default: true }),
        /** Model inputs per onnxruntime run. */
        batchSize: Type.Integer({ minimum: 1, maximum: 256, default: 8 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * Change over time (fixed cameras): a detection of the listed classes counts towards confirming an alert
     * where the view changed against a background of the last minutes by more than that place usually varies.
     * What was there all along (sun, glare, haze, a sunset) never confirms, nor do clouds in a sky where clouds
     * drift. See edge/fire/README.md.
     */
    change: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        classes: Type.Array(Type.String({ minLength: 1 }), { default: ['fire', 'smoke'] }),
        /** Side of a background cell, analysis pixels. */
        cellPx: Type.Integer({ minimum: 2, maximum: 64, default: 8 }),
        /** Time constant of the background mean, seconds. */
        backgroundTimeS: Type.Number({ minimum: 5, default: 300 }),
        /** Time constant of each cell's usual deviation from its mean, seconds. */
        varianceTimeS: Type.Number({ minimum: 5, default: 1800 }),
        /** Smallest change of a cell's brightness that counts, grey levels 0..255. */
        minDelta: Type.Number({ minimum: 0, maximum: 255, default: 6 }),
        /** ...and at least this many of the usual deviations of the cell's neighbourhood. */
        sigmas: Type.Number({ minimum: 0, default: 3 }),
        /** Neighbourhood radius, cells: a cell is as restless as the most restless cell this close to it. */
        poolCells: Type.Integer({ minimum: 0, maximum: 32, default: 3 }),
        /** Fraction of a detection's cells that must have changed (at least 2 cells). */
        minChangedFraction: Type.Number({ minimum: 0, maximum: 1, default: 0.05 }),
        /** This fraction of the frame changing at once means the camera moved (PTZ preset): the background restarts. */
        resetFraction: Type.Number({ minimum: 0.05, maximum: 1, default: 0.6 }),
        /** Seconds the view is learnt after a start or a restart before anything counts as changed. */
        warmupS: Type.Number({ minimum: 0, maximum: 3600, default: 120 }),
      },
      { additionalProperties: false, default: {} },
    ),
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
      {
        minMs: Type.Integer({ minimum: 10, default: 1000 }),
        maxMs: Type.Integer({ minimum: 10, default: 30_000 }),
      },
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
    /**
     * Small frames before and after a detection, so that a ranger sees the plume grow: the last analysed frames
     * are kept downscaled in memory (raw, `before + 2 x after + 1` per camera: 1.6 MB at 320x180), `before` of
     * them and the detection frame itself (clean: the training export's picture) go with the `new` event, `after` of those since with the alert's first `update` once that many were
     * analysed since the `new` (or with its `end`). JPEG at `quality` 5: 4.6-5.2 kB each at 320 px (tower frames), about 27 kB more (base64, 4 frames) on a
     * `new` (the message is 86-132 kB with its 1280 px snapshot). before: 0 and after: 0 turn it off.
     */
    strip: Type.Object(
      {
        before: Type.Integer({ minimum: 0, maximum: 8, default: 3 }),
        after: Type.Integer({ minimum: 0, maximum: 8, default: 3 }),
        width: Type.Integer({ minimum: 64, maximum: 1280, default: 320 }),
        quality: Type.Integer({ minimum: 2, maximum: 31, default: 5 }),
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
