import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlarmNotification } from '../../protocols/api/notifications.js';

export interface Received {
  body: string;
  headers: IncomingMessage['headers'];
}

/**
 * A webhook endpoint on loopback standing in for a chat or SMS gateway (tests, and the demo, which prints what it
 * receives): every POST is kept in `received` and handed to `onReceive`; `answer` decides each response.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  constructor(private readonly onReceive?: (request: Received) => void) {}

  answer: (
    request: Received,
    index: number,
  ) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 200 });
  #server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.#server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const got = { body, headers: request.headers };
        const index = this.received.push(got) - 1;
        this.onReceive?.(got);
        const { status, headers, body: out } = this.answer(got, index);
        response.writeHead(status, headers).end(out ?? '');
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections(); // keep-alive connections would hold close() for seconds
    await closed;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  json(): AlarmNotification[] {
    return this.received.map((r) => JSON.parse(r.body) as AlarmNotification);
  }
}
