import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Part } from '../../runtime/service.js';
import { AisReceiver, type ReceiverDeps, type ReceiverOptions } from './receiver-base.js';

/** AIS over UDP: each datagram holds one or more NMEA lines (the last one may lack its newline). */
export class UdpAisReceiver extends AisReceiver implements Part {
  readonly name = 'ais-udp';
  #socket: Socket | undefined;

  constructor(options: ReceiverOptions & { receiveBufferBytes?: number }, deps: ReceiverDeps) {
    super(options, deps);
    this.#receiveBufferBytes = options.receiveBufferBytes;
  }

  readonly #receiveBufferBytes: number | undefined;

  async start(): Promise<void> {
    const socket = createSocket({
      type: isIPv6(this.options.host) ? 'udp6' : 'udp4',
      recvBufferSize: this.#receiveBufferBytes,
    });
    socket.on('message', (datagram, peer) => {
      this.metrics.bytes.inc({ receiver: 'udp' }, datagram.length);
      const framer = this.framer('udp', `udp ${peer.address}:${peer.port}`);
      framer.push(datagram);
      framer.end();
    });
    socket.on('error', (error) => this.log.error({ err: error }, 'AIS UDP socket error'));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port, this.options.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.#socket = socket;
    this.port = socket.address().port;
    this.log.info(
      { host: this.options.host, port: this.port, receiveBufferBytes: socket.getRecvBufferSize() },
      'AIS UDP listener ready',
    );
  }

  async stop(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
