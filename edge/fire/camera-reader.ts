import type { Logger } from '../../runtime/logger.js';
import { backoffMs } from '../../runtime/retry.js';
import {
  createFrameReader,
  type Frame,
  type FrameReader,
  type FrameSourceSpec,
  type ReaderExit,
} from './frames.js';

export interface WatchdogOptions {
  /** No frame for this long -> SIGKILL and restart. */
  stallTimeoutS: number;
  backoff: { minMs: number; maxMs: number };
  /** Restart after the source ended (ffmpeg exit code 0)? Live cameras: yes. Replayed files: no. */
  restartOnEnd: boolean;
}

export interface CameraState {
  state: 'online' | 'offline';
  lastFrameMs?: number;
  restarts: number;
  reason?: string;
}

export interface CameraReaderHandlers {
  onFrame(frame: Frame): void | Promise<void>;
  onStatus(status: CameraState): void;
  /** The source ended for good (replay finished). */
  onEnded?(): void;
  /** A replayed source failed (missing or unreadable file): replays are not retried. */
  onFailed?(reason: string): void;
  onDropped?(): void;
  /** The snapshot-resolution output failed (detection goes on). */
  onHighResError?(message: string): void;
}

/**
 * One camera's frame reader under a watchdog: ffmpeg exits (RTSP servers that die make it exit with code 0),
 * or no frame arrives for `stallTimeoutS` -> SIGKILL and respawn with exponential backoff (reset by a frame).
 * Status goes `offline` on each loss and `online` with the first frame after it.
 */
export class CameraReader {
  #reader: FrameReader | undefined;
  #running = false;
  #attempt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #lastActivityMs = 0;
  #status: CameraState = { state: 'offline', restarts: 0, reason: 'starting' };
  #generation = 0;
  /** Set when ffmpeg failed because of the snapshot output: later readers run without it. */
  #highResOff = false;

  constructor(
    readonly cameraId: string,
    private readonly spec: FrameSourceSpec,
    private readonly options: WatchdogOptions,
    private readonly handlers: CameraReaderHandlers,
    private readonly log: Logger,
  ) {}

  get status(): CameraState {
    return { ...this.#status };
  }

  start(): void {
    this.#running = true;
    this.#spawn();
    const checkMs = Math.max(100, Math.min(1000, (this.options.stallTimeoutS * 1000) / 4));
    this.#watchdog = setInterval(() => this.#check(), checkMs);
    this.#watchdog.unref();
  }

  stop(): void {
    this.#running = false;
    clearInterval(this.#watchdog);
    clearTimeout(this.#restartTimer);
    this.#generation++;
    this.#reader?.kill();
    this.#reader = undefined;
  }

  #spawn(): void {
    const generation = ++this.#generation;
    this.#lastActivityMs = Date.now();
    const spec = this.#highResOff ? { ...this.spec, snapshotMaxWidth: 0 } : this.spec;
    void createFrameReader(spec, {
      onFrame: (frame) => {
        if (generation !== this.#generation) return;
        this.#lastActivityMs = Date.now();
        this.#attempt = 0;
        if (this.#status.state !== 'online')
          this.#setStatus({
            state: 'online',
            lastFrameMs: frame.receivedAtMs,
            restarts: this.#status.restarts,
          });
        else this.#status.lastFrameMs = frame.receivedAtMs;
        return this.handlers.onFrame(frame);
      },
      onExit: (exit) => {
        if (generation === this.#generation) this.#lost(exit);
      },
      onDropped: this.handlers.onDropped,
      onHighResError: (message) => {
        if (generation === this.#generation) this.handlers.onHighResError?.(message);
      },
    }).then(
      (reader) => {
        if (generation !== this.#generation) return;
        this.#reader = reader;
        reader.start();
      },
      (error: Error) =>
        generation === this.#generation && this.#lost({ reason: 'error', message: error.message }),
    );
  }

  #check(): void {
    if (!this.#running || !this.#reader) return;
    const idleMs = Date.now() - this.#lastActivityMs;
    if (idleMs < this.options.stallTimeoutS * 1000) return;
    this.log.warn({ camera: this.cameraId, idleMs }, 'no frame from camera: killing its reader');
    const reader = this.#reader;
    this.#generation++; // ignore whatever the killed reader still says
    reader.kill();
    this.#lost({ reason: 'error', message: `no frame for ${this.options.stallTimeoutS} s` });
  }

  #lost(exit: ReaderExit): void {
    this.#reader = undefined;
    if (exit.highResFailed && !this.#highResOff) {
      this.#highResOff = true;
      this.handlers.onHighResError?.(
        `ffmpeg failed on the snapshot output (${exit.message}); reading on without it`,
      );
    }
    if (!this.#running) return;
    if (!this.options.restartOnEnd) {
      const ended = exit.reason === 'end';
      this.#setStatus({
        state: 'offline',
        lastFrameMs: this.#status.lastFrameMs,
        restarts: this.#status.restarts,
        reason: ended ? 'source ended' : exit.message.slice(0, 500),
      });
      this.#running = false;
      clearInterval(this.#watchdog);
      if (ended) this.handlers.onEnded?.();
      else this.handlers.onFailed?.(exit.message);
      return;
    }
    this.#attempt++;
    const delay = backoffMs(this.#attempt, this.options.backoff.minMs, this.options.backoff.maxMs);
    this.log.warn(
      { camera: this.cameraId, reason: exit.message, retryInMs: delay },
      'camera reader stopped; restarting',
    );
    this.#setStatus({
      state: 'offline',
      lastFrameMs: this.#status.lastFrameMs,
      restarts: this.#status.restarts,
      reason: exit.message.slice(0, 500),
    });
    this.#generation++;
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      if (!this.#running) return;
      this.#status.restarts++;
      this.#spawn();
    }, delay);
  }

  #setStatus(status: CameraState): void {
    const changed = status.state !== this.#status.state || status.reason !== this.#status.reason;
    this.#status = status;
    if (changed) this.handlers.onStatus({ ...status });
  }
}
