/**
 * `lookout detect` as rangers use it: the real CLI process (tsx), real ffmpeg, the committed model. One JSON line
 * per frame (frame index and video time) and one per alert event; a folder of images in name order.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/cloud-fixtures.js';
import { sharedFireImage, stillsVideo } from '../support/fire-media.js';

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
    const proc = spawn(process.execPath, [path.join(repo, 'cli/lookout.js'), 'detect', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
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

let work: string;
let video: string;

beforeAll(async () => {
  work = await tempDir('fire-detect-cli');
  video = path.join(work, 'fire.mp4');
  // Hills and a lake for 5 s, then a burning building at night (held-out photos, not the training generator).
  await stillsVideo(
    [
      { image: sharedFireImage('cair/normal/norway-landscape-photography-scandinavian-nature-1.jpg'), seconds: 5 },
      { image: sharedFireImage('cair/fire/90420_Ritter_Fire_A_031.jpg'), seconds: 7 },
    ],
    video,
  );
});

describe('lookout detect', () => {
  it('prints one line per analysed frame with its index and video time, and the alert events with frame indices', async () => {
    // Two photos cut together are not a fixed camera: no change-over-time check.
    const { lines, code, stderr } = await detect([video, '--fps', '2', '--no-change', '--snapshots', path.join(work, 'snaps')]);
    expect(code, stderr).toBe(0);
    const frames = lines.filter((l) => l.type === 'frame');
    expect(frames.map((f) => f.frame)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(frames.map((f) => f.t)).toEqual(Array.from({ length: 24 }, (_, i) => i / 2));
    const alerts = lines.filter((l) => l.type === 'alert');
    const news = alerts.filter((a) => a.event === 'new');
    expect(news).toHaveLength(1);
    // fire from frame 10 (second 5); confirmed within the 5-frame window
    expect(news[0]!.firstSeenFrame).toBeGreaterThanOrEqual(10);
    expect(news[0]!.frame).toBeGreaterThanOrEqual(10);
    expect(news[0]!.frame).toBeLessThanOrEqual(10 + 6);
    expect(news[0]!.snapshot).toMatch(/\.jpg$/);
    expect(alerts.at(-1)!.event).toBe('end'); // the replay ended with the fire still on screen
  });

  it('reads a folder of images in name order, one frame each (a PNG named .jpg included)', async () => {
    const folder = path.join(work, 'images');
    await mkdir(folder);
    await copyFile(sharedFireImage('deepquestai/neutral_1.jpg'), path.join(folder, 'a.jpg')); // really a PNG
    await copyFile(sharedFireImage('cair/normal/sunset24.jpg'), path.join(folder, 'b.jpg'));
    await copyFile(sharedFireImage('cair/normal/Sunset-Sky.jpg'), path.join(folder, 'c.jpg'));
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
