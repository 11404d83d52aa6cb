/**
 * The ONLY module that talks to ffmpeg through `fluent-ffmpeg` (archived upstream in 2025: it just builds the
 * argument list and spawns ffmpeg, so it is kept behind this one small interface and easy to replace).
 *
 * A reader decodes a camera or a file at a configured rate straight to raw RGB at the model's input size,
 * letterboxed inside ffmpeg (scale + pad): no JPEG round trip on the hot path.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { PassThrough } from 'node:stream';
import ffmpeg, { type FfmpegCommand } from 'fluent-ffmpeg';
import { letterboxGeometry, type LetterboxTransform, type RgbImage } from './tensor.js';

export type SourceKind = 'rtsp' | 'mjpeg' | 'snapshot' | 'file' | 'folder';

export interface FrameSourceSpec {
  url: string;
  /** Guessed from the URL when absent (see `guessSourceKind`). */
  kind?: SourceKind;
  fps: number;
  width: number;
  height: number;
  /** Letterbox grey. */
  pad?: number;
  /** Files only: read at the native rate (`-re`) as a live camera would deliver, instead of as fast as possible. */
  realtime?: boolean;
  /** Network sources: socket timeout handed to ffmpeg (`-timeout`, microseconds for RTSP). */
  socketTimeoutS?: number;
}

export interface Frame {
  image: RgbImage;
  /** Where the camera picture sits inside the letterboxed image. */
  transform: LetterboxTransform;
  /** 0-based index of the frame since this reader started. */
  index: number;
  /** Seconds into the stream: exact video time for files and folders (index / fps), wall time since start for live sources. */
  streamTimeS: number;
  /** Wall-clock time the frame was read (ms since epoch). */
  receivedAtMs: number;
}

export interface ReaderExit {
  /** `end`: ffmpeg exited 0 (end of file, or an RTSP server that went away); `error`: non-zero exit or spawn failure; `killed`: by us. */
  reason: 'end' | 'error' | 'killed';
  message: string;
}

export interface FrameReader {
  readonly kind: SourceKind;
  start(): void;
  /** SIGKILL: ffmpeg blocked in a read ignores a single SIGTERM. */
  kill(): void;
}

export interface ReaderHandlers {
  /** Replay sources (file, folder) wait for the promise before reading on; live sources drop frames while it is pending. */
  onFrame(frame: Frame): void | Promise<void>;
  onExit(exit: ReaderExit): void;
  onDropped?(): void;
}

export function guessSourceKind(url: string): SourceKind {
  if (/^rtsps?:\/\//i.test(url)) return 'rtsp';
  if (/^https?:\/\//i.test(url)) return /snapshot|\.jpe?g(\?|$)|\.png(\?|$)/i.test(url) ? 'snapshot' : 'mjpeg';
  return 'file';
}

/** Resolves `kind` for local paths: a directory is a folder of images. */
export async function resolveSourceKind(spec: FrameSourceSpec): Promise<SourceKind> {
  if (spec.kind) return spec.kind;
  const guess = guessSourceKind(spec.url);
  if (guess !== 'file') return guess;
  const info = await stat(spec.url).catch(() => undefined);
  if (!info) throw new Error(`source ${spec.url}: no such file or folder`);
  return info.isDirectory() ? 'folder' : 'file';
}

function letterboxFilter(spec: FrameSourceSpec): string {
  const pad = (spec.pad ?? 114).toString(16).padStart(2, '0');
  return `scale=${spec.width}:${spec.height}:force_original_aspect_ratio=decrease,format=rgb24,pad=${spec.width}:${spec.height}:(ow-iw)/2:(oh-ih)/2:color=0x${pad}${pad}${pad}`;
}

function inputOptions(kind: SourceKind, spec: FrameSourceSpec): string[] {
  const timeoutUs = String(Math.round((spec.socketTimeoutS ?? 5) * 1e6));
  switch (kind) {
    case 'rtsp':
      // -timeout (µs) is the RTSP socket timeout in ffmpeg 5.x; -stimeout/-rw_timeout make it refuse to start.
      return ['-rtsp_transport', 'tcp', '-timeout', timeoutUs, '-fflags', 'nobuffer', '-flags', 'low_delay'];
    case 'mjpeg':
      return ['-use_wallclock_as_timestamps', '1', '-timeout', timeoutUs, '-fflags', 'nobuffer', '-flags', 'low_delay'];
    case 'snapshot':
      return ['-re', '-f', 'image2', '-loop', '1', '-framerate', String(spec.fps)];
    case 'file':
    case 'folder':
      return spec.realtime ? ['-re'] : [];
  }
}

function videoFilter(kind: SourceKind, spec: FrameSourceSpec): string {
  const scale = letterboxFilter(spec);
  if (kind === 'folder') return scale; // one still image of a folder (the fps filter would drop a lone frame)
  if (kind === 'file') return `fps=${spec.fps},${scale}`;
  if (kind === 'snapshot') return scale;
  // Live: `select` passes the newest frame at most every 1/fps s; the `fps` filter would add latency and
  // repeat the last frame through an outage, hiding it from the watchdog.
  const gap = (0.95 / spec.fps).toFixed(4);
  return `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${gap})',${scale}`;
}

const RESOLUTION = /\b(\d{2,5})x(\d{2,5})\b/;

/** Hides `user:password@` in URLs: ffmpeg repeats the input URL in its errors, which end up in logs and on MQTT. */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1***@');
}

/** One ffmpeg process decoding one source into frames. */
class FfmpegReader implements FrameReader {
  #command: FfmpegCommand | undefined;
  #killed = false;
  #exited = false;
  #pending: Promise<void> | undefined;
  #transform: LetterboxTransform;
  #index = 0;
  #startedAt = 0;
  #stderr: string[] = [];
  #streamEnded: Promise<void> = Promise.resolve();

  constructor(
    readonly kind: SourceKind,
    private readonly spec: FrameSourceSpec,
    private readonly handlers: ReaderHandlers,
  ) {
    this.#transform = { scale: 1, padX: 0, padY: 0, contentWidth: spec.width, contentHeight: spec.height };
  }

  start(): void {
    const { spec, kind } = this;
    const frameBytes = spec.width * spec.height * 3;
    const replay = kind === 'file' || kind === 'folder';
    this.#startedAt = Date.now();
    const output: string[] = ['-an', '-sn', '-threads', '1', '-vf', videoFilter(kind, spec), '-pix_fmt', 'rgb24'];
    if (kind === 'rtsp' || kind === 'mjpeg') output.push('-fps_mode', 'passthrough');
    if (kind === 'folder') output.push('-frames:v', '1');
    const command = ffmpeg(spec.url)
      .inputOptions(['-hide_banner', '-nostats', ...inputOptions(kind, spec)])
      .outputOptions(output)
      .format('rawvideo');
    this.#command = command;
    command.on('codecData', (data: { video_details?: string[] }) => {
      const match = RESOLUTION.exec((data.video_details ?? []).join(', '));
      if (match) this.#transform = letterboxGeometry(Number(match[1]), Number(match[2]), spec.width, spec.height);
    });
    command.on('stderr', (line: string) => {
      this.#stderr.push(line);
      if (this.#stderr.length > 8) this.#stderr.shift();
    });
    command.on('end', () => this.#exit({ reason: 'end', message: 'ffmpeg exited with code 0' }));
    command.on('error', (error: Error) => {
      this.#exit({ reason: this.#killed ? 'killed' : 'error', message: this.#killed ? 'killed' : redactCredentials(`${error.message.split('\n')[0]}${this.#stderrTail()}`) });
    });
    const stream = command.pipe() as PassThrough;
    let buffer: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      while (buffer.length >= frameBytes) {
        const data = new Uint8Array(buffer.subarray(0, frameBytes));
        buffer = buffer.subarray(frameBytes);
        this.#deliver(data, replay ? () => stream.pause() : undefined, replay ? () => stream.resume() : undefined);
      }
    });
    stream.on('error', () => undefined); // the command's 'error' reports it
    this.#streamEnded = new Promise((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
    });
  }

  #deliver(data: Uint8Array, pause?: () => void, resume?: () => void): void {
    if (this.#exited && this.#killed) return;
    const index = this.#index++;
    const now = Date.now();
    const streamTimeS = this.kind === 'file' || this.kind === 'folder' ? index / this.spec.fps : (now - this.#startedAt) / 1000;
    const frame: Frame = { image: { data, width: this.spec.width, height: this.spec.height }, transform: this.#transform, index, streamTimeS, receivedAtMs: now };
    if (!pause) {
      if (this.#pending) {
        this.handlers.onDropped?.();
        return;
      }
      const result = this.handlers.onFrame(frame);
      if (result) {
        const settled: Promise<void> = result.catch(() => undefined).then(() => {
          if (this.#pending === settled) this.#pending = undefined;
        });
        this.#pending = settled;
      }
      return;
    }
    // Replay: chain frames in order and hold ffmpeg's output while the consumer is busy (lossless, deterministic).
    pause();
    const settled: Promise<void> = (this.#pending ?? Promise.resolve())
      .then(() => this.handlers.onFrame(frame))
      .catch(() => undefined)
      .then(() => {
        if (this.#pending === settled) resume?.();
      });
    this.#pending = settled;
  }

  #stderrTail(): string {
    const tail = this.#stderr.filter((l) => !/^\s*(Input|Output|Stream|Duration|Metadata|encoder|handler_name|vendor_id|major_brand|minor_version|compatible_brands|creation_time|Press)/.test(l.trim()));
    return tail.length ? ` | ${tail.slice(-3).join(' | ')}` : '';
  }

  #exit(exit: ReaderExit): void {
    if (this.#exited) return;
    this.#exited = true;
    if (this.#killed) {
      this.handlers.onExit(exit);
      return;
    }
    // ffmpeg may exit before we have read all its output: deliver the rest, then report the end.
    void this.#streamEnded.then(() => this.#pending).then(() => this.handlers.onExit(exit));
  }

  kill(): void {
    if (this.#exited) return;
    this.#killed = true;
    this.#command?.kill('SIGKILL');
  }
}

const IMAGE_EXT = /\.(jpe?g|png|bmp|webp|tiff?)$/i;

/** A folder of images in name order, one frame per image at 1/fps s of stream time; one short ffmpeg run per image. */
class FolderReader implements FrameReader {
  readonly kind = 'folder' as const;
  #stopped = false;
  #current: FfmpegReader | undefined;

  constructor(
    private readonly spec: FrameSourceSpec,
    private readonly handlers: ReaderHandlers,
  ) {}

  start(): void {
    void this.#run().then(
      () => this.handlers.onExit({ reason: this.#stopped ? 'killed' : 'end', message: this.#stopped ? 'killed' : 'end of folder' }),
      (error: Error) => this.handlers.onExit({ reason: 'error', message: error.message }),
    );
  }

  async #run(): Promise<void> {
    const names = (await readdir(this.spec.url)).filter((n) => IMAGE_EXT.test(n)).sort();
    if (names.length === 0) throw new Error(`folder ${this.spec.url}: no images (${IMAGE_EXT.source})`);
    for (let index = 0; index < names.length && !this.#stopped; index++) {
      const file = path.join(this.spec.url, names[index]!);
      await new Promise<void>((resolve) => {
        let delivered: Promise<void> | void;
        const reader = new FfmpegReader('folder', { ...this.spec, url: file, realtime: false, fps: 1 }, {
          onFrame: (frame) => {
            if (frame.index > 0) return; // one frame per image (fps filter may duplicate a still)
            delivered = this.handlers.onFrame({ ...frame, index, streamTimeS: index / this.spec.fps });
            return delivered;
          },
          onExit: (exit) => {
            if (exit.reason === 'error') this.handlers.onDropped?.();
            void Promise.resolve(delivered).then(() => resolve());
          },
        });
        this.#current = reader;
        reader.start();
      });
    }
  }

  kill(): void {
    this.#stopped = true;
    this.#current?.kill();
  }
}

export async function createFrameReader(spec: FrameSourceSpec, handlers: ReaderHandlers): Promise<FrameReader> {
  const kind = await resolveSourceKind(spec);
  return kind === 'folder' ? new FolderReader(spec, handlers) : new FfmpegReader(kind, spec, handlers);
}

/** Encodes packed RGB to JPEG with ffmpeg (off the hot path: only for alert snapshots). */
export async function encodeJpeg(image: RgbImage, quality = 4): Promise<Buffer> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${image.width}x${image.height}`, '-i', 'pipe:0', '-frames:v', '1', '-q:v', String(quality), '-f', 'mjpeg', 'pipe:1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    proc.stdout.on('data', (c: Buffer) => out.push(c));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg jpeg encode failed (${code}): ${err.trim()}`))));
    proc.stdin.end(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength));
  });
}
