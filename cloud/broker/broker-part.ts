import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Aedes, type AuthenticateError, type Client, type ConnectPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { CloudConfig } from '../config.js';
import type { CloudBus } from '../events.js';
import type { CloudMetrics } from '../metrics.js';
import { MqttAcl, type AclDecision, type MqttDeniedReason } from './acl.js';

/** Bound on the clients remembered for log-once; beyond it the memory starts over (a few repeated lines). */
const NOTED_CLIENTS_MAX = 10_000;

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
  /** Certificate and key (PEM): MQTT over TLS (`mqtts://`) and secure WebSocket (`wss://`). */
  tls?: { cert: Buffer; key: Buffer };
}

/**
 * The embedded MQTT broker (aedes) on TCP and on WebSocket, with optional username/password auth and, when users
 * are configured, a topic ACL per user (`acl.ts`: edges publish only on their own edge topics, dashboards only read).
 */
export class BrokerPart implements Part {
  readonly name = 'broker';
  aedes: Aedes | undefined;
  #tcp: Server | undefined;
  #ws: WebSocketServer | undefined;
  #wsServer: Server | undefined;
  /** Bound addresses after start, e.g. `mqtt://127.0.0.1:1883` and `ws://127.0.0.1:8883`. */
  mqttUrl = '';
  wsUrl = '';
  port = 0;
  wsPort = 0;
  readonly clients = new Map<string, { username?: string; connectedAt: number }>();
  readonly #usernames = new WeakMap<Client, string>();
  /** The last will of each CONNECT, kept from preConnect until authenticate checks it against the ACL. */
  readonly #wills = new WeakMap<Client, ConnectPacket['will']>();
  /** `clientId|reason` already logged at warn: a refused edge reconnects and retries, one line is enough. */
  readonly #noted = new Set<string>();
  readonly acl: MqttAcl;

  /** Throws on inconsistent `users` (duplicate names, edgeIds on a dashboard user). */
  constructor(private readonly options: BrokerOptions) {
    this.acl = new MqttAcl(options.config.users);
  }

  async start(): Promise<void> {
    const { config, log } = this.options;
    const aedes = await Aedes.createBroker({
      preConnect: (client, packet, done) => {
        this.#wills.set(client, packet.will);
        done(null, true);
      },
      authenticate: (client, username, password, done) =>
        this.#authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => {
        // client null: a will the broker publishes for a client that is gone (cluster persistence); checked at CONNECT.
        if (client) {
          const decision = this.acl.publish(this.#usernames.get(client), packet.topic);
          if (!decision.allowed) {
            this.#deny(client, decision, packet.topic);
            return done(new Error(decision.message));
          }
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
        const decision = this.acl.subscribe(
          client ? this.#usernames.get(client) : undefined,
          subscription.topic,
        );
        if (decision.allowed) return done(null, subscription);
        this.#deny(client, decision, subscription.topic);
        done(null, null); // SUBACK return code 128 for this filter; the connection stays
      },
    });
    this.aedes = aedes;
    this.#wireEvents(aedes);

    const { tls } = this.options;
    const tcp = tls
      ? createTlsServer(tls, (socket) => aedes.handle(socket))
      : createServer((socket) => aedes.handle(socket));
    if (tls) this.#countHandshakeErrors(tcp, 'mqtt');
    this.#tcp = tcp;
    await listen(tcp, config.port, config.host);
    this.port = (tcp.address() as AddressInfo).port;
    this.mqttUrl = `${tls ? 'mqtts' : 'mqtt'}://${config.host}:${this.port}`;

    // With TLS the WebSocket rides on an HTTPS server of its own; without, `ws` makes a plain HTTP one.
    const wsServer = tls ? createHttpsServer(tls) : undefined;
    if (wsServer) this.#countHandshakeErrors(wsServer, 'ws');
    this.#wsServer = wsServer;
    const wss = wsServer
      ? new WebSocketServer({ server: wsServer })
      : new WebSocketServer({ host: config.host, port: config.wsPort });
    this.#ws = wss;
    if (wsServer) {
      await listen(wsServer, config.wsPort, config.host);
    } else {
      await new Promise<void>((resolve, reject) => {
        wss.once('listening', resolve);
        wss.once('error', reject);
      });
    }
    wss.on('connection', (socket, request) => {
      const stream = createWebSocketStream(socket);
      stream.on('error', (error) => log.debug({ err: error.message }, 'websocket stream error'));
      aedes.handle(stream, request);
    });
    this.wsPort = ((wsServer ?? wss).address() as AddressInfo).port;
    this.wsUrl = `${tls ? 'wss' : 'ws'}://${config.host}:${this.wsPort}`;
    log.info(
      { mqtt: this.mqttUrl, ws: this.wsUrl, auth: !this.acl.anonymous, tls: tls !== undefined },
      'MQTT broker listening',
    );
    if (!tls && !isLoopback(config.host)) {
      log.warn(
        { host: config.host, mqtt: this.mqttUrl },
        'MQTT broker without TLS on a non-loopback address: passwords and telemetry cross the network in clear text. Set cloud.tls (cloud/README.md, Security) or use a VPN',
      );
    }
    if (this.acl.anonymous && !isLoopback(config.host)) {
      log.warn(
        { host: config.host, mqtt: this.mqttUrl, ws: this.wsUrl },
        'MQTT broker is ANONYMOUS on a non-loopback address: anyone who reaches it can publish as any edge and read everything. Configure cloud.mqtt.users (cloud/README.md, Security)',
      );
    }
  }

  async stop(): Promise<void> {
    const tcpClosed = this.#tcp
      ? new Promise<void>((resolve) => this.#tcp!.close(() => resolve()))
      : Promise.resolve();
    const wsClosed = this.#ws
      ? new Promise<void>((resolve) => this.#ws!.close(() => resolve()))
      : Promise.resolve();
    const wsServerClosed = this.#wsServer
      ? new Promise<void>((resolve) => this.#wsServer!.close(() => resolve()))
      : Promise.resolve();
    if (this.aedes) await new Promise<void>((resolve) => this.aedes!.close(() => resolve()));
    for (const socket of this.#ws?.clients ?? []) socket.terminate();
    await Promise.all([tcpClosed, wsClosed, wsServerClosed]);
    this.aedes = this.#tcp = this.#ws = this.#wsServer = undefined;
  }

  /** A failed handshake is counted and logged once per remote address (then at debug): scanners retry a lot. */
  #countHandshakeErrors(server: Server, listener: 'mqtt' | 'ws'): void {
    server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      this.options.metrics.tlsHandshakeErrors.inc({ listener });
      const details = { listener, remote: socket.remoteAddress, err: error.message };
      if (this.#firstTime(`tls|${listener}|${socket.remoteAddress ?? ''}`))
        this.options.log.warn(details, 'TLS handshake failed (logged once per address)');
      else this.options.log.debug(details, 'TLS handshake failed');
    });
  }

  /** True the first time `key` is seen (bounded memory: beyond it, it starts over and a few lines repeat). */
  #firstTime(key: string): boolean {
    if (this.#noted.has(key)) return false;
    if (this.#noted.size >= NOTED_CLIENTS_MAX) this.#noted.clear();
    this.#noted.add(key);
    return true;
  }

  /** Counts a refusal and logs it at warn once per client id and reason (then at debug). */
  #deny(
    client: Client | null,
    decision: Extract<AclDecision, { allowed: false }>,
    topic: string | undefined,
  ): void {
    this.#count(decision.reason);
    const clientId = client?.id;
    const username = client ? this.#usernames.get(client) : undefined;
    const details = { clientId, username, topic, reason: decision.reason };
    if (this.#firstTime(`${clientId}|${decision.reason}`))
      this.options.log.warn(details, `MQTT refused: ${decision.message} (logged once per client)`);
    else this.options.log.debug(details, decision.message);
  }

  #count(reason: MqttDeniedReason): void {
    this.options.metrics.mqttDenied.inc({ reason });
  }

  #authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    if (username) this.#usernames.set(client, username);
    const will = this.#wills.get(client);
    this.#wills.delete(client);
    if (this.acl.anonymous) return done(null, true);
    const user = this.options.config.users.find((candidate) => candidate.username === username);
    if (!user || !samePassword(password ?? Buffer.alloc(0), user.password)) {
      this.#deny(
        client,
        { allowed: false, reason: 'bad_credentials', message: `login refused for user "${username ?? ''}"` },
        undefined,
      );
      return done(refusal('bad username or password', 4), false);
    }
    const identity = this.acl.clientId(username, client.id);
    if (!identity.allowed) {
      this.#deny(client, identity, undefined);
      return done(refusal(identity.message, 2), false);
    }
    if (will) {
      const decision = this.acl.publish(username, will.topic, { will: true });
      if (!decision.allowed) {
        this.#deny(client, decision, will.topic);
        return done(refusal(decision.message, 5), false);
      }
    }
    done(null, true);
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
    aedes.on('clientError', (client, error) =>
      log.debug({ clientId: client.id, err: error.message }, 'MQTT client error'),
    );
    aedes.on('publish', (packet, client) => {
      if (packet.topic.startsWith('$SYS/')) return;
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      bus.emit('mqttPublished', {
        topic: packet.topic,
        payload,
        clientId: client?.id,
        retain: packet.retain,
        receivedAt: Date.now(),
      });
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

/** Constant time in the password's content: both sides hashed to the same length first. */
function samePassword(given: Buffer, expected: string): boolean {
  const digest = (value: Buffer | string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** CONNACK return code 4 (bad user name or password) or 5 (not authorized). */
function refusal(message: string, returnCode: 2 | 4 | 5): AuthenticateError {
  const error = new Error(message) as AuthenticateError;
  error.returnCode = returnCode;
  return error;
}

/** True when the listeners bind to a loopback address only (no other machine can connect). */
export function isLoopback(host: string): boolean {
  const normalized = host.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    normalized === 'localhost' ||
    normalized === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(normalized) ||
    /^::ffff:127\./.test(normalized)
  );
}
