import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** ../shared/fire resolved from the repository root (tests only; the product never needs it). */
export const sharedFire = path.resolve(import.meta.dirname, '../../../shared/fire');

export function sharedFireImage(relative: string): string {
  const file = path.join(sharedFire, relative);
  if (!existsSync(file)) throw new Error(`test image missing: ${file} (tests read ../shared/fire relative to the repo root)`);
  return file;
}

export interface StillSegment {
  image: string;
  seconds: number;
  /** Extra ffmpeg filters on this segment (after scaling), e.g. a fog wash. */
  filter?: string;
}

export function runFfmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg ${args.join(' ')} failed (${code}): ${err}`))));
  });
}

/**
 * A H.264 video made of still images shown one after the other (each scaled and cropped to width x height), with
 * a slow zoom so consecutive frames differ like a real camera's. Segment boundaries fall on known seconds.
 */
export async function stillsVideo(segments: StillSegment[], out: string, { width = 640, height = 360, fps = 5 } = {}): Promise<void> {
  const inputs = segments.flatMap((s) => ['-loop', '1', '-framerate', String(fps), '-t', String(s.seconds), '-i', s.image]);
  const chains = segments.map(
    (s, i) =>
      `[${i}:v]scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height},setsar=1,format=yuv420p${s.filter ? `,${s.filter}` : ''},noise=alls=6:allf=t[v${i}]`,
  );
  const concat = `${segments.map((_, i) => `[v${i}]`).join('')}concat=n=${segments.length}:v=1:a=0[out]`;
  await runFfmpeg([...inputs, '-filter_complex', [...chains, concat].join(';'), '-map', '[out]', '-r', String(fps), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(fps), '-pix_fmt', 'yuv420p', out]);
}

/** Fog over a picture: wash towards light grey and soften. */
export const FOG = "gblur=sigma=3,lutrgb=r='val*0.45+130':g='val*0.45+132':b='val*0.45+136'";

/** Decodes a JPEG (or any picture) to packed RGB with ffmpeg. */
export function decodeToRgb(jpeg: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  return new Promise((resolve, reject) => {
    const probe = spawn('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-i', 'pipe:0']);
    let dims = '';
    probe.stdout.on('data', (c: Buffer) => (dims += c.toString()));
    probe.on('error', reject);
    probe.stdin.on('error', () => undefined);
    probe.stdin.end(jpeg);
    probe.on('close', (code) => {
      const [w, h] = dims.trim().split(',').map(Number);
      if (code !== 0 || !w || !h) return reject(new Error(`ffprobe could not read the picture (${code}): ${dims}`));
      const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
      const chunks: Buffer[] = [];
      proc.stdout.on('data', (c: Buffer) => chunks.push(c));
      proc.stdin.on('error', () => undefined);
      proc.stdin.end(jpeg);
      proc.on('error', reject);
      proc.on('close', (c2) => (c2 === 0 ? resolve({ data: Buffer.concat(chunks), width: w, height: h }) : reject(new Error(`ffmpeg decode failed (${c2})`))));
    });
  });
}

/** Fraction of the pixels along a box outline (frame units) that are close to `colour` (JPEG tolerance). */
export function outlineMatch(image: { data: Buffer; width: number; height: number }, box: { x1: number; y1: number; x2: number; y2: number }, colour: [number, number, number], tolerance = 70): number {
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
    if (Math.abs(data[o]! - colour[0]) + Math.abs(data[o + 1]! - colour[1]) + Math.abs(data[o + 2]! - colour[2]) <= tolerance * 2) hits++;
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
