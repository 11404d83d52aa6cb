import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { Logger } from './logger.js';
import { freePort } from './ports.js';

export interface LocalServerOptions {
  /** Folder holding the generated config and the server's data; created when missing. */
  dir: string;
  host?: string;
  /** Port; 0 (default) = a free port, kept across restarts. */
  port?: number;
  /** Path of the server's binary (default: the subclass's, found on PATH). */
  binary?: string;
  log?: Logger;
  /** How long start() waits for the server to answer. */
  startTimeoutMs?: number;
}

/**
 * A server the project runs as an ordinary child process with its own config, data folder and loopback port (no
 * system service): influxd, redis-server, postgres. `stop()` then `start()` keeps port and data, which tests use to
 * play an outage. A subclass says how to configure, start and ask the server whether it is ready.
 */
export abstract class LocalServer {
  readonly host: string;
  port: number;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #outputTail = '';

  /** The binary's name on PATH, used in messages (`influxd`). */
  protected abstract readonly name: string;
  /** Writes the config for the current port (and creates the data folders). */
  protected abstract writeConfig(): Promise<void>;
  /** The command-line arguments of the binary. */
  protected abstract args(): string[];
  /** True once the server answers; called until then, or until the start times out. */
  protected abstract answers(): Promise<boolean>;
  /** The address it answers on, for messages. */
  abstract get url(): string;
  /** The signal that asks the server to write its files and exit. */
  protected readonly stopSignal: NodeJS.Signals = 'SIGTERM';

  constructor(
    protected readonly options: LocalServerOptions,
    private readonly defaultStartTimeoutMs: number,
  ) {
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The server's executable. */
  protected binaryPath(): string {
    return this.options.binary ?? this.name;
  }

  /** How the server is spawned besides its arguments (a subclass may run it as another user, in its folder). */
  protected spawnOptions(): SpawnOptions {
    return {};
  }

  /** Ports a subclass needs besides `port` are chosen here, before the config is written. */
  protected async choosePorts(): Promise<void> {
    if (this.port === 0) this.port = await freePort(this.host);
  }

  async start(): Promise<void> {
    if (this.#child) return;
    await this.choosePorts();
    await this.writeConfig();
    const child = spawn(this.binaryPath(), this.args(), {
      ...this.spawnOptions(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    this.#outputTail = '';
    const keepTail = (chunk: Buffer) => {
      this.#outputTail = (this.#outputTail + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keepTail);
    child.stderr?.on('data', keepTail);
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.#child === child) this.#child = undefined;
        this.options.log?.debug({ code, signal }, `${this.name} exited`);
        resolve();
      });
      child.once('error', (error) => {
        this.options.log?.error({ err: error }, `${this.name} failed to spawn`);
        if (this.#child === child) this.#child = undefined;
        resolve();
      });
    });
    try {
      await this.#waitUntilAnswering(this.options.startTimeoutMs ?? this.defaultStartTimeoutMs);
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.options.log?.info({ url: this.url, dir: this.options.dir, pid: child.pid }, `${this.name} started`);
  }

  /** `stopSignal` (the server writes its files and exits), then SIGKILL when it has not exited after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill(this.stopSignal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Stops and starts again on the same port and data. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async #waitUntilAnswering(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.#child)
        throw new Error(`${this.name} exited during start: ${this.#outputTail.trim() || 'no output'}`);
      if (await this.answers().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `${this.name} did not answer on ${this.url} within ${timeoutMs} ms: ${this.#outputTail.trim()}`,
    );
  }
}
