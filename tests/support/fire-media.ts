import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export function runFfmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ffmpeg ${args.join(' ')} failed (${code}): ${err}`)),
    );
  });
}

/** The camera simulator's scene renderer (simulators/cameras/scene.py): a fixed tower camera's view, scripted. */
const SCENE = path.resolve(import.meta.dirname, '../../simulators/cameras/scene.py');

/** A scene as simulators/cameras/README.md "Scenario file" describes one camera (scene.py's JSON). */
export interface SceneSpec {
  seed?: number;
  fires?: Array<{
    ignitionS: number;
    x?: number;
    depth?: number;
    size?: number;
    growth?: number;
    maxSize?: number;
    flames?: boolean;
    smoke?: boolean;
  }>;
  distractors?: Array<'clouds' | 'glare' | 'fog' | 'sunset'>;
  wind?: number;
  width?: number;
  height?: number;
}

function runScene(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn('/usr/bin/python3', [SCENE, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`scene.py ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

/**
 * A H.264 video of a simulated scene (640x360 unless the spec says otherwise): one frame every `everyS` seconds of
 * scene time for `durationS` (durationS / everyS + 1 frames) at frame rate 1 / everyS, so video time is scene time
 * and a reader at fps 1 / everyS sees each rendered moment once.
 */
export async function sceneVideo(
  spec: SceneSpec,
  out: string,
  { everyS, durationS }: { everyS: number; durationS: number },
): Promise<string> {
  await runScene([out, JSON.stringify(spec), '--every', String(everyS), '--duration', String(durationS)]);
  return out;
}

/** One picture of a simulated scene at scene time `t`, in the format `out`'s extension names (PNG, JPEG). */
export async function scenePicture(spec: SceneSpec, out: string, t: number): Promise<string> {
  await runScene([out, JSON.stringify(spec), String(t)]);
  return out;
}

/** Decodes a JPEG (or any picture) to packed RGB with ffmpeg. */
export function decodeToRgb(jpeg: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  return new Promise((resolve, reject) => {
    const probe = spawn('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=width,height',
      '-of',
      'csv=p=0',
      '-i',
      'pipe:0',
    ]);
    let dims = '';
    probe.stdout.on('data', (c: Buffer) => (dims += c.toString()));
    probe.on('error', reject);
    probe.stdin.on('error', () => undefined);
    probe.stdin.end(jpeg);
    probe.on('close', (code) => {
      const [w, h] = dims.trim().split(',').map(Number);
      if (code !== 0 || !w || !h)
        return reject(new Error(`ffprobe could not read the picture (${code}): ${dims}`));
      const proc = spawn('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-i',
        'pipe:0',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        'pipe:1',
      ]);
      const chunks: Buffer[] = [];
      proc.stdout.on('data', (c: Buffer) => chunks.push(c));
      proc.stdin.on('error', () => undefined);
      proc.stdin.end(jpeg);
      proc.on('error', reject);
      proc.on('close', (c2) =>
        c2 === 0
          ? resolve({ data: Buffer.concat(chunks), width: w, height: h })
          : reject(new Error(`ffmpeg decode failed (${c2})`)),
      );
    });
  });
}

/** Fraction of the pixels along a box outline (frame units) that are close to `colour` (JPEG tolerance). */
export function outlineMatch(
  image: { data: Buffer; width: number; height: number },
  box: { x1: number; y1: number; x2: number; y2: number },
  colour: [number, number, number],
  tolerance = 70,
): number {
  const { width, height, data } = image;
  const x1 = Math.max(0, Math.round(box.x1 * width));
  const y1 = Math.max(0, Math.round(box.y1 * height));
  const x2 = Math.min(width - 1, Math.round(box.x2 * width) - 1);
  const y2 = Math.min(height - 1, Math.round(box.y2 * height) - 1);
  let hits = 0;
  let total = 0;
  const check = (x: number, y: number) => {
    const o = (y * width + x) * 3;
    total++;
    if (
      Math.abs(data[o]! - colour[0]) +
        Math.abs(data[o + 1]! - colour[1]) +
        Math.abs(data[o + 2]! - colour[2]) <=
      tolerance * 2
    )
      hits++;
  };
  for (let x = x1; x <= x2; x++) {
    check(x, y1);
    check(x, y2);
  }
  for (let y = y1; y <= y2; y++) {
    check(x1, y);
    check(x2, y);
  }
  return total ? hits / total : 0;
}

export interface MjpegCamera {
  url: string;
  /** Frames written so far, over all connections. */
  readonly sent: number;
  /** Cuts every open stream (the camera goes away); new connections are still served. */
  drop(): void;
  close(): void;
}

/**
 * An HTTP MJPEG camera the way cheap IP cameras stream: multipart/x-mixed-replace, the same JPEG every
 * `intervalMs`, on a free loopback port.
 */
export async function startMjpegCamera(jpeg: Buffer, intervalMs = 200): Promise<MjpegCamera> {
  let sent = 0;
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=frame' });
    const timer = setInterval(() => {
      response.write(`--frame\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`);
      response.write(jpeg);
      response.write('\r\n');
      sent++;
    }, intervalMs);
    request.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/video.mjpg`,
    get sent() {
      return sent;
    },
    drop() {
      server.closeAllConnections();
    },
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
