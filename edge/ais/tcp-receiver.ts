import { createServer, type Server, type Socket } from 'node:net';
import type { Part } from '../../runtime/service.js';
import { AisReceiver } from './receiver-base.js';

/** AIS over TCP: the edge listens, shore receivers and VMS gateways connect and stream NMEA lines. */
export class TcpAisReceiver extends AisReceiver implements Part {
  readonly name = 'ais-tcp';
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  async start(): Promise<void> {
    const server = createServer((socket) => this.#accept(socket));
    server.on('error', (error) => this.log.error({ err: error }, 'AIS TCP server error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.options.port;
    this.log.info({ host: this.options.host, port: this.port }, 'AIS TCP listener ready');
  }

  #accept(socket: Socket): void {
    const source = `tcp ${socket.remoteAddress}:${socket.remotePort}`;
    const framer = this.framer('tcp', source);
    this.#sockets.add(socket);
    this.metrics.tcpConnections.inc();
    this.log.info({ source }, 'AIS TCP source connected');
    socket.on('data', (chunk) => {
      this.metrics.bytes.inc({ receiver: 'tcp' }, chunk.length);
      framer.push(chunk);
    });
    socket.on('end', () => framer.end());
    socket.on('error', (error) => this.log.warn({ source, err: error }, 'AIS TCP connection error'));
    socket.on('close', () => {
      this.#sockets.delete(socket);
      this.metrics.tcpConnections.dec();
      this.log.info({ source }, 'AIS TCP source disconnected');
    });
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}
