/**
 * `lookout eval fire` end to end: the real CLI process, real ffmpeg, a constant-output fixture model (input 64:
 * every frame gives one fire box and one smoke box at known places), generated photos and YOLO labels written
 * here, so every figure is known exactly. Needs nothing from ../shared.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cloud-fixtures.js';
import { runLookout } from '../support/cli.js';

const MODEL = path.resolve(import.meta.dirname, 'fixtures/yolov8-2class.onnx');
const run = promisify(execFile);

// The fixture's boxes on a square frame, in frame units (input pixels / 64): fire cx 32 cy 24 16x8, smoke cx 10 cy 40 11x12.
const FIRE = { cx: 32 / 64, cy: 24 / 64, w: 16 / 64, h: 8 / 64 };
const SMOKE = { cx: 10 / 64, cy: 40 / 64, w: 11 / 64, h: 12 / 64 };
const yolo = (id: number, b: { cx: number; cy: number; w: number; h: number }) =>
  `${id} ${b.cx} ${b.cy} ${b.w} ${b.h}`;

const lookout = runLookout;

async function picture(file: string, size: number, colour: string, codec?: 'png'): Promise<void> {
  await run('ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `color=c=${colour}:s=${size}x${size}`,
    '-frames:v',
    '1',
    ...(codec ? ['-c:v', codec, '-f', 'image2'] : []),
    file,
  ]);
}

interface EvalJson {
  settings: { thresholds: Record<string, number>; tiling: string; notApplied: string[] };
  sets: Array<{
    name: string;
    metrics: Record<string, unknown> & {
      boxRecall: Record<string, unknown>;
      detectionsPerClass: Record<string, number>;
    };
    images: Array<{
      file: string;
      truth: string;
      width?: number;
      height?: number;
      detections: Array<{ class: string; box: number[] }>;
      error?: string;
      labelProblems?: string[];
    }>;
  }>;
}

let work: string | undefined;
let pos: string;
let neg: string;
let tiledConfig: string;
let wholeConfig: string;

beforeAll(async () => {
  const dir = await tempDir('eval-cli');
  work = dir;
  try {
    pos = path.join(dir, 'pos');
    neg = path.join(dir, 'neg');
    await run('mkdir', ['-p', path.join(pos, 'labels'), neg]);
    // Labelled set, 128 px photos analysed at 64 px (tiles.analysisMaxWidth 64: one tile, no whole-frame pass).
    await picture(path.join(pos, 'a.png'), 128, 'green');
    await picture(path.join(pos, 'b.jpg'), 128, 'gray');
    await picture(path.join(pos, 'c.jpg'), 128, 'blue', 'png'); // a PNG named .jpg, no label file: no boxes
    await picture(path.join(pos, 'd.png'), 128, 'white');
    await writeFile(path.join(pos, 'e.jpg'), 'not an image');
    await picture(path.join(pos, 'f.jpg'), 128, 'red');
    await writeFile(path.join(pos, 'f.jpg'), (await readFile(path.join(pos, 'f.jpg'))).subarray(0, 40)); // truncated JPEG
    await writeFile(path.join(pos, 'labels', 'a.txt'), `${yolo(0, SMOKE)}\n${yolo(1, FIRE)}\n`); // both found
    await writeFile(path.join(pos, 'labels', 'b.txt'), `0 0.8 0.8 0.1 0.1\n0 0.5 0.5\n`); // missed; line 2 malformed
    await writeFile(path.join(pos, 'labels', 'd.txt'), ''); // empty: nothing there
    // Negative set: 64 px and 32 px photos (never upscaled), tiles off.
    await picture(path.join(neg, 'g.png'), 64, 'green');
    await picture(path.join(neg, 'h.png'), 64, 'green');
    await picture(path.join(neg, 'i.jpg'), 32, 'gray');
    await picture(path.join(neg, 'j.png'), 64, 'green');
    await writeFile(
      path.join(dir, 'split.json'),
      JSON.stringify({ sets: { neg: { train: ['j.png'], eval: ['g.png', 'h.png', 'i.jpg'] } } }),
    );
    await writeFile(path.join(dir, 'exclude.txt'), '# left out\nh.png\n');
    const model = { path: MODEL, classes: ['fire', 'smoke'], confidence: 0.3 };
    tiledConfig = path.join(dir, 'tiled.json');
    await writeFile(
      tiledConfig,
      JSON.stringify({ edge: { fire: { model, tiles: { analysisMaxWidth: 64 } } } }),
    );
    wholeConfig = path.join(dir, 'whole.json');
    // The smoke box's centre (0.156, 0.625) lies in the ignore mask: the static filter removes it.
    await writeFile(
      wholeConfig,
      JSON.stringify({
        edge: { fire: { model, confirmation: { ignoreMasks: [{ x1: 0, y1: 0.5, x2: 0.3, y2: 0.8 }] } } },
      }),
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    work = undefined;
    throw error;
  }
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('lookout eval fire', () => {
  it('measures a labelled set exactly: box recall per class, image recall, false alarms, precision; bad input named and counted', async () => {
    const { stdout, stderr, code } = await lookout([
      'eval',
      'fire',
      pos,
      '--config',
      tiledConfig,
      '--label-classes',
      'smoke,fire',
      '--json',
    ]);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as EvalJson;
    expect(result.settings.thresholds).toEqual({ fire: 0.3, smoke: 0.3 });
    expect(result.settings.tiling).toMatch(/^on: frames at most 64 px/);
    expect(result.settings.notApplied).toEqual(['change over time', 'confirmation window']);
    const [set] = result.sets;
    expect(set!.metrics).toMatchObject({
      images: 4,
      imageErrors: 2,
      labelErrors: 1,
      imagesWithBoxes: 2,
      imagesNegative: 2,
      boxesPerClass: { smoke: 2, fire: 1 },
      boxRecall: { smoke: { n: 1, of: 2, rate: 0.5 }, fire: { n: 1, of: 1, rate: 1 } },
      boxRecallAnyClass: { n: 2, of: 3 },
      imageRecall: { n: 2, of: 2, rate: 1 },
      imageBoxHit: { n: 1, of: 2 },
      falseAlarmRate: { n: 2, of: 2, rate: 1 },
      boxPrecision: { n: 2, of: 8, rate: 0.25 },
      detectionsPerClass: { fire: 4, smoke: 4 },
    });
    const byName = Object.fromEntries(set!.images.map((i) => [path.basename(i.file), i]));
    // Analysis resolution: 128 px photos read at 64 px.
    expect(byName['a.png']).toMatchObject({ width: 64, height: 64, truth: 'boxes' });
    expect(byName['c.jpg']!.detections).toHaveLength(2); // the PNG named .jpg was decoded
    expect(byName['e.jpg']!.error).toMatch(/neither JPEG nor PNG/);
    expect(byName['f.jpg']!.error).toMatch(/ffmpeg could not decode/);
    expect(byName['b.jpg']!.labelProblems![0]).toMatch(/b\.txt:2: expected 5 fields/);
    expect(stderr).toContain(`${path.join(pos, 'e.jpg')}: neither JPEG nor PNG`);
    expect(stderr).toMatch(/labels\/b\.txt:2:/);
    expect(stderr).toMatch(/6\/6 images/);
  });

  it('a negative set: split-file part and exclude list, tiles off, ignore masks applied, never upscaled', async () => {
    const { stdout, stderr, code } = await lookout([
      'eval',
      'fire',
      neg,
      '--config',
      wholeConfig,
      '--no-tiles',
      '--negative',
      '--only',
      `${path.join(work!, 'split.json')}#eval`,
      '--exclude',
      path.join(work!, 'exclude.txt'),
      '--json',
      '--no-progress',
    ]);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as EvalJson;
    expect(result.settings.tiling).toMatch(/^off/);
    const [set] = result.sets;
    expect(set!.images.map((i) => path.basename(i.file))).toEqual(['g.png', 'i.jpg']);
    expect(set!.metrics).toMatchObject({
      images: 2,
      imagesNegative: 2,
      falseAlarmRate: { n: 2, of: 2 },
      boxPrecision: { n: 0, of: 2 },
      detectionsPerClass: { fire: 2 },
      filtered: 2,
    });
    // The 32 px photo is letterboxed to the model input like a camera frame; the fire box lands at the same place.
    expect(set!.images[1]!.detections[0]!.box).toEqual([0.375, 0.3125, 0.625, 0.4375]);
    expect(stderr).toBe('');
  });

  it('prints a readable block; unlabelled images left out on request; a set without labels needs --negative or --positive', async () => {
    const text = await lookout([
      'eval',
      'fire',
      pos,
      '--config',
      tiledConfig,
      '--label-classes',
      'smoke,fire',
      '--unlabelled',
      'skip',
      '--no-progress',
    ]);
    expect(text.code, text.stderr).toBe(0);
    // c, e and f have no label file: left out before they are read.
    expect(text.stdout).toContain(
      'images               3 (2 with boxes, 1 without fire/smoke); 1 malformed label lines skipped\n',
    );
    expect(text.stdout).toContain('box recall smoke     1/2 = 0.500');
    expect(text.stdout).toContain('false-alarm rate     1/1 = 1.000');
    expect(text.stdout).toMatch(/not applied +change over time/);
    expect(text.stderr).toContain('3 image(s) without a label file left out');
    const missing = await lookout(['eval', 'fire', neg, '--config', wholeConfig]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no label folder .*--negative \/ --positive/);
  });
});
