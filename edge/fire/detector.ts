import * as ort from 'onnxruntime-node';
import type { FireConfig } from './config.js';
import { readModelMetadata, type ModelMetadata } from './model-meta.js';
import { classesInOutput, decodeOutput, inferLayout, letterboxRgb, nms, rgbToChw, toFrameUnits, type Box, type LetterboxTransform, type OutputLayout, type RgbImage } from './tensor.js';

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
    if (!input || !inputName || !outputName) throw new Error(`model ${options.modelPath}: no input or output`);
    const shape = input.isTensor ? input.shape : [];
    const fromShape = (i: number) => (typeof shape[i] === 'number' && (shape[i] as number) > 0 ? (shape[i] as number) : undefined);
    const inputWidth = options.inputSize ?? meta.input?.width ?? fromShape(3);
    const inputHeight = options.inputSize ?? meta.input?.height ?? fromShape(2);
    if (!inputWidth || !inputHeight) throw new Error(`model ${options.modelPath}: input size unknown (dynamic shape): set input.width/height in its metadata or fire.model.inputSize`);
    const classes = options.classes ?? meta.classes;
    if (!classes) throw new Error(`model ${options.modelPath}: class names unknown: add \`classes\` to ${options.metadataPath ?? 'the metadata file next to the model'} or set fire.model.classes`);
    const confidence = options.confidence ?? meta.thresholds?.confidence ?? 0.25;
    const thresholds: Record<string, number> = {};
    for (const name of classes) thresholds[name] = options.classThresholds?.[name] ?? confidence;
    const unknown = Object.keys(options.classThresholds ?? {}).filter((name) => !classes.includes(name));
    if (unknown.length) throw new Error(`class thresholds name unknown classes ${unknown.join(', ')}; model classes: ${classes.join(', ')}`);
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
    };
    const detector = new Detector(session, info, inputName, outputName);
    // One warm-up run checks that the output shape fits the layout and the classes.
    const probe = await detector.runRaw(new Float32Array(3 * inputWidth * inputHeight));
    const layout = options.layout ?? meta.layout ?? inferLayout(probe.dims, classes.length);
    if (classesInOutput(probe.dims, layout) !== classes.length) {
      throw new Error(`model ${options.modelPath}: output [${probe.dims.join(', ')}] in ${layout} layout has ${classesInOutput(probe.dims, layout)} classes, metadata names ${classes.length}`);
    }
    info.layout = layout;
    return detector;
  }

  private async runRaw(chw: Float32Array): Promise<{ data: Float32Array; dims: readonly number[] }> {
    const tensor = new ort.Tensor('float32', chw, [1, 3, this.info.inputHeight, this.info.inputWidth]);
    const result = await this.session.run({ [this.inputName]: tensor });
    const output = result[this.outputName];
    if (!output || output.type !== 'float32') throw new Error(`model ${this.info.modelPath}: output ${this.outputName} is not float32`);
    return { data: output.data as Float32Array, dims: output.dims };
  }

  /**
   * Runs the model on a frame. `transform` says where the camera frame sits in the letterboxed input; when the
   * image is not at the model's input size it is letterboxed here and the transform computed.
   */
  async detect(image: RgbImage, transform?: LetterboxTransform): Promise<FrameDetection[]> {
    let input = image;
    let t = transform;
    if (image.width !== this.info.inputWidth || image.height !== this.info.inputHeight) {
      const boxed = letterboxRgb(image, this.info.inputWidth, this.info.inputHeight, this.info.letterbox);
      input = boxed.image;
      t = boxed.transform;
    }
    t ??= { scale: 1, padX: 0, padY: 0, contentWidth: input.width, contentHeight: input.height };
    const { data, dims } = await this.runRaw(rgbToChw(input));
    const thresholds = this.info.classes.map((name) => this.info.thresholds[name]!);
    const kept = nms(decodeOutput(data, dims, this.info.layout, thresholds), this.info.iou);
    return kept.map((d) => ({ className: this.info.classes[d.classId]!, classId: d.classId, score: d.score, box: toFrameUnits(d.box, t) }));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
