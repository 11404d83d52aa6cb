import { createServer, type AddressInfo, type Server } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { TOPIC_ROOT } from '../../protocols/mqtt/topics.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { CloudConfig } from '../config.js';
import type { CloudBus } from '../events.js';
import type { CloudMetrics } from '../metrics.js';

export interface BrokerOptions {
  config: CloudConfig['mqtt'];
  bus: CloudBus;
  metrics: CloudMetrics;
  log: Logger;
  /**
   * Runs inside aedes' authorizePublish, i.e. BEFORE the PUBACK of a QoS 1 message: resolve once the
   * message is safe (journalled), reject to refuse it (no PUBACK; aedes closes the connection and the
   * client keeps the message for its next session).
   */
  publishGate?: (topic: string, payload: Buffer) => Promise<void>;
}

/** The embedded MQTT broker (aedes) on TCP and on WebSocket, with optional username/password auth. */
export class BrokerPart implements Part {
  readonly name = 'broker';
  aedes: Aedes | undefined;
  #tcp: Server | undefined;
  #ws: WebSocketServer | undefined;
  /** Bound addresses after start, e.g. `mqtt://127.0.0.1:1883` and `ws://127.0.0.1:8883`. */
  mqttUrl = '';
  wsUrl = '';
  port = 0;
  wsPort = 0;
  readonly clients = new Map<string, { username?: string; connectedAt: number }>();
  readonly #usernames = new WeakMap<Client, string>();

  constructor(private readonly options: BrokerOptions) {}

  async start(): Promise<void> {
    const { config, log } = this.options;
    const aedes = await Aedes.createBroker({
      authenticate: (client, username, password, done) => this.#authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => {
        if (this.#readOnly(client)) {
          log.warn({ clientId: client?.id, topic: packet.topic }, 'PUBLISH refused: read-only (dashboard) user');
          return done(new Error('read-only user may not publish'));
        }
        const gate = this.options.publishGate;
        if (!gate || packet.topic.startsWith('$SYS/')) return done(null);
        const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
        gate(packet.topic, payload).then(
          () => done(null),
          (error: Error) => {
            log.warn({ topic: packet.topic, err: error.message }, 'PUBLISH refused (not acknowledged)');
            done(error);
          },
        );
      },
      authorizeSubscribe: (client, subscription, done) => {
        if (!this.#readOnly(client) || subscription.topic.startsWith(`${TOPIC_ROOT}/`)) return done(null, subscription);
        log.warn({ clientId: client?.id, topic: subscription.topic }, 'SUBSCRIBE refused: read-only (dashboard) user');
        done(null, null);
      },
    });
    this.aedes = aedes;
    this.#wireEvents(aedes);

    const tcp = createServer((socket) => aedes.handle(socket));
    this.#tcp = tcp;
    await listen(tcp, config.port, config.host);
    this.port = (tcp.address() as AddressInfo).port;
    this.mqttUrl = `mqtt://${config.host}:${this.port}`;

    const wss = new WebSocketServer({ host: config.host, port: config.wsPort });
    this.#ws = wss;
    await new Promise<void>((resolve, reject) => {
      wss.once('listening', resolve);
      wss.once('error', reject);
    });
    wss.on('connection', (socket, request) => {
      const stream = createWebSocketStream(socket);
      stream.on('error', (error) => log.debug({ err: error.message }, 'websocket stream error'));
      aedes.handle(stream, request);
    });
    this.wsPort = (wss.address() as AddressInfo).port;
    this.wsUrl = `ws://${config.host}:${this.wsPort}`;
    log.info({ mqtt: this.mqttUrl, ws: this.wsUrl, auth: config.users.length > 0 }, 'MQTT broker listening');
  }

  async stop(): Promise<void> {
    const tcpClosed = this.#tcp ? new Promise<void>((resolve) => this.#tcp!.close(() => resolve())) : Promise.resolve();
    const wsClosed = this.#ws ? new Promise<void>((resolve) => this.#ws!.close(() => resolve())) : Promise.resolve();
    if (this.aedes) await new Promise<void>((resolve) => this.aedes!.close(() => resolve()));
    for (const socket of this.#ws?.clients ?? []) socket.terminate();
    await Promise.all([tcpClosed, wsClosed]);
    this.aedes = this.#tcp = this.#ws = undefined;
  }

  /** Clients logged in with a `dashboard` role user (only when users are configured). */
  #readOnly(client: Client | null): boolean {
    const username = client ? this.#usernames.get(client) : undefined;
    if (username === undefined) return false;
    return this.options.config.users.some((user) => user.username === username && user.role === 'dashboard');
  }

  #authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    if (username) this.#usernames.set(client, username);
    const users = this.options.config.users;
    if (users.length === 0) return done(null, true);
    const user = users.find((candidate) => candidate.username === username);
    const given = password ?? Buffer.alloc(0);
    const expected = Buffer.from(user?.password ?? '');
    const ok = user !== undefined && given.length === expected.length && timingSafeEqual(given, expected);
    if (ok) return done(null, true);
    this.options.log.warn({ clientId: client.id, username }, 'MQTT login refused');
    const error = new Error('bad username or password') as AuthenticateError;
    error.returnCode = 4;
    done(error, false);
  }

  #wireEvents(aedes: Aedes): void {
    const { bus, metrics, log } = this.options;
    aedes.on('client', (client) => {
      const username = this.#usernames.get(client);
      this.clients.set(client.id, { username, connectedAt: Date.now() });
      metrics.mqttClients.set(this.clients.size);
      bus.emit('clientConnected', { clientId: client.id, username });
    });
    aedes.on('clientDisconnect', (client) => {
      const known = this.clients.get(client.id);
      this.clients.delete(client.id);
      metrics.mqttClients.set(this.clients.size);
      bus.emit('clientDisconnected', { clientId: client.id, username: known?.username });
    });
    aedes.on('clientError', (client, error) => log.debug({ clientId: client.id, err: error.message }, 'MQTT client error'));
    aedes.on('publish', (packet, client) => {
      if (packet.topic.startsWith('$SYS/')) return;
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      bus.emit('mqttPublished', { topic: packet.topic, payload, clientId: client?.id, retain: packet.retain, receivedAt: Date.now() });
    });
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
