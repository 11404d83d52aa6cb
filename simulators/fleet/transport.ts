import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIPv6, type Socket } from 'node:net';

export interface Target {
  protocol: 'udp' | 'tcp';
  host: string;
  port: number;
}

/** Parses `host:port` (IPv6 as `[::1]:port`) from a command-line flag. */
export function parseHostPort(value: string, protocol: Target['protocol']): Target {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new Error(`expected host:port, got "${value}"`);
  return { protocol, host: match[1] ?? match[2]!, port };
}

/** Where the fleet's sentences go. `send` resolves once the lines were handed to the socket. */
export interface SentenceTransport {
  readonly ready: boolean;
  start(): Promise<void>;
  /** Sends lines (without terminators); false when not connected (nothing was sent). */
  send(lines: readonly string[]): Promise<boolean>;
  stop(): Promise<void>;
}

const MAX_DATAGRAM_BYTES = 1400;

/** UDP: several `\r\n`-terminated lines per datagram, up to about one Ethernet MTU, as receivers forward them. */
export class UdpTransport implements SentenceTransport {
  #socket: UdpSocket | undefined;
  datagrams = 0;

  constructor(private readonly target: Target) {}

  get ready(): boolean {
    return this.#socket !== undefined;
  }

  async start(): Promise<void> {
    const socket = createSocket(isIPv6(this.target.host) ? 'udp6' : 'udp4');
    socket.on('error', () => undefined); // ICMP port unreachable on loopback: UDP does not care
    this.#socket = socket;
  }

  async send(lines: readonly string[]): Promise<boolean> {
    const socket = this.#socket;
    if (!socket) return false;
    let datagram = '';
    for (const line of lines) {
      const framed = `${line}\r\n`;
      if (datagram.length > 0 && datagram.length + framed.length > MAX_DATAGRAM_BYTES) {
        await this.#sendDatagram(socket, datagram);
        datagram = '';
      }
      datagram += framed;
    }
    if (datagram.length > 0) await this.#sendDatagram(socket, datagram);
    return true;
  }

  #sendDatagram(socket: UdpSocket, datagram: string): Promise<void> {
    this.datagrams += 1;
    return new Promise((resolve) =>
      socket.send(datagram, this.target.port, this.target.host, () => resolve()),
    );
  }

  async stop(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/**
 * TCP client (the edge listens): reconnects with backoff when the edge is away. Lines offered while
 * disconnected are not sent, and `send` says so, so the fleet's report stays exact.
 */
export class TcpTransport implements SentenceTransport {
  #socket: Socket | undefined;
  #connected = false;
  #running = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryMs = 100;
  connects = 0;

  constructor(private readonly target: Target) {}

  get ready(): boolean {
    return this.#connected;
  }

  async start(): Promise<void> {
    this.#running = true;
    await new Promise<void>((resolve) => {
      this.#connect(resolve);
    });
  }

  /** Resolves after the first connection attempt, successful or not (the retries go on). */
  #connect(firstAttempt?: () => void): void {
    const socket = connect({ host: this.target.host, port: this.target.port });
    socket.setNoDelay(true);
    this.#socket = socket;
    socket.once('connect', () => {
      this.#connected = true;
      this.#retryMs = 100;
      this.connects += 1;
      firstAttempt?.();
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.#connected = false;
      firstAttempt?.();
      if (!this.#running) return;
      this.#retryTimer = setTimeout(() => this.#connect(), this.#retryMs);
      this.#retryMs = Math.min(2000, this.#retryMs * 2);
    });
  }

  async send(lines: readonly string[]): Promise<boolean> {
    const socket = this.#socket;
    if (!socket || !this.#connected) return false;
    const flushed = socket.write(lines.map((line) => `${line}\r\n`).join(''));
    if (!flushed)
      await new Promise<void>((resolve) =>
        socket.once('drain', () => resolve()).once('close', () => resolve()),
      );
    return true;
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#retryTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }
}

export function createTransport(target: Target): SentenceTransport {
  return target.protocol === 'udp' ? new UdpTransport(target) : new TcpTransport(target);
}
