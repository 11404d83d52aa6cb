/**
 * Detection benchmark (not a test):
 *   1. inference ms/frame of a model at 1 and 2 onnxruntime threads;
 *   2. end-to-end CPU per camera at 1 fps (ffmpeg decode of a 720p H.264 stream + letterbox + inference), and
 *   3. whether one node sustains N cameras at 1 fps (every camera gets its frames analysed, none skipped);
 *   4. with `--only snapshot`, instead: the CPU of the snapshot-resolution output (edge.fire.snapshot.maxWidth),
 *      --cameras cameras at 1 fps with each width of --snapshot-widths (0 = model-size frames only), twice in
 *      alternation (1-3 run with maxWidth 0).
 *
 *   npx tsx models/bench.ts [--model models/lookout-fire-smoke-256.onnx] [--cameras 16] [--seconds 30]
 *   npx tsx models/bench.ts --only snapshot --cameras 8 --snapshot-widths 0,1280 --source 1920x1080 --seconds 40
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
import { Detector } from '../edge/fire/detector.js';
import { CameraPipeline } from '../edge/fire/pipeline.js';
import { defaultSnapshotSettings } from '../edge/fire/snapshot.js';
import { defaultConfirmation } from '../edge/fire/tracker.js';
import { silentLogger } from '../runtime/logger.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: path.resolve(import.meta.dirname, 'lookout-fire-smoke-256.onnx') },
    cameras: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '30' },
    runs: { type: 'string', default: '200' },
    only: { type: 'string' },
    'snapshot-widths': { type: 'string', default: '0,1280' },
    source: { type: 'string', default: '1280x720' },
  },
});
const snapshotWidths = values['snapshot-widths']!.split(',').map(Number);
const sourceSize = values.source!;
if (!/^\d+x\d+$/.test(sourceSize)) throw new Error(`--source: WIDTHxHEIGHT, got ${sourceSize}`);
const modelPath = values.model!;
const cameras = Number(values.cameras);
const seconds = Number(values.seconds);
const runs = Number(values.runs);
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
  const frame = { data: new Uint8Array(w * h * 3).map(() => Math.floor(Math.random() * 256)), width: w, height: h };
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
  return { threads, input: `${w}x${h}`, meanMs: +mean.toFixed(2), p50Ms: +times[Math.floor(times.length / 2)]!.toFixed(2), p95Ms: +times[Math.floor(times.length * 0.95)]!.toFixed(2) };
}

async function cameraRun(count: number, video: string, runSeconds: number, snapshotMaxWidth = 0) {
  const detector = await Detector.load({ modelPath, threads: 1 });
  const frames = new Map<string, number>();
  const pipelines = Array.from({ length: count }, (_, i) => {
    const id = `cam-${i}`;
    frames.set(id, 0);
    return new CameraPipeline(
      { id, url: video, kind: 'file', fps: 1, realtime: true },
      detector,
      {
        confirmation: defaultConfirmation,
        stallTimeoutS: 30,
        socketTimeoutS: 5,
        backoff: { minMs: 1000, maxMs: 1000 },
        restartOnEnd: true,
        snapshot: { ...defaultSnapshotSettings, maxWidth: snapshotMaxWidth },
      },
      { onFrame: () => frames.set(id, (frames.get(id) ?? 0) + 1), onAlert: () => undefined },
      silentLogger(),
      undefined,
    );
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
  return {
    cameras: count,
    snapshotMaxWidth,
    wallS: +wall.toFixed(1),
    cpuCores: +(cpu / wall).toFixed(3),
    cpuPerCameraPercent: +((100 * cpu) / wall / count).toFixed(1),
    framesPerCameraMin: Math.min(...counts),
    framesPerCameraMean: +(counts.reduce((a, b) => a + b, 0) / count).toFixed(1),
    expectedFramesPerCamera: Math.floor(wall),
  };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'lookout-bench-'));
try {
  const video = path.join(dir, `cam${sourceSize}.mp4`);
  const made = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${sourceSize}:rate=10`, '-t', String(seconds + 30), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '20', '-pix_fmt', 'yuv420p', video]);
  if (made.status !== 0) throw new Error(`ffmpeg could not make the test video: ${made.stderr.toString()}`);
  const load = os.loadavg()[0]!.toFixed(2);
  console.log(JSON.stringify({ machine: `${os.cpus().length} x ${os.cpus()[0]?.model}`, loadAverage1m: load, model: modelPath, source: `${sourceSize} 10 fps H.264` }));
  if (values.only !== 'snapshot') {
    // Model-size frames only (snapshot.maxWidth 0), as these figures were first measured; --only snapshot adds the rest.
    for (const threads of [1, 2]) console.log(JSON.stringify({ bench: 'inference', ...(await inference(threads)) }));
    console.log(JSON.stringify({ bench: 'camera-1fps', ...(await cameraRun(1, video, seconds)) }));
    console.log(JSON.stringify({ bench: `cameras-1fps`, ...(await cameraRun(cameras, video, seconds)), loadAverage1mAfter: os.loadavg()[0]!.toFixed(2) }));
  }
  for (let round = 0; round < (values.only === 'snapshot' ? 2 : 0); round++) {
    for (const width of snapshotWidths) console.log(JSON.stringify({ bench: 'snapshot-output', round, ...(await cameraRun(cameras, video, seconds, width)), loadAverage1m: os.loadavg()[0]!.toFixed(2) }));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
