import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../../runtime/logger.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'camera.py');
/** Debian's interpreter: it has `gi` (GStreamer) and numpy; the first python3 on PATH may not. */
export const DEFAULT_PYTHON = process.env.LOOKOUT_PYTHON ?? '/usr/bin/python3';
const READY_TIMEOUT_MS = 20_000;

export interface MediaSpec {
  host: string;
  username: string;
  password: string;
  width: number;
  height: number;
  subWidth: number;
  subHeight: number;
  fps: number;
  gop: number;
  rtspPort: number;
  snapshotPort: number;
  /** Scenario clock origin: a restarted camera continues the same timeline. */
  startedAtMs: number;
  scene: { seed: number; fires: unknown[]; distractors: string[]; wind: number };
}

/**
 * The media side of one camera (camera.py: GStreamer RTSP server + JPEG snapshot server), as a child
 * process. It exits by itself when our stdin pipe closes, so it never outlives a crashed parent.
 */
export class MediaProcess {
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  rtspPort = 0;
  snapshotPort = 0;

  constructor(
    private readonly spec: MediaSpec,
    private readonly log: Logger,
    private readonly python = DEFAULT_PYTHON,
  ) {}

  get running(): boolean {
    return this.#child !== undefined;
  }

  async start(): Promise<void> {
    const spec = {
      ...this.spec,
      rtspPort: this.rtspPort || this.spec.rtspPort,
      snapshotPort: this.snapshotPort || this.spec.snapshotPort,
    };
    const child = spawn(this.python, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    // The spec (with the password) goes on stdin, never in argv, which every local user can read (`ps`).
    // The pipe stays open: its end tells the media process that we are gone.
    child.stdin!.on('error', () => undefined); // a media process that died at once: its 'exit' reports it
    child.stdin!.write(`${JSON.stringify(spec)}\n`);
    const stderr: string[] = [];
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr.push(text);
      if (stderr.length > 20) stderr.shift();
    });
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('exit', (code, signal) => {
      if (this.#child === child) {
        this.#child = undefined;
        this.log.warn({ code, signal, stderr: stderr.join('').slice(-500) }, 'camera media process exited');
      }
    });
    const lines = createInterface({ input: child.stdout! });
    try {
      const ready = await new Promise<{ rtspPort: number; snapshotPort: number }>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`camera media process not ready after ${READY_TIMEOUT_MS} ms`)),
          READY_TIMEOUT_MS,
        );
        child.once('error', (error) => {
          clearTimeout(timer);
          reject(new Error(`cannot run ${this.python} ${SCRIPT}: ${error.message}`));
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(
            new Error(
              `camera media process exited with ${code} before ready: ${stderr.join('').slice(-800)}`,
            ),
          );
        });
        lines.once('line', (line) => {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(line) as { rtspPort: number; snapshotPort: number });
          } catch {
            reject(new Error(`unexpected line from camera media process: ${line}`));
          }
        });
      });
      this.rtspPort = ready.rtspPort;
      this.snapshotPort = ready.snapshotPort;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Stops the process: closes its stdin (it exits), then SIGKILL if it lingers. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child) return;
    child.stdin?.end();
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Kills the process at once (a camera losing power), for tests. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child) return;
    child.kill('SIGKILL');
    await this.#exited;
  }
}
