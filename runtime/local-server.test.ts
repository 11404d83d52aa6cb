import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { LocalServer } from './local-server.js';

/** A TCP server in a child node process: `script` gets the port as argv[1]. */
class NodeServer extends LocalServer {
  protected readonly name = 'node';

  constructor(private readonly script: string) {
    super({ dir: tmpdir(), binary: process.execPath, startTimeoutMs: 20_000 }, 20_000);
  }

  get url(): string {
    return `tcp://${this.host}:${this.port}`;
  }

  protected async writeConfig(): Promise<void> {}

  protected args(): string[] {
    return ['-e', this.script, String(this.port)];
  }

  protected answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: this.host, port: this.port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }
}

const LISTEN =
  "require('node:net').createServer((s) => s.end()).listen(Number(process.argv[1]), '127.0.0.1')";

describe('LocalServer', () => {
  it('starts a server on a free port, knows when it answers, stops it and starts it again on the same port', async () => {
    const server = new NodeServer(LISTEN);
    try {
      await server.start();
      expect(server.running).toBe(true);
      const port = server.port;
      expect(port).toBeGreaterThan(0);
      await server.stop();
      expect(server.running).toBe(false);
      await server.restart();
      expect(server.port).toBe(port);
      expect(server.running).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('a server that exits during start fails the start with what it printed', async () => {
    const server = new NodeServer("console.error('bad config line 3'); process.exit(1)");
    await expect(server.start()).rejects.toThrow(/node exited during start: bad config line 3/);
    expect(server.running).toBe(false);
  });
});
