/**
 * The ONLY module that talks to ffmpeg through `fluent-ffmpeg` (archived upstream in 2025: it just builds the
 * argument list and spawns ffmpeg, so it is kept behind this one small interface and easy to replace).
 *
 * A reader decodes a camera or a file at a configured rate straight to raw RGB at the model's input size,
 * letterboxed inside ffmpeg (scale + pad): no JPEG round trip on the hot path. With `snapshotMaxWidth`, the same
 * ffmpeg process also writes every analysed frame at snapshot resolution (PPM on a Unix socket, see high-res.ts)
 * for the alert snapshots: one decode, a `split` after the frame-rate filter, so the n-th frame of both outputs
 * is the same picture.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import ffmpeg, { type FfmpegCommand } from 'fluent-ffmpeg';
import { LatestFrame, PpmStreamParser, type HighResFrame } from './high-res.js';
import { letterboxGeometry, letterboxRgb, type LetterboxTransform, type RgbImage } from './tensor.js';

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
  /**
   * > 0: also keep each analysed frame at this width at most (the camera's own size when smaller, never
   * upscaled; height from the aspect ratio), for alert snapshots. 0 or absent: model-size frames only.
   */
  snapshotMaxWidth?: number;
  /**
   * > 0: frames come at analysis resolution instead of letterboxed to `width` x `height`: this width at most
   * (the camera's own size when smaller, never upscaled; aspect kept), for tiled inference. The frame then is its
   * own snapshot picture (at most `snapshotMaxWidth` wide) and ffmpeg needs no second output.
   */
  analysisMaxWidth?: number;
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
  /**
   * With `snapshotMaxWidth`: this frame at snapshot resolution (or the first newer one), copied when called,
   * waiting at most `waitMs` for it to arrive; undefined when it does not.
   */
  highRes?: (waitMs: number) => Promise<HighResFrame | undefined>;
}

export interface ReaderExit {
  /** `end`: ffmpeg exited 0 (end of file, or an RTSP server that went away); `error`: non-zero exit or spawn failure; `killed`: by us. */
  reason: 'end' | 'error' | 'killed';
  message: string;
  /** ffmpeg failed on the snapshot output (not on the camera): read on without it. */
  highResFailed?: boolean;
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
  /** The snapshot output misbehaved (detection goes on; alerts then carry model-size snapshots). */
  onHighResError?(message: string): void;
}

export function guessSourceKind(url: string): SourceKind {
  if (/^rtsps?:\/\//i.test(url)) return 'rtsp';
  if (/^https?:\/\//i.test(url))
    return /snapshot|\.jpe?g(\?|$)|\.png(\?|$)/i.test(url) ? 'snapshot' : 'mjpeg';
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

/** Options of the source's own demuxer and protocol (`-name value` before `-i`, or `option` lines of an ffconcat script). */
function openOptions(kind: SourceKind, spec: FrameSourceSpec): Array<[string, string]> {
  const timeoutUs = String(Math.round((spec.socketTimeoutS ?? 5) * 1e6));
  switch (kind) {
    case 'rtsp':
      // -timeout (µs) is the RTSP socket timeout in ffmpeg 5.x; -stimeout/-rw_timeout make it refuse to start.
      return [
        ['rtsp_transport', 'tcp'],
        ['timeout', timeoutUs],
        ['fflags', 'nobuffer'],
      ];
    case 'mjpeg':
      return [
        ['use_wallclock_as_timestamps', '1'],
        ['timeout', timeoutUs],
        ['fflags', 'nobuffer'],
      ];
    case 'snapshot':
      return [
        ['re', ''],
        ['f', 'image2'],
        ['loop', '1'],
        ['framerate', String(spec.fps)],
      ];
    case 'file':
    case 'folder':
      return spec.realtime ? [['re', '']] : [];
  }
}

/** Options of the decoder (live sources: no frame reordering delay). */
function decoderOptions(kind: SourceKind): string[] {
  return kind === 'rtsp' || kind === 'mjpeg' ? ['-flags', 'low_delay'] : [];
}

const asArguments = (options: Array<[string, string]>) =>
  options.flatMap(([name, value]) => (value === '' ? [`-${name}`] : [`-${name}`, value]));

/**
 * The input of ffmpeg for a source. A network URL with a password is not put in ffmpeg's argv (any local user
 * reads argv: `ps`, /proc/<pid>/cmdline): ffmpeg gets it in an ffconcat script on its stdin instead, with the
 * source's options as `option` lines; the concat demuxer opens it like `-i` would (RTSP Digest/Basic, HTTP
 * Basic), and a failure still names the URL in ffmpeg's errors (redacted by `redactCredentials`).
 * Snapshot polling (`image2` over HTTP) cannot go through concat (its format cannot be set there) and keeps
 * the URL in argv: see edge/README.md, Security.
 */
function inputFor(kind: SourceKind, spec: FrameSourceSpec): { source: string | Readable; options: string[] } {
  const options = openOptions(kind, spec);
  const hidden = (kind === 'rtsp' || kind === 'mjpeg') && hasPassword(spec.url);
  if (!hidden)
    return {
      source: spec.url,
      options: ['-hide_banner', '-nostats', ...asArguments(options), ...decoderOptions(kind)],
    };
  const script = [
    'ffconcat version 1.0',
    `file ${ffconcatQuote(spec.url)}`,
    ...options.map(([name, value]) => `option ${name} ${ffconcatQuote(value)}`),
  ];
  return {
    source: Readable.from([`${script.join('\n')}\n`]),
    options: [
      '-hide_banner',
      '-nostats',
      '-f',
      'concat',
      '-safe',
      '0',
      '-protocol_whitelist',
      'pipe,rtsp,rtp,srtp,tcp,udp,http,https,tls,crypto',
      '-fflags',
      'nobuffer',
      ...decoderOptions(kind),
    ],
  };
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

/** A quoted ffconcat token: nothing is special inside '...', and a quote is written '\''. */
function ffconcatQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** The frame-rate part of the filter chain ('' when every decoded frame is analysed). */
function rateFilter(kind: SourceKind, spec: FrameSourceSpec): string {
  if (kind === 'folder') return ''; // one still image of a folder (the fps filter would drop a lone frame)
  if (kind === 'file') return `fps=${spec.fps}`;
  if (kind === 'snapshot') return '';
  // Live: `select` passes the newest frame at most every 1/fps s; the `fps` filter would add latency and
  // repeat the last frame through an outage, hiding it from the watchdog.
  const gap = (0.95 / spec.fps).toFixed(4);
  return `select='isnan(prev_selected_t)+gte(t-prev_selected_t\\,${gap})'`;
}

function analysing(spec: FrameSourceSpec): boolean {
  return (spec.analysisMaxWidth ?? 0) > 0;
}

/** Frames at analysis resolution: at most `analysisMaxWidth` wide, never upscaled, aspect kept. */
function analysisFilter(kind: SourceKind, spec: FrameSourceSpec): string {
  return [
    rateFilter(kind, spec),
    `scale=w='min(iw,${Math.round(spec.analysisMaxWidth!)})':h=-1`,
    'format=rgb24',
  ]
    .filter(Boolean)
    .join(',');
}

/** A copy at most `maxWidth` wide (never upscaled): the analysis frame as its own alert snapshot. */
function shrinkToWidth(image: RgbImage, maxWidth: number): RgbImage {
  if (image.width <= maxWidth) return { data: image.data.slice(), width: image.width, height: image.height };
  const height = Math.max(1, Math.round((image.height * maxWidth) / image.width));
  return letterboxRgb(image, maxWidth, height).image;
}

function videoFilter(kind: SourceKind, spec: FrameSourceSpec): string {
  return [rateFilter(kind, spec), letterboxFilter(spec)].filter(Boolean).join(',');
}

/** Model frames on `[model]`, the same frames at snapshot size (never upscaled) as RGB on `[snapshot]`. */
export function splitFilter(kind: SourceKind, spec: FrameSourceSpec, maxWidth: number): string {
  const rate = rateFilter(kind, spec);
  return `[0:v]${rate ? `${rate},` : ''}split=2[m][s];[m]${letterboxFilter(spec)}[model];[s]scale=w='min(iw,${Math.round(maxWidth)})':h=-1,format=rgb24[snapshot]`;
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
  #highRes: HighResOutput | undefined;

  constructor(
    readonly kind: SourceKind,
    private readonly spec: FrameSourceSpec,
    private readonly handlers: ReaderHandlers,
  ) {
    this.#transform = { scale: 1, padX: 0, padY: 0, contentWidth: spec.width, contentHeight: spec.height };
  }

  start(): void {
    const { spec } = this;
    this.#startedAt = Date.now();
    if (!spec.snapshotMaxWidth || spec.snapshotMaxWidth <= 0 || analysing(spec)) return this.#spawn();
    try {
      this.#highRes = new HighResOutput((message) => this.handlers.onHighResError?.(message));
    } catch (error) {
      this.handlers.onHighResError?.(`snapshot output: ${(error as Error).message}`);
      return this.#spawn();
    }
    this.#highRes.listen(
      () => this.#spawn(),
      (error) => {
        this.handlers.onHighResError?.(`snapshot output: ${error.message}`);
        this.#highRes?.close();
        this.#highRes = undefined;
        this.#spawn();
      },
    );
  }

  #spawn(): void {
    const { spec, kind } = this;
    if (this.#killed) return this.#exit({ reason: 'killed', message: 'killed' });
    const frameBytes = spec.width * spec.height * 3;
    const replay = kind === 'file' || kind === 'folder';
    const highRes = this.#highRes;
    const perOutput = ['-an', '-sn', '-threads', '1'];
    if (kind === 'rtsp' || kind === 'mjpeg') perOutput.push('-fps_mode', 'passthrough');
    if (kind === 'folder') perOutput.push('-frames:v', '1');
    const input = inputFor(kind, spec);
    const command = ffmpeg(input.source).inputOptions(input.options);
    const stream = new PassThrough();
    if (analysing(spec)) {
      command
        .outputOptions(['-vf', analysisFilter(kind, spec), ...perOutput, '-c:v', 'ppm', '-f', 'image2pipe'])
        .output(stream);
    } else if (highRes) {
      command
        .complexFilter(splitFilter(kind, spec, spec.snapshotMaxWidth!))
        .outputOptions(['-map', '[model]', ...perOutput, '-pix_fmt', 'rgb24', '-f', 'rawvideo'])
        .output(stream)
        .output(highRes.url)
        .outputOptions(['-map', '[snapshot]', ...perOutput, '-c:v', 'ppm', '-f', 'image2pipe']);
    } else {
      command
        .outputOptions(['-vf', videoFilter(kind, spec), ...perOutput, '-pix_fmt', 'rgb24', '-f', 'rawvideo'])
        .output(stream);
    }
    this.#command = command;
    command.on('codecData', (data: { video_details?: string[] }) => {
      const match = RESOLUTION.exec((data.video_details ?? []).join(', '));
      if (match)
        this.#transform = letterboxGeometry(Number(match[1]), Number(match[2]), spec.width, spec.height);
    });
    command.on('stderr', (line: string) => {
      this.#stderr.push(line);
      if (this.#stderr.length > 8) this.#stderr.shift();
    });
    command.on('end', () => this.#exit({ reason: 'end', message: 'ffmpeg exited with code 0' }));
    command.on('error', (error: Error) => {
      if (this.#killed) return this.#exit({ reason: 'killed', message: 'killed' });
      const message = `${error.message.split('\n')[0]}${this.#stderrTail()}`;
      this.#exit({
        reason: 'error',
        message: redactCredentials(message),
        ...(highRes && message.includes(highRes.url) ? { highResFailed: true } : {}),
      });
    });
    command.run();
    const pause = () => {
      stream.pause();
      highRes?.pause();
    };
    const resume = () => {
      stream.resume();
      highRes?.resume();
    };
    if (analysing(spec)) {
      // The parser reuses its buffers: each frame is copied, as detection may still run when the next arrives.
      const parser = new PpmStreamParser(
        (image) =>
          this.#deliver(
            { data: image.data.slice(), width: image.width, height: image.height },
            replay ? pause : undefined,
            replay ? resume : undefined,
          ),
        (message) => {
          this.#stderr.push(`frame stream: ${message}`);
          this.#command?.kill('SIGKILL');
        },
      );
      stream.on('data', (chunk: Buffer) => parser.push(chunk));
    } else this.#readRaw(stream, frameBytes, replay ? pause : undefined, replay ? resume : undefined);
    stream.on('error', () => undefined); // the command's 'error' reports it
    this.#streamEnded = new Promise((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
    });
  }

  /** Raw RGB frames of a fixed size, letterboxed to the model input by ffmpeg. */
  #readRaw(stream: PassThrough, frameBytes: number, pause?: () => void, resume?: () => void): void {
    let buffer: Buffer = Buffer.alloc(0);
    stream.on('data', (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      while (buffer.length >= frameBytes) {
        const data = new Uint8Array(buffer.subarray(0, frameBytes));
        buffer = buffer.subarray(frameBytes);
        this.#deliver({ data, width: this.spec.width, height: this.spec.height }, pause, resume);
      }
    });
  }

  #deliver(image: RgbImage, pause?: () => void, resume?: () => void): void {
    if (this.#exited && this.#killed) return;
    const index = this.#index++;
    const now = Date.now();
    const streamTimeS =
      this.kind === 'file' || this.kind === 'folder' ? index / this.spec.fps : (now - this.#startedAt) / 1000;
    const latest = this.#highRes?.latest;
    const analysed = analysing(this.spec);
    const snapshotWidth = this.spec.snapshotMaxWidth ?? 0;
    const frame: Frame = {
      image,
      transform: analysed
        ? { scale: 1, padX: 0, padY: 0, contentWidth: image.width, contentHeight: image.height }
        : this.#transform,
      index,
      streamTimeS,
      receivedAtMs: now,
      ...(latest ? { highRes: (waitMs: number) => latest.take(index, waitMs) } : {}),
      ...(analysed && snapshotWidth > 0
        ? { highRes: () => Promise.resolve({ image: shrinkToWidth(image, snapshotWidth), index }) }
        : {}),
    };
    if (!pause) {
      if (this.#pending) {
        this.handlers.onDropped?.();
        return;
      }
      const result = this.handlers.onFrame(frame);
      if (result) {
        const settled: Promise<void> = result
          .catch(() => undefined)
          .then(() => {
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
    const tail = this.#stderr.filter(
      (l) =>
        !/^\s*(Input|Output|Stream|Duration|Metadata|encoder|handler_name|vendor_id|major_brand|minor_version|compatible_brands|creation_time|Press)/.test(
          l.trim(),
        ),
    );
    return tail.length ? ` | ${tail.slice(-3).join(' | ')}` : '';
  }

  #exit(exit: ReaderExit): void {
    if (this.#exited) return;
    this.#exited = true;
    const highRes = this.#highRes;
    if (this.#killed) {
      highRes?.close();
      this.handlers.onExit(exit);
      return;
    }
    // ffmpeg may exit before we have read all its output: deliver the rest, then report the end.
    void this.#streamEnded
      .then(() => this.#pending)
      .then(() => highRes?.ended)
      .then(() => {
        highRes?.close();
        this.handlers.onExit(exit);
      });
  }

  kill(): void {
    if (this.#exited) return;
    this.#killed = true;
    this.#command?.kill('SIGKILL');
  }
}

/**
 * The receiving end of ffmpeg's snapshot output: a Unix socket in a private temporary folder (ffmpeg connects to
 * it as `unix:<path>`; no network port), whose byte stream of PPM images feeds a `LatestFrame`.
 */
class HighResOutput {
  readonly latest = new LatestFrame();
  readonly url: string;
  readonly #dir: string;
  readonly #server: Server;
  readonly #parser: PpmStreamParser;
  #socket: Socket | undefined;
  #paused = false;
  #socketEnded: Promise<void> | undefined;

  constructor(onError: (message: string) => void) {
    this.#dir = mkdtempSync(path.join(tmpdir(), 'lookout-snap-'));
    this.url = `unix:${path.join(this.#dir, 'frames.sock')}`;
    this.#parser = new PpmStreamParser(
      (image) => this.latest.put(image),
      (message) => onError(`snapshot output: ${message}`),
    );
    this.#server = createServer((socket) => {
      if (this.#socket) return socket.destroy(); // ffmpeg connects once
      this.#socket = socket;
      this.#socketEnded = new Promise((resolve) => socket.once('close', () => resolve()));
      if (this.#paused) socket.pause();
      socket.on('data', (chunk: Buffer) => this.#parser.push(chunk));
      socket.on('error', () => undefined); // ffmpeg killed: the reader reports the exit
    });
  }

  listen(onListening: () => void, onError: (error: Error) => void): void {
    this.#server.once('error', onError);
    this.#server.listen(this.url.slice('unix:'.length), () => {
      this.#server.off('error', onError);
      onListening();
    });
  }

  /** After ffmpeg exited: resolves once everything it wrote was read. */
  get ended(): Promise<void> {
    return this.#socketEnded ?? Promise.resolve();
  }

  /** Replays: held together with the model frames, so the snapshot stream stays on the analysed frame. */
  pause(): void {
    this.#paused = true;
    this.#socket?.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#socket?.resume();
  }

  close(): void {
    this.latest.close();
    this.#socket?.destroy();
    this.#server.close();
    rmSync(this.#dir, { recursive: true, force: true });
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
      () =>
        this.handlers.onExit({
          reason: this.#stopped ? 'killed' : 'end',
          message: this.#stopped ? 'killed' : 'end of folder',
        }),
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
        const reader = new FfmpegReader(
          'folder',
          { ...this.spec, url: file, realtime: false, fps: 1 },
          {
            onHighResError: this.handlers.onHighResError,
            onFrame: (frame) => {
              if (frame.index > 0) return; // one frame per image (fps filter may duplicate a still)
              delivered = this.handlers.onFrame({ ...frame, index, streamTimeS: index / this.spec.fps });
              return delivered;
            },
            onExit: (exit) => {
              if (exit.reason === 'error') this.handlers.onDropped?.();
              void Promise.resolve(delivered).then(() => resolve());
            },
          },
        );
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

export async function createFrameReader(
  spec: FrameSourceSpec,
  handlers: ReaderHandlers,
): Promise<FrameReader> {
  const kind = await resolveSourceKind(spec);
  return kind === 'folder' ? new FolderReader(spec, handlers) : new FfmpegReader(kind, spec, handlers);
}

/**
 * Encodes packed RGB to JPEG with ffmpeg (off the hot path: only for alert snapshots). `quality` is ffmpeg's
 * `-q:v` (2 best .. 31 smallest); ffmpeg is killed after `timeoutMs`.
 */
export async function encodeJpeg(image: RgbImage, quality = 4, timeoutMs = 10_000): Promise<Buffer> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const proc = spawn(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-s',
        `${image.width}x${image.height}`,
        '-i',
        'pipe:0',
        '-frames:v',
        '1',
        '-q:v',
        String(quality),
        '-f',
        'mjpeg',
        'pipe:1',
      ],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(
        new Error(
          `ffmpeg jpeg encode of ${image.width}x${image.height} took longer than ${timeoutMs} ms: killed`,
        ),
      );
    }, timeoutMs);
    timer.unref();
    proc.stdout.on('data', (c: Buffer) => out.push(c));
    proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
    proc.stdin.on('error', () => undefined); // ffmpeg gone: 'close' reports it
    proc.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    proc.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`ffmpeg jpeg encode failed (${code}): ${err.trim()}`));
    });
    proc.stdin.end(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength));
  });
}
