/**
 * `lookout detect` as rangers use it: the real CLI process (tsx), real ffmpeg, the committed model, the default
 * pipeline (tiles, change-over-time check). One JSON line per frame (frame index and video time) and one per alert
 * event; a folder of images in name order. Videos and pictures come from the camera simulator's scene renderer.
 */
import { spawn } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../support/cloud-fixtures.js';
import { sceneVideo, scenePicture } from '../support/fire-media.js';
import { scopeForFile } from '../support/scope.js';

const repo = path.resolve(import.meta.dirname, '../..');

interface Line {
  type: 'frame' | 'alert';
  frame: number;
  t: number;
  event?: string;
  firstSeenFrame?: number;
  detections?: unknown[];
  snapshot?: string;
}

function detect(args: string[]): Promise<{ lines: Line[]; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [path.join(repo, 'cli/lookout.js'), 'detect', ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const lines = out
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Line);
      resolve({ lines, code, stderr });
    });
  });
}

/** A tower's cadence (the default --fps 0.2): one frame every 5 s of scene time. */
const scope = scopeForFile();
const EVERY_S = 5;
/** The fire ignites after the warm-up the config below gives the camera. */
const FIRE_AT_S = 45;
const VIDEO_S = 90;
const FRAMES = VIDEO_S / EVERY_S + 1;
const FIRE_FRAME = FIRE_AT_S / EVERY_S;

let work: string;
let video: string;
let config: string;

beforeAll(async () => {
  work = await scope.use(tempDir('fire-detect-cli'), removeDir);
  video = path.join(work, 'fire.mp4');
  // A quiet tree line; at second 45 a fire ignites right of centre, flames and a rising plume.
  await sceneVideo({ seed: 5, fires: [{ ignitionS: FIRE_AT_S, x: 0.65, size: 0.7, growth: 0.5 }] }, video, {
    everyS: EVERY_S,
    durationS: VIDEO_S,
  });
  // The change check stays on (the simulated camera is fixed); it learns the view for 30 s instead of 2 minutes.
  config = path.join(work, 'lookout.yaml');
  await writeFile(config, 'edge:\n  fire:\n    change:\n      warmupS: 30\n');
});

describe('lookout detect', () => {
  it('prints one line per analysed frame with its index and video time, and the alert events with frame indices', async () => {
    const { lines, code, stderr } = await detect([
      video,
      '--fps',
      String(1 / EVERY_S),
      '--config',
      config,
      '--snapshots',
      path.join(work, 'snaps'),
    ]);
    expect(code, stderr).toBe(0);
    const frames = lines.filter((l) => l.type === 'frame');
    expect(frames.map((f) => f.frame)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    expect(frames.map((f) => f.t)).toEqual(Array.from({ length: FRAMES }, (_, i) => i * EVERY_S));
    const alerts = lines.filter((l) => l.type === 'alert');
    const news = alerts.filter((a) => a.event === 'new');
    expect(news).toHaveLength(1);
    // fire from frame 9 (second 45); nothing seen before it; confirmed within the 5-frame window plus two frames
    expect(news[0]!.firstSeenFrame).toBeGreaterThanOrEqual(FIRE_FRAME);
    expect(news[0]!.frame).toBeGreaterThanOrEqual(FIRE_FRAME);
    expect(news[0]!.frame).toBeLessThanOrEqual(FIRE_FRAME + 5 + 2);
    expect(news[0]!.t).toBe(news[0]!.frame * EVERY_S);
    expect(news[0]!.snapshot).toMatch(/\.jpg$/);
    expect(alerts.at(-1)!.event).toBe('end'); // the replay ended with the fire still on screen
  });

  it('reads a folder of images in name order, one frame each (a PNG named .jpg included)', async () => {
    const folder = path.join(work, 'images');
    await mkdir(folder);
    // a calm view, then clouds with glare, then fog at sunset (scene.py writes the format the name says)
    await rename(await scenePicture({ seed: 1 }, path.join(work, 'a.png'), 30), path.join(folder, 'a.jpg')); // really a PNG
    await scenePicture({ seed: 3, distractors: ['clouds', 'glare'] }, path.join(folder, 'b.jpg'), 60);
    await scenePicture({ seed: 2, distractors: ['fog', 'sunset'] }, path.join(folder, 'c.jpg'), 90);
    const { lines, code, stderr } = await detect([folder, '--fps', '1']);
    expect(code, stderr).toBe(0);
    expect(lines.filter((l) => l.type === 'frame').map((l) => [l.frame, l.t])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    expect(lines.filter((l) => l.type === 'alert')).toEqual([]);
  });

  it('names the problem when the source does not exist', async () => {
    const { code, stderr } = await detect([path.join(work, 'missing.mp4')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/missing\.mp4: no such file or folder/);
  });
});
