/**
 * Detection benchmark (not a test):
 *   1. inference ms/frame of a model at 1 and 2 onnxruntime threads;
 *   2. end-to-end CPU per camera at 1 fps (ffmpeg decode of a 720p H.264 stream + letterbox + inference), and
 *   3. whether one node sustains N cameras at 1 fps (every camera gets its frames analysed, none skipped);
 *   4. with `--only snapshot`, instead: the CPU of the snapshot-resolution output (edge.fire.snapshot.maxWidth),
 *      --cameras cameras at 1 fps with each width of --snapshot-widths (0 = model-size frames only), twice in
 *      alternation (1-3 run with maxWidth 0);
 *   5. with `--only tiles`, instead: the cost of tiled inference (edge.fire.tiles, the edge default) beside the
 *      whole-frame pass, --cameras cameras at a tower cadence (--fps, default 0.2 = one frame every 5 s) for
 *      --seconds (default 60) each, tiles on / whole frame only in alternation, twice, change check on in both;
 *      then the cameras per node that the measured cost allows.
 * 1-3 measure what they did before tiles: the whole frame letterboxed to the model input (tiles off) and no change
 * check, passed explicitly since the pipeline's default is now tiles. The default run also prints the
 * inference-only cost of one tiled 1280x720 frame (cheap); the camera rounds of 5 take minutes, so only --only tiles.
 *
 *   npx tsx models/bench.ts [--model models/lookout-fire-smoke-256.onnx] [--cameras 16] [--seconds 30]
 *   npx tsx models/bench.ts --only snapshot --cameras 8 --snapshot-widths 0,1280 --source 1920x1080 --seconds 40
 *   npx tsx models/bench.ts --only tiles --cameras 16 --seconds 60 [--fps 0.2]
 *
 * Cameras are played from a generated 1280x720 10 fps H.264 file read at its native rate (-re), like a live
 * camera. CPU is read from /proc (this process + its reaped ffmpeg children), so run it on an otherwise idle
 * machine: the figures in models/README.md say what the load was.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultChange, type ChangeSettings } from '../edge/fire/change.js';
import { Detector } from '../edge/fire/detector.js';
import { CameraPipeline, createFireMetrics } from '../edge/fire/pipeline.js';
import { defaultSnapshotSettings } from '../edge/fire/snapshot.js';
import { defaultTiling, modelInputs, type TilingSettings } from '../edge/fire/tiles.js';
import { defaultConfirmation } from '../edge/fire/tracker.js';
import { silentLogger } from '../runtime/logger.js';
import { Registry } from '../runtime/metrics.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(import.meta.dirname, 'lookout-fire-smoke-256.onnx') },
    cameras: { type: 'string', default: '16' },
    seconds: { type: 'string' },
    fps: { type: 'string', default: '0.2' },
    runs: { type: 'string', default: '200' },
    'tile-runs': { type: 'string', default: '30' },
    only: { type: 'string' },
    'snapshot-widths': { type: 'string', default: '0,1280' },
    source: { type: 'string', default: '1280x720' },
  },
});
if (values.only !== undefined && values.only !== 'snapshot' && values.only !== 'tiles')
  throw new Error(`--only: snapshot or tiles, got ${values.only}`);
const snapshotWidths = values['snapshot-widths']!.split(',').map(Number);
const sourceSize = values.source!;
if (!/^\d+x\d+$/.test(sourceSize)) throw new Error(`--source: WIDTHxHEIGHT, got ${sourceSize}`);
const modelPath = values.model!;
const cameras = Number(values.cameras);
const seconds = Number(values.seconds ?? (values.only === 'tiles' ? 60 : 30));
const towerFps = Number(values.fps);
const runs = Number(values.runs);
const tileRuns = Number(values['tile-runs']);
/** Before tiles: the whole frame letterboxed to the model input, no change check (modes 1-4). */
const wholeFrameOnly: TilingSettings = { ...defaultTiling, enabled: false };
const noChange: ChangeSettings = { ...defaultChange, enabled: false };
/** The edge defaults (edge.fire.tiles, edge.fire.change). */
const edgeTiling: TilingSettings = defaultTiling;
const TICK = 100; // USER_HZ

function cpuSeconds(): number {
  // /proc/self/stat: utime stime cutime cstime are fields 14-17 (after the command name in parentheses)
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / TICK;
}

async function inference(threads: number) {
  const detector = await Detector.load({ modelPath, threads });
  const { inputWidth: w, inputHeight: h } = detector.info;
  const frame = {
    data: new Uint8Array(w * h * 3).map(() => Math.floor(Math.random() * 256)),
    width: w,
    height: h,
  };
  for (let i = 0; i < 10; i++) await detector.detect(frame);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await detector.detect(frame);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await detector.close();
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    threads,
    input: `${w}x${h}`,
    meanMs: +mean.toFixed(2),
    p50Ms: +times[Math.floor(times.length / 2)]!.toFixed(2),
    p95Ms: +times[Math.floor(times.length * 0.95)]!.toFixed(2),
  };
}

/** One 1280x720 frame of random pixels through detectTiled (the edge's tiling: 28 tiles + the whole frame, batches of 8). */
async function inferenceTiled(threads: number) {
  const detector = await Detector.load({ modelPath, threads });
  const { inputWidth, inputHeight, letterbox } = detector.info;
  const image = {
    data: new Uint8Array(1280 * 720 * 3).map(() => Math.floor(Math.random() * 256)),
    width: 1280,
    height: 720,
  };
  const inputs = modelInputs(image, inputWidth, inputHeight, letterbox, defaultTiling).length;
  for (let i = 0; i < 3; i++) await detector.detectTiled(image, defaultTiling);
  const times: number[] = [];
  for (let i = 0; i < tileRuns; i++) {
    const t0 = process.hrtime.bigint();
    await detector.detectTiled(image, defaultTiling);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await detector.close();
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return {
    threads,
    frame: '1280x720',
    inputsPerFrame: inputs,
    batchSize: defaultTiling.batchSize,
    meanMs: +mean.toFixed(1),
    p50Ms: +times[Math.floor(times.length / 2)]!.toFixed(1),
    p95Ms: +times[Math.floor(times.length * 0.95)]!.toFixed(1),
    meanMsPerInput: +(mean / inputs).toFixed(2),
  };
}

interface CameraRunOptions {
  fps?: number;
  snapshotMaxWidth?: number;
  tiles?: TilingSettings;
  change?: ChangeSettings;
}

/** `count` cameras of the same file at its native rate through the edge's pipeline for `runSeconds`. */
async function cameraRun(count: number, video: string, runSeconds: number, options: CameraRunOptions = {}) {
  const { fps = 1, snapshotMaxWidth = 0, tiles = wholeFrameOnly, change = noChange } = options;
  const detector = await Detector.load({ modelPath, threads: 1 });
  const metrics = createFireMetrics(new Registry());
  const frames = new Map<string, number>();
  /** Per camera: how far the last analysed frame's video time trails the wall time since the camera started, s. */
  const lag = new Map<string, number>();
  const pipelines: CameraPipeline[] = Array.from({ length: count }, (_, i) => {
    const id = `cam-${i}`;
    frames.set(id, 0);
    const pipeline: CameraPipeline = new CameraPipeline(
      { id, url: video, kind: 'file', fps, realtime: true },
      detector,
      {
        confirmation: defaultConfirmation,
        stallTimeoutS: 30,
        socketTimeoutS: 5,
        backoff: { minMs: 1000, maxMs: 1000 },
        restartOnEnd: true,
        snapshot: { ...defaultSnapshotSettings, maxWidth: snapshotMaxWidth },
        tiles,
        change,
      },
      {
        onFrame: (result) => {
          frames.set(id, (frames.get(id) ?? 0) + 1);
          lag.set(id, (Date.now() - pipeline.startedAtMs) / 1000 - result.frame.streamTimeS);
        },
        onAlert: () => undefined,
      },
      silentLogger(),
      metrics,
    );
    return pipeline;
  });
  const cpu0 = cpuSeconds();
  const t0 = Date.now();
  for (const p of pipelines) p.start();
  await new Promise((resolve) => setTimeout(resolve, runSeconds * 1000));
  for (const p of pipelines) p.stop();
  await new Promise((resolve) => setTimeout(resolve, 500)); // let the killed ffmpegs be reaped into cutime
  const wall = (Date.now() - t0 - 500) / 1000;
  const cpu = cpuSeconds() - cpu0;
  await detector.close();
  const counts = [...frames.values()];
  const sumOf = async (
    metric: { get(): Promise<{ values: Array<{ value: number; metricName?: string }> }> },
    name?: string,
  ) =>
    (await metric.get()).values
      .filter((v) => name === undefined || v.metricName === name)
      .reduce((a, v) => a + v.value, 0);
  const dropped = await sumOf(metrics.framesDropped);
  const detectS = await sumOf(metrics.inference, 'lookout_edge_fire_inference_seconds_sum');
  const detectN = await sumOf(metrics.inference, 'lookout_edge_fire_inference_seconds_count');
  const lags = [...lag.values()];
  // Model inputs per frame: the analysis frame (the source at most analysisMaxWidth wide) in tiles + the whole frame.
  const [sw, sh] = sourceSize.split('x').map(Number) as [number, number];
  const aw = Math.min(sw, tiles.analysisMaxWidth);
  const analysis = { data: new Uint8Array(0), width: aw, height: Math.round((sh * aw) / sw) };
  const inputsPerFrame = tiles.enabled
    ? modelInputs(analysis, detector.info.inputWidth, detector.info.inputHeight, 0, tiles).length
    : 1;
  return {
    cameras: count,
    fps,
    tiles: tiles.enabled,
    change: change.enabled,
    snapshotMaxWidth,
    wallS: +wall.toFixed(1),
    cpuCores: +(cpu / wall).toFixed(3),
    cpuPerCameraPercent: +((100 * cpu) / wall / count).toFixed(2),
    framesPerCameraMin: Math.min(...counts),
    framesPerCameraMean: +(counts.reduce((a, b) => a + b, 0) / count).toFixed(1),
    expectedFramesPerCamera: Math.floor(wall * fps),
    framesDropped: dropped,
    inputsPerFrame,
    // Detection wall time per frame as the pipeline measures it (lookout_edge_fire_inference_seconds): tiling,
    // batches and decoding included, and the batches of other cameras run in between (onnxruntime-node runs a
    // session synchronously on the main thread, one batch at a time).
    detectorMsPerFrame: detectN > 0 ? +((1000 * detectS) / detectN).toFixed(1) : null,
    lastFrameLagSMax: lags.length ? +Math.max(...lags).toFixed(1) : null,
  };
}

/** Tiles on (the edge defaults) vs the whole-frame pass only, same cameras, fps and seconds, in alternation. */
async function tilesRounds(video: string, tiledMs1Thread: number) {
  const modes = [
    { name: 'tiles', tiles: edgeTiling },
    { name: 'whole-frame', tiles: wholeFrameOnly },
  ];
  const results: Record<string, Array<Awaited<ReturnType<typeof cameraRun>>>> = {
    tiles: [],
    'whole-frame': [],
  };
  for (let round = 0; round < 2; round++) {
    for (const mode of modes) {
      const loadBefore = os.loadavg()[0]!.toFixed(2);
      const result = await cameraRun(cameras, video, seconds, {
        fps: towerFps,
        tiles: mode.tiles,
        change: defaultChange,
      });
      results[mode.name]!.push(result);
      console.log(
        JSON.stringify({
          bench: `cameras-${towerFps}fps-${mode.name}`,
          round,
          ...result,
          loadAverage1mBefore: loadBefore,
          loadAverage1mAfter: os.loadavg()[0]!.toFixed(2),
        }),
      );
    }
    const [t, w] = [results.tiles![round]!, results['whole-frame']![round]!];
    console.log(
      JSON.stringify({
        bench: 'tiles/whole-frame',
        round,
        cpuRatio: +(t.cpuCores / w.cpuCores).toFixed(2),
        cpuPerCameraPointsAdded: +(t.cpuPerCameraPercent - w.cpuPerCameraPercent).toFixed(2),
        detectorMsRatio:
          t.detectorMsPerFrame && w.detectorMsPerFrame
            ? +(t.detectorMsPerFrame / w.detectorMsPerFrame).toFixed(1)
            : null,
      }),
    );
  }
  // Cameras per node at this cadence, two bounds: (a) the node's cores at 80 % (headroom for AIS, the outbox and
  // the uplink) over the worst measured cost of a tiled camera; (b) the one shared onnxruntime session runs on the
  // main thread one batch at a time (1 intra-op thread, the edge default): the frames of all cameras must be
  // detected within the frame interval, at 80 % of it, at the inference-only cost of a tiled frame measured above.
  // A run that fell behind (replayed files are never dropped: ffmpeg waits, decoding less) understates the cost.
  const keptUp = results.tiles!.every((r) => r.framesPerCameraMean >= r.expectedFramesPerCamera - 1);
  const nodeCores = os.cpus().length;
  const worstPerCamera = Math.max(...results.tiles!.map((r) => r.cpuPerCameraPercent)) / 100;
  const byCpu = Math.floor((0.8 * nodeCores) / worstPerCamera);
  const byDetector = Math.floor((0.8 * 1000) / towerFps / tiledMs1Thread);
  console.log(
    JSON.stringify({
      bench: 'cameras-per-node',
      fps: towerFps,
      nodeCores,
      tilesKeptUp: keptUp,
      tilesPerCameraCores: +worstPerCamera.toFixed(4),
      camerasAt80PercentCpu: keptUp ? byCpu : null,
      tiledFrameMs1Thread: tiledMs1Thread,
      camerasAt80PercentOfDetectorThread: byDetector,
      camerasPerNode: keptUp ? Math.min(byCpu, byDetector) : byDetector,
      wholeFramePerCameraCores: +(
        Math.max(...results['whole-frame']!.map((r) => r.cpuPerCameraPercent)) / 100
      ).toFixed(4),
    }),
  );
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'lookout-bench-'));
try {
  const video = path.join(dir, `cam${sourceSize}.mp4`);
  const made = spawnSync('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${sourceSize}:rate=10`,
    '-t',
    String(seconds + 30),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-g',
    '20',
    '-pix_fmt',
    'yuv420p',
    video,
  ]);
  if (made.status !== 0) throw new Error(`ffmpeg could not make the test video: ${made.stderr.toString()}`);
  const load = os.loadavg()[0]!.toFixed(2);
  console.log(
    JSON.stringify({
      machine: `${os.cpus().length} x ${os.cpus()[0]?.model}`,
      loadAverage1m: load,
      model: modelPath,
      source: `${sourceSize} 10 fps H.264`,
    }),
  );
  const tiled: Array<Awaited<ReturnType<typeof inferenceTiled>>> = [];
  if (values.only !== 'snapshot') {
    for (const threads of [1, 2])
      console.log(JSON.stringify({ bench: 'inference', ...(await inference(threads)) }));
    for (const threads of [1, 2]) {
      tiled.push(await inferenceTiled(threads));
      console.log(JSON.stringify({ bench: 'inference-tiled', ...tiled.at(-1) }));
    }
  }
  if (values.only === undefined) {
    // Model-size frames only (snapshot.maxWidth 0, tiles and change off), as these figures were first measured.
    console.log(JSON.stringify({ bench: 'camera-1fps', ...(await cameraRun(1, video, seconds)) }));
    console.log(
      JSON.stringify({
        bench: `cameras-1fps`,
        ...(await cameraRun(cameras, video, seconds)),
        loadAverage1mAfter: os.loadavg()[0]!.toFixed(2),
      }),
    );
  }
  for (let round = 0; round < (values.only === 'snapshot' ? 2 : 0); round++) {
    for (const width of snapshotWidths)
      console.log(
        JSON.stringify({
          bench: 'snapshot-output',
          round,
          ...(await cameraRun(cameras, video, seconds, { snapshotMaxWidth: width })),
          loadAverage1m: os.loadavg()[0]!.toFixed(2),
        }),
      );
  }
  if (values.only === 'tiles') await tilesRounds(video, tiled[0]!.meanMs);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
