/**
 * Runs the edge's own detection on a set of photos, one frame per photo, through the camera code path: the
 * folder reader (one short ffmpeg run per image, frames at analysis resolution, never upscaled) ->
 * `Detector.detectTiled` (or `detect` with tiles off) with the per-class thresholds -> the tracker's static filter
 * (ignore masks, maxBoxArea). The change-over-time check and the confirmation window need a sequence of frames
 * from a fixed camera: they do not apply to single photos.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, open, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Detector, FrameDetection } from './detector.js';
import {
  IMAGE_NAME,
  matchImage,
  parseYoloLabels,
  sniffImage,
  type ImageResult,
  type LabelProblem,
  type Truth,
} from './evaluate.js';
import { createFrameReader } from './frames.js';
import type { TilingSettings } from './tiles.js';

export interface PhotoSet {
  /** The folder named on the command line. */
  dir: string;
  /** Where its images are: `dir/images` when that exists, else `dir`. */
  imagesDir: string;
  /** YOLO label folder (`labels` mode). */
  labelsDir?: string;
  /** `labels`: boxes from label files; `negative`: no fire or smoke anywhere; `positive`: fire or smoke, no boxes. */
  mode: 'labels' | 'negative' | 'positive';
  /** Names of YOLO class ids 0, 1, ... */
  labelClasses: string[];
  /** `labels` mode, an image without a label file: `negative` (no boxes) or `skip` (not labelled: left out). */
  unlabelled: 'negative' | 'skip';
  only?: Set<string>;
  exclude?: Set<string>;
}

export interface PhotoEntry {
  file: string;
  truth: Truth;
  labelProblems: LabelProblem[];
}

/** `dir/images` when it is a folder (the fire-real layout), else `dir`. */
export async function imagesFolder(dir: string): Promise<string> {
  const info = await stat(path.join(dir, 'images')).catch(() => undefined);
  return info?.isDirectory() ? path.join(dir, 'images') : dir;
}

/**
 * The images of a set with what is known of each. `notes` lists what the caller should tell (names of --only
 * that are not in the folder, unlabelled images left out).
 */
export async function listPhotos(set: PhotoSet): Promise<{ entries: PhotoEntry[]; notes: string[] }> {
  const notes: string[] = [];
  const names = (await readdir(set.imagesDir)).filter((n) => IMAGE_NAME.test(n)).sort();
  if (set.only) {
    const missing = [...set.only].filter((n) => !names.includes(n));
    if (missing.length)
      notes.push(
        `${missing.length} name(s) of --only are not in ${set.imagesDir}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
      );
  }
  const selected = names.filter((n) => (!set.only || set.only.has(n)) && !set.exclude?.has(n));
  const entries: PhotoEntry[] = [];
  let skipped = 0;
  for (const name of selected) {
    const file = path.join(set.imagesDir, name);
    if (set.mode !== 'labels') {
      entries.push({ file, truth: { kind: set.mode }, labelProblems: [] });
      continue;
    }
    const labelFile = path.join(set.labelsDir!, `${name.replace(/\.[^.]+$/, '')}.txt`);
    const text = await readFile(labelFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw new Error(`${labelFile}: cannot read (${error.message})`);
    });
    if (text === undefined && set.unlabelled === 'skip') {
      skipped++;
      continue;
    }
    const { boxes, problems } = parseYoloLabels(text ?? '', set.labelClasses);
    entries.push({
      file,
      truth: { kind: 'boxes', boxes },
      labelProblems: problems.map((p) => ({ line: p.line, message: `${labelFile}:${p.line}: ${p.message}` })),
    });
  }
  if (skipped) notes.push(`${skipped} image(s) without a label file left out (--unlabelled skip)`);
  return { entries, notes };
}

export interface EvalRunSettings {
  /** null: tiles off (the frame letterboxed to the model input, `detect`). */
  tiling: TilingSettings | null;
  /** The tracker's static filter. */
  filter: (detections: FrameDetection[]) => FrameDetection[];
  matchIou: number;
  onProgress?: (done: number, total: number) => void;
  onProblem?: (message: string) => void;
}

async function head(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(16);
    const { bytesRead } = await handle.read(buffer, 0, 16, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** ffmpeg's own words on an image it could not decode (only asked after a failure). */
function ffmpegComplaint(file: string): Promise<string> {
  return new Promise((resolve) => {
    const proc = spawn(
      'ffmpeg',
      ['-hide_banner', '-v', 'error', '-i', file, '-frames:v', '1', '-f', 'null', '-'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('error', (error) => resolve(error.message));
    proc.on('close', () => resolve(err.trim().split('\n').slice(-2).join(' | ') || 'no frame decoded'));
  });
}

/**
 * Evaluates the photos in order. Each readable image is linked into a private temporary folder under a name with
 * the extension its content has (a PNG named .jpg is decoded as PNG) and read by the folder reader the edge uses
 * for a folder camera.
 */
export async function evaluatePhotos(
  detector: Detector,
  entries: PhotoEntry[],
  settings: EvalRunSettings,
): Promise<ImageResult[]> {
  const results: Array<ImageResult | undefined> = entries.map(() => undefined);
  const problem = (message: string) => settings.onProblem?.(message);
  for (const e of entries) for (const p of e.labelProblems) problem(p.message);
  const work = await mkdtemp(path.join(tmpdir(), 'lookout-eval-'));
  let done = 0;
  const progress = () => settings.onProgress?.(++done, entries.length);
  try {
    const linked: number[] = [];
    for (const [i, entry] of entries.entries()) {
      const fail = (error: string) => {
        results[i] = {
          file: entry.file,
          truth: entry.truth.kind,
          detections: [],
          filtered: 0,
          error,
          ...(entry.labelProblems.length ? { labelProblems: entry.labelProblems } : {}),
        };
        problem(`${entry.file}: ${error}`);
        progress();
      };
      let bytes: Uint8Array;
      try {
        bytes = await head(entry.file);
      } catch (error) {
        fail(`cannot read (${(error as Error).message})`);
        continue;
      }
      const format = sniffImage(bytes);
      if (!format) {
        fail(bytes.length === 0 ? 'empty file' : 'neither JPEG nor PNG (content sniffed)');
        continue;
      }
      await symlink(
        path.resolve(entry.file),
        path.join(work, `${String(linked.length).padStart(6, '0')}.${format === 'jpeg' ? 'jpg' : 'png'}`),
      );
      linked.push(i);
    }
    if (linked.length) await readFolder(detector, work, entries, linked, results, settings, progress);
    for (const i of linked) {
      if (results[i]) continue;
      const entry = entries[i]!;
      const why = await ffmpegComplaint(entry.file);
      results[i] = {
        file: entry.file,
        truth: entry.truth.kind,
        detections: [],
        filtered: 0,
        error: `ffmpeg could not decode it (${why})`,
      };
      problem(`${entry.file}: ${results[i].error}`);
      progress();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return results.map((r) => r!);
}

async function readFolder(
  detector: Detector,
  folder: string,
  entries: PhotoEntry[],
  linked: number[],
  results: Array<ImageResult | undefined>,
  settings: EvalRunSettings,
  progress: () => void,
): Promise<void> {
  const { inputWidth, inputHeight, letterbox } = detector.info;
  const tiling = settings.tiling;
  let failure: Error | undefined;
  await new Promise<void>((resolve, reject) => {
    void createFrameReader(
      {
        url: folder,
        kind: 'folder',
        fps: 1,
        width: inputWidth,
        height: inputHeight,
        pad: letterbox,
        realtime: false,
        snapshotMaxWidth: 0,
        analysisMaxWidth: tiling ? tiling.analysisMaxWidth : 0,
      },
      {
        onFrame: async (frame) => {
          const i = linked[frame.index];
          if (i === undefined || results[i]) return;
          const entry = entries[i]!;
          try {
            const t0 = process.hrtime.bigint();
            const raw = tiling
              ? await detector.detectTiled(frame.image, tiling)
              : await detector.detect(frame.image, frame.transform);
            const ms = Number(process.hrtime.bigint() - t0) / 1e6;
            const kept = settings
              .filter(raw)
              .map((d) => ({ className: d.className, score: d.score, box: d.box }));
            results[i] = {
              file: entry.file,
              truth: entry.truth.kind,
              width: tiling ? frame.image.width : frame.transform.contentWidth,
              height: tiling ? frame.image.height : frame.transform.contentHeight,
              detections: kept,
              filtered: raw.length - kept.length,
              match: matchImage(entry.truth, kept, settings.matchIou),
              ms,
              ...(entry.labelProblems.length ? { labelProblems: entry.labelProblems } : {}),
            };
          } catch (error) {
            results[i] = {
              file: entry.file,
              truth: entry.truth.kind,
              detections: [],
              filtered: 0,
              error: `detection failed (${(error as Error).message})`,
            };
            settings.onProblem?.(`${entry.file}: ${results[i].error}`);
          }
          progress();
        },
        onExit: (exit) => {
          if (exit.reason === 'error') failure = new Error(`reading the images failed: ${exit.message}`);
          resolve();
        },
      },
    ).then((reader) => reader.start(), reject);
  });
  if (failure) throw failure;
}
