import * as ort from 'onnxruntime-node';
import type { FireConfig } from './config.js';
import { readModelMetadata, type ModelMetadata } from './model-meta.js';
import {
  classesInOutput,
  decodeOutput,
  inferLayout,
  nms,
  rgbToChw,
  toFrameUnits,
  type Box,
  type LetterboxTransform,
  type OutputLayout,
  type RgbImage,
} from './tensor.js';
import {
  defaultTiling,
  mergeAcrossTiles,
  modelInputs,
  type ModelInput,
  type TilingSettings,
} from './tiles.js';

export interface DetectorOptions {
  modelPath: string;
  /** Metadata file; default: the model path with `.json`. */
  metadataPath?: string;
  /** Overrides for what the metadata says (config wins). */
  classes?: string[];
  inputSize?: number;
  layout?: OutputLayout;
  confidence?: number;
  iou?: number;
  /** Per-class confidence thresholds by class name. */
  classThresholds?: Record<string, number>;
  threads?: number;
}

/** The detector that a `fire.model` config section describes. */
export function detectorOptions({ path, metadata, ...overrides }: FireConfig['model']): DetectorOptions {
  return { modelPath: path, metadataPath: metadata, ...overrides };
}

/** A detection in normalised frame units (0..1 of the original camera frame). */
export interface FrameDetection {
  className: string;
  classId: number;
  score: number;
  box: Box;
  /** Set by the pipeline: false when the region did not change against the background (it does not confirm an alert). */
  anchored?: boolean;
}

export interface DetectorInfo {
  modelPath: string;
  name: string;
  layout: OutputLayout;
  inputWidth: number;
  inputHeight: number;
  classes: string[];
  thresholds: Record<string, number>;
  iou: number;
  letterbox: number;
  /** Images per run: the model's fixed batch size, or unbounded for a dynamic batch axis. */
  maxBatch: number;
}

/**
 * Any Ultralytics-style ONNX detector (YOLOv8/YOLO11 [1,4+C,N] or YOLOv5 [1,N,5+C]) on onnxruntime-node.
 * `detect` takes a frame already letterboxed to the model input (the frame readers produce that) or any RGB
 * image, which it letterboxes itself.
 */
export class Detector {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: DetectorInfo,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {}

  static async load(options: DetectorOptions): Promise<Detector> {
    const meta: ModelMetadata = await readModelMetadata(options.modelPath, options.metadataPath);
    const threads = options.threads ?? 1;
    const session = await ort.InferenceSession.create(options.modelPath, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    }).catch((error: Error) => {
      throw new Error(`model ${options.modelPath}: cannot load (${error.message})`);
    });
    const input = session.inputMetadata[0];
    const inputName = session.inputNames[0];
    const outputName = session.outputNames[0];
    if (!input || !inputName || !outputName)
      throw new Error(`model ${options.modelPath}: no input or output`);
    const shape = input.isTensor ? input.shape : [];
    const fromShape = (i: number) =>
      typeof shape[i] === 'number' && (shape[i] as number) > 0 ? (shape[i] as number) : undefined;
    const inputWidth = options.inputSize ?? meta.input?.width ?? fromShape(3);
    const inputHeight = options.inputSize ?? meta.input?.height ?? fromShape(2);
    if (!inputWidth || !inputHeight)
      throw new Error(
        `model ${options.modelPath}: input size unknown (dynamic shape): set input.width/height in its metadata or fire.model.inputSize`,
      );
    const classes = options.classes ?? meta.classes;
    if (!classes)
      throw new Error(
        `model ${options.modelPath}: class names unknown: add \`classes\` to ${options.metadataPath ?? 'the metadata file next to the model'} or set fire.model.classes`,
      );
    // Config before metadata, a class's own threshold before the general one.
    const thresholds: Record<string, number> = {};
    for (const name of classes)
      thresholds[name] =
        options.classThresholds?.[name] ??
        options.confidence ??
        meta.thresholds?.classes?.[name] ??
        meta.thresholds?.confidence ??
        0.25;
    const unknown = Object.keys(options.classThresholds ?? {}).filter((name) => !classes.includes(name));
    if (unknown.length)
      throw new Error(
        `class thresholds name unknown classes ${unknown.join(', ')}; model classes: ${classes.join(', ')}`,
      );
    const info: DetectorInfo = {
      modelPath: options.modelPath,
      name: meta.name ?? options.modelPath,
      layout: options.layout ?? meta.layout ?? 'yolov8',
      inputWidth,
      inputHeight,
      classes,
      thresholds,
      iou: options.iou ?? meta.thresholds?.iou ?? 0.45,
      letterbox: meta.input?.letterbox ?? 114,
      maxBatch: fromShape(0) ?? Infinity,
    };
    const detector = new Detector(session, info, inputName, outputName);
    // One warm-up run checks that the output shape fits the layout and the classes.
    const probe = await detector.runRaw(new Float32Array(3 * inputWidth * inputHeight));
    const layout = options.layout ?? meta.layout ?? inferLayout(probe.dims, classes.length);
    if (classesInOutput(probe.dims, layout) !== classes.length) {
      throw new Error(
        `model ${options.modelPath}: output [${probe.dims.join(', ')}] in ${layout} layout has ${classesInOutput(probe.dims, layout)} classes, metadata names ${classes.length}`,
      );
    }
    info.layout = layout;
    return detector;
  }

  private async runRaw(
    chw: Float32Array,
    batch = 1,
  ): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const tensor = new ort.Tensor('float32', chw, [batch, 3, this.info.inputHeight, this.info.inputWidth]);
    const result = await this.session.run({ [this.inputName]: tensor });
    const output = result[this.outputName];
    if (!output || output.type !== 'float32')
      throw new Error(`model ${this.info.modelPath}: output ${this.outputName} is not float32`);
    return { data: output.data as Float32Array, dims: output.dims };
  }

  /**
   * Runs the model on a frame. `thresholds` (per class) replace the detector's for this frame only: one session
   * serves every camera, each with its own sensitivity. `transform` says where the camera frame sits in the letterboxed input; when the
   * image is not at the model's input size it is letterboxed here and the transform computed.
   */
  async detect(
    image: RgbImage,
    transform?: LetterboxTransform,
    thresholds?: Record<string, number>,
  ): Promise<FrameDetection[]> {
    if (image.width !== this.info.inputWidth || image.height !== this.info.inputHeight)
      return this.detectTiled(image, { ...defaultTiling, enabled: false }, thresholds);
    const t = transform ?? {
      scale: 1,
      padX: 0,
      padY: 0,
      contentWidth: image.width,
      contentHeight: image.height,
    };
    const [detections] = await this.#run([{ image, transform: t }], 1, thresholds);
    return nms(detections!, this.info.iou).map((d) => this.#named(d));
  }

  /**
   * Runs the model on a frame at analysis resolution: tiles at the model's input size (plus the whole frame),
   * batched, boxes mapped back to frame units and merged across tile seams.
   */
  async detectTiled(
    image: RgbImage,
    tiling: TilingSettings,
    thresholds?: Record<string, number>,
  ): Promise<FrameDetection[]> {
    const { inputWidth, inputHeight, letterbox } = this.info;
    const inputs = modelInputs(image, inputWidth, inputHeight, letterbox, tiling);
    const perInput = await this.#run(inputs, Math.max(1, tiling.batchSize), thresholds);
    const all = perInput.flatMap((detections) => nms(detections, this.info.iou));
    return mergeAcrossTiles(all, this.info.iou).map((d) => this.#named(d));
  }

  /** Decoded detections of each input, boxes already in frame units. */
  async #run(
    inputs: ModelInput[],
    batchSize: number,
    classThresholds: Record<string, number> = this.info.thresholds,
  ): Promise<Array<Array<{ classId: number; score: number; box: Box }>>> {
    const { inputWidth, inputHeight, layout } = this.info;
    const thresholds = this.info.classes.map((name) => classThresholds[name] ?? this.info.thresholds[name]!);
    const plane = 3 * inputWidth * inputHeight;
    const size = Math.min(batchSize, this.info.maxBatch);
    const out: Array<Array<{ classId: number; score: number; box: Box }>> = [];
    for (let start = 0; start < inputs.length; start += size) {
      const batch = inputs.slice(start, start + size);
      const chw = new Float32Array(plane * batch.length);
      batch.forEach((input, i) => rgbToChw(input.image, chw.subarray(i * plane, (i + 1) * plane)));
      const { data, dims } = await this.runRaw(chw, batch.length);
      const each = dims.slice(1).reduce((a, b) => a * b, 1);
      batch.forEach((input, i) => {
        const decoded = decodeOutput(
          data.subarray(i * each, (i + 1) * each),
          [1, ...dims.slice(1)],
          layout,
          thresholds,
        );
        out.push(
          decoded.map((d) => ({
            classId: d.classId,
            score: d.score,
            box: toFrameUnits(d.box, input.transform),
          })),
        );
      });
    }
    return out;
  }

  #named(d: { classId: number; score: number; box: Box }): FrameDetection {
    return { className: this.info.classes[d.classId]!, classId: d.classId, score: d.score, box: d.box };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
