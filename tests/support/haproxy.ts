import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalServer } from '../../runtime/local-server.js';
import { freePort } from '../../runtime/ports.js';
import type { CloudAddresses } from '../../cloud/core.js';

/** The documented load balancer config (cloud/README.md "Cluster"), which the test runs as it is shipped. */
export const HAPROXY_EXAMPLE = fileURLToPath(
  new URL('../../cloud/cluster/haproxy.example.cfg', import.meta.url),
);

/** The example's instances, in its order: rewritten to the clouds a test started. */
const EXAMPLE_HOSTS = ['10.0.0.11', '10.0.0.12'];

/**
 * Debian's `haproxy` in the foreground with the shipped example config, its listeners on free loopback ports and
 * its two instances pointed at two clouds' ports. Ready once `/health` answers through it.
 */
export class TestHaproxy extends LocalServer {
  protected readonly name = 'haproxy';
  wsPort = 0;
  httpPort = 0;

  constructor(
    dir: string,
    private readonly clouds: [CloudAddresses, CloudAddresses],
  ) {
    super({ dir }, 15_000);
  }

  get url(): string {
    return `mqtt://${this.host}:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://${this.host}:${this.wsPort}`;
  }

  get httpUrl(): string {
    return `http://${this.host}:${this.httpPort}`;
  }

  get configFile(): string {
    return path.join(this.options.dir, 'haproxy.cfg');
  }

  protected override async choosePorts(): Promise<void> {
    await super.choosePorts();
    if (this.wsPort === 0) this.wsPort = await freePort(this.host);
    if (this.httpPort === 0) this.httpPort = await freePort(this.host);
  }

  protected args(): string[] {
    return ['-db', '-f', this.configFile];
  }

  protected async answers(): Promise<boolean> {
    const response = await fetch(`${this.httpUrl}/health`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  }

  protected async writeConfig(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    const example = await readFile(HAPROXY_EXAMPLE, 'utf8');
    await writeFile(this.configFile, this.#rewrite(example));
  }

  #rewrite(example: string): string {
    const bind = { '1883': this.port, '8883': this.wsPort, '8080': this.httpPort };
    return example
      .split('\n')
      .map((line) => {
        const listener = /^(\s*bind\s+):(\d+)\s*$/.exec(line);
        if (listener) return `${listener[1]}${this.host}:${bind[listener[2] as keyof typeof bind]}`;
        const instance = EXAMPLE_HOSTS.findIndex((host) => line.includes(`${host}:`));
        if (instance < 0) return line;
        const cloud = this.clouds[instance]!;
        const ports = { '1883': cloud.mqttPort, '8883': cloud.wsPort, '8080': cloud.httpPort };
        return line
          .replace(
            /(\d+\.\d+\.\d+\.\d+):(\d+)/,
            (_all, _host, port: keyof typeof ports) => `${this.host}:${ports[port]}`,
          )
          .replace(/check port 8080/, `check port ${cloud.httpPort}`);
      })
      .join('\n');
  }
}
