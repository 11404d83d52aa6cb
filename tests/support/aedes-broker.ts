import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AedesPublishPacket } from 'aedes';

export interface ReceivedPublish {
  topic: string;
  payload: Buffer;
  retain: boolean;
  qos: number;
  clientId: string | undefined;
}

/**
 * A real aedes broker on loopback TCP for edge tests (the cloud embeds its own). It records every client
 * publish in arrival order, and can be stopped and started again on the same port to play an outage.
 */
export class TestBroker {
  readonly received: ReceivedPublish[] = [];
  port = 0;
  #aedes: Aedes | undefined;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  get aedes(): Aedes {
    if (!this.#aedes) throw new Error('broker is stopped');
    return this.#aedes;
  }

  async start(): Promise<this> {
    const aedes = await Aedes.createBroker();
    aedes.on('publish', (packet: AedesPublishPacket, client) => {
      if (!client) return; // broker-internal ($SYS, will publishes have a client though)
      this.received.push({
        topic: packet.topic,
        payload: Buffer.from(packet.payload),
        retain: packet.retain,
        qos: packet.qos,
        clientId: client.id,
      });
    });
    const server = createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      aedes.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.port;
    this.#aedes = aedes;
    this.#server = server;
    return this;
  }

  /** Stops abruptly, as a crashed or unreachable cloud would: connections are cut, nothing is said. */
  async stop(): Promise<void> {
    const server = this.#server;
    const aedes = this.#aedes;
    this.#server = undefined;
    this.#aedes = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of this.#sockets) socket.destroy();
      await closed;
    }
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }

  /** The broker cuts one client off without a DISCONNECT from it: its last will is published. */
  cutClient(clientId: string): boolean {
    const clients = (this.aedes as unknown as { clients: Record<string, { close(): void } | undefined> })
      .clients;
    const client = clients[clientId];
    client?.close();
    return client !== undefined;
  }

  on(topicPrefix: string): ReceivedPublish[] {
    return this.received.filter((p) => p.topic.startsWith(topicPrefix));
  }
}

export async function startTestBroker(): Promise<TestBroker> {
  return new TestBroker().start();
}
