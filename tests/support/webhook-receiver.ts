import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlarmNotification } from '../../protocols/api/notifications.js';

export interface Received {
  body: string;
  headers: IncomingMessage['headers'];
}

/** A real HTTP server on loopback standing in for a chat or SMS gateway; `answer` decides each response. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  answer: (request: Received, index: number) => { status: number; headers?: Record<string, string>; body?: string } = () => ({ status: 200 });
  #server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.#server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const got = { body, headers: request.headers };
        const index = this.received.push(got) - 1;
        const { status, headers, body: out } = this.answer(got, index);
        response.writeHead(status, headers).end(out ?? '');
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server?.closeAllConnections();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  json(): AlarmNotification[] {
    return this.received.map((r) => JSON.parse(r.body) as AlarmNotification);
  }
}

