import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { WS_DISCOVERY, buildProbeMatch, parseProbe, type ProbeMatch } from '../../protocols/onvif/index.js';
import type { Logger } from '../../runtime/logger.js';

const MATCHING_TYPES = new Set(['NetworkVideoTransmitter', 'Device']);

/**
 * WS-Discovery responder for the simulated cameras of one simulator: answers Probe with one ProbeMatches
 * datagram per camera (node-onvif reads only one match per datagram), sent unicast to the prober.
 *
 * Multicast: binds UDP 3702 with address reuse (several simulators, and real tools, share the port) and
 * joins 239.255.255.250 on the default interface AND on loopback. A probe sent through the default route
 * (a normal host) is looped back on that interface; in a network namespace with only `lo` and
 * `ip route add 239.0.0.0/8 dev lo` it arrives on loopback. A second socket on an ephemeral loopback port
 * (`unicastPort`) answers directed probes only for this simulator, which tests use when the host has no
 * multicast route.
 */
export class DiscoveryResponder {
  #multicast: Socket | undefined;
  #unicast: Socket | undefined;
  unicastPort = 0;
  multicastJoined = false;

  constructor(
    private readonly matches: () => ProbeMatch[],
    private readonly log: Logger,
    private readonly host = '127.0.0.1',
  ) {}

  async start(): Promise<void> {
    this.#unicast = await this.#bind(this.host, 0, false);
    this.unicastPort = (this.#unicast.address() as AddressInfo).port;
    try {
      this.#multicast = await this.#bind(undefined, WS_DISCOVERY.port, true);
    } catch (error) {
      this.log.warn(
        { err: error },
        `cannot bind UDP ${WS_DISCOVERY.port}: multicast discovery off, unicast only`,
      );
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      [this.#multicast, this.#unicast].map(
        (s) => s && new Promise<void>((resolve) => s.close(() => resolve())),
      ),
    );
    this.#multicast = this.#unicast = undefined;
  }

  #bind(address: string | undefined, port: number, multicast: boolean): Promise<Socket> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('message', (message, peer) => this.#onProbe(socket, message, peer));
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ port, address }, () => {
        socket.off('error', reject);
        socket.on('error', (error) => this.log.warn({ err: error }, 'ws-discovery socket error'));
        if (multicast) this.#join(socket);
        resolve(socket);
      });
    });
  }

  #join(socket: Socket): void {
    for (const iface of [undefined, '127.0.0.1']) {
      try {
        socket.addMembership(WS_DISCOVERY.multicastAddress, iface);
        this.multicastJoined = true;
      } catch (error) {
        this.log.debug(
          { iface: iface ?? 'default', err: error },
          'cannot join the WS-Discovery group on this interface',
        );
      }
    }
  }

  #onProbe(socket: Socket, message: Buffer, peer: RemoteInfo): void {
    const probe = parseProbe(message.toString('utf8'));
    if (!probe) return;
    if (probe.types.length > 0 && !probe.types.some((t) => MATCHING_TYPES.has(t))) return;
    for (const match of this.matches()) {
      const reply = Buffer.from(buildProbeMatch(probe.messageId, match), 'utf8');
      socket.send(reply, peer.port, peer.address, (error) => {
        if (error)
          this.log.debug({ err: error, peer: `${peer.address}:${peer.port}` }, 'probe match not sent');
      });
    }
  }
}
