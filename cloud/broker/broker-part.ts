import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Aedes, type AuthenticateError, type Client, type ConnectPacket, type PublishPacket } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { BurstLog, clipForLog } from '../../runtime/log-limits.js';
import { delay, LoginGuard } from '../../runtime/login-guard.js';
import { withDeadline } from '../../runtime/deadline.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { CloudConfig } from '../config.js';
import type { CloudBus } from '../events.js';
import type { CloudMetrics } from '../metrics.js';
import { MqttAcl, type AclDecision, type MqttDeniedReason } from './acl.js';
import { limitPacketSize, PublishRateLimiter, RetainedLedger } from './limits.js';

/** Bound on the clients remembered for log-once; beyond it the memory starts over (a few repeated lines). */
const NOTED_CLIENTS_MAX = 10_000;
/** Refusals of one kind from one client (or address) log once per this window, then one line with the count. */
const DENIED_LOG_WINDOW_MS = 60_000;

/** How long a clustered broker's stop waits for its Redis emitter to close (see #closeAedes). */
const CLUSTER_CLOSE_WAIT_MS = 3000;

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
  /** Whether a retained PUBLISH may be kept (its payload is valid); otherwise it is delivered, not retained. */
  retainable?: (topic: string, payload: Buffer) => boolean;
  /** Certificate and key (PEM): MQTT over TLS (`mqtts://`) and secure WebSocket (`wss://`). */
  tls?: { cert: Buffer; key: Buffer; handshakeTimeout?: number };
  /** Cluster mode (cloud/cluster): read at start; absent = aedes' in-memory emitter and persistence. */
  cluster?: () => BrokerBackend | undefined;
  /**
   * Cluster mode: topic filters whose messages from other instances' clients are emitted here too (`remote`), and
   * whose retained messages in the shared persistence are emitted so at start.
   */
  remoteFilters?: string[];
}

/** An aedes node of a cluster: its broker id, the shared emitter (mqemitter) and persistence (aedes-persistence). */
export interface BrokerBackend {
  id: string;
  mq: unknown;
  persistence: unknown;
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
  /** `tls|listener|address` already logged at warn. */
  readonly #noted = new Set<string>();
  readonly #deniedLog: BurstLog;
  readonly acl: MqttAcl;
  readonly #logins: LoginGuard;
  readonly #retained: RetainedLedger;
  readonly #rate: PublishRateLimiter;

  /** Throws on inconsistent `users` (duplicate names, edgeIds on a dashboard user). */
  constructor(private readonly options: BrokerOptions) {
    const { limits } = options.config;
    this.acl = new MqttAcl(options.config.users);
    this.#logins = new LoginGuard(limits.logins);
    this.#retained = new RetainedLedger(limits);
    this.#rate = new PublishRateLimiter(limits.publishesPerSecond, limits.publishBurst);
    this.#deniedLog = new BurstLog(options.log, { windowMs: DENIED_LOG_WINDOW_MS });
  }

  async start(): Promise<void> {
    const { config, log } = this.options;
    const cluster = this.options.cluster?.();
    const aedes = await Aedes.createBroker({
      ...(cluster ? { id: cluster.id, mq: cluster.mq, persistence: cluster.persistence } : {}),
      preConnect: (client, packet, done) => {
        this.#wills.set(client, packet.will);
        done(null, true);
      },
      authenticate: (client, username, password, done) =>
        this.#authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.#authorizePublish(client, packet, done),
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
    if (cluster) await this.#hearOtherInstances(aedes, cluster);

    const { tls } = this.options;
    const handle = (stream: Duplex, request?: Parameters<Aedes['handle']>[1]) => {
      const client = aedes.handle(stream, request);
      this.#limitPacketSize(client, stream);
    };
    const tcp = tls
      ? createTlsServer(tls, (socket) => handle(socket))
      : createServer((socket) => handle(socket));
    if (tls) this.#countHandshakeErrors(tcp, 'mqtt');
    this.#tcp = tcp;
    await listen(tcp, config.port, config.host);
    this.port = (tcp.address() as AddressInfo).port;
    this.mqttUrl = `${tls ? 'mqtts' : 'mqtt'}://${config.host}:${this.port}`;

    // With TLS the WebSocket rides on an HTTPS server of its own; without, `ws` makes a plain HTTP one.
    const wsServer = tls ? createHttpsServer(tls) : undefined;
    if (wsServer) this.#countHandshakeErrors(wsServer, 'ws');
    this.#wsServer = wsServer;
    // A WebSocket message carries one MQTT packet or a part of one; the packet guard checks the MQTT size itself.
    const maxPayload = config.limits.maxPacketBytes;
    const wss = wsServer
      ? new WebSocketServer({ server: wsServer, maxPayload })
      : new WebSocketServer({ host: config.host, port: config.wsPort, maxPayload });
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
      handle(stream, request);
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
    if (this.aedes) await this.#closeAedes(this.aedes);
    for (const socket of this.#ws?.clients ?? []) socket.terminate();
    await Promise.all([tcpClosed, wsClosed, wsServerClosed]);
    this.#deniedLog.flush();
    this.aedes = this.#tcp = this.#ws = this.#wsServer = undefined;
  }

  /**
   * Closes every client, then aedes' emitter. In a cluster the emitter's Redis connections end only once Redis
   * answers their QUIT: with Redis gone (Ctrl-C reaches every process of the demo at once, or Redis died) that
   * would hold the stop for ever, so it waits a bounded time; the cluster feature, stopped after the broker,
   * then drops those connections.
   */
  async #closeAedes(aedes: Aedes): Promise<void> {
    const closed = new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (!this.options.cluster?.()) return closed;
    await withDeadline(closed, CLUSTER_CLOSE_WAIT_MS, "the broker's Redis emitter to close").catch(
      (error: Error) =>
        this.options.log.warn(
          { err: error.message },
          'is Redis away? the broker stops without closing its emitter',
        ),
    );
  }

  /** A failed handshake is counted and logged once per remote address (then at debug): scanners retry a lot. */
  #countHandshakeErrors(server: Server, listener: 'mqtt' | 'ws'): void {
    server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
      this.options.metrics.tlsHandshakeErrors.inc({ listener });
      const details = { listener, remote: socket.remoteAddress, err: error.message };
      if (this.#firstTime(`tls|${listener}|${socket.remoteAddress ?? ''}`))
        this.options.log.warn(details, 'TLS handshake failed (logged once per address)');
      else this.options.log.debug(details, 'TLS handshake failed');
      socket.destroy(); // a plain tls.Server leaves the socket open after a handshake timeout
    });
  }

  /** True the first time `key` is seen (bounded memory: beyond it, it starts over and a few lines repeat). */
  #firstTime(key: string): boolean {
    if (this.#noted.has(key)) return false;
    if (this.#noted.size >= NOTED_CLIENTS_MAX) this.#noted.clear();
    this.#noted.add(key);
    return true;
  }

  /**
   * Counts a refusal and logs it at warn once per burst of the same reason from the same client id (logins: the
   * same address, since a guesser may change its client id every time), then one line with how many more.
   */
  #deny(
    client: Client | null,
    decision: Extract<AclDecision, { allowed: false }>,
    topic: string | undefined,
  ): void {
    this.#count(decision.reason);
    const clientId = client?.id === undefined ? undefined : clipForLog(client.id);
    const username = client ? this.#usernames.get(client) : undefined;
    const address = client ? remoteAddress(client) : undefined;
    const details = {
      clientId,
      username: username === undefined ? undefined : clipForLog(username),
      address,
      topic: topic === undefined ? undefined : clipForLog(topic),
      reason: decision.reason,
    };
    const byAddress = decision.reason === 'bad_credentials' || decision.reason === 'locked_out';
    const key = `${decision.reason}|${byAddress ? address : client?.id}`;
    this.#deniedLog.warn(key, details, `MQTT refused: ${clipForLog(decision.message, 500)}`);
  }

  #authorizePublish(
    client: Client | null,
    packet: PublishPacket,
    done: (error?: Error | null) => void,
  ): void {
    // client null: a will the broker publishes for a client that is gone (cluster persistence); checked at CONNECT.
    if (client) {
      const decision = this.acl.publish(this.#usernames.get(client), packet.topic);
      if (!decision.allowed) {
        this.#deny(client, decision, packet.topic);
        return done(new Error(decision.message));
      }
      if (packet.retain) {
        const refusal = this.#admitRetained(client, packet);
        if (refusal) {
          this.#deny(client, refusal, packet.topic);
          return done(new Error(refusal.message));
        }
      }
      const waitMs = this.#rate.delayMs(client.id);
      if (waitMs > 0) {
        this.options.metrics.mqttThrottled.inc();
        setTimeout(() => this.#passGate(packet, done), waitMs);
        return;
      }
    }
    this.#passGate(packet, done);
  }

  #passGate(packet: PublishPacket, done: (error?: Error | null) => void): void {
    const gate = this.options.publishGate;
    if (!gate || packet.topic.startsWith('$SYS/')) return done(null);
    gate(packet.topic, payloadOf(packet)).then(
      () => done(null),
      (error: Error) => {
        this.options.log.warn(
          { topic: clipForLog(packet.topic), err: error.message },
          'PUBLISH refused (not acknowledged)',
        );
        done(error);
      },
    );
  }

  /**
   * An invalid payload is delivered but not retained (the broker would hand it to every new subscriber); a valid
   * one must fit the retained limits, else it is refused.
   */
  #admitRetained(
    client: Client,
    packet: PublishPacket,
  ): Extract<AclDecision, { allowed: false }> | undefined {
    const payload = payloadOf(packet);
    if (this.options.retainable && !this.options.retainable(packet.topic, payload)) {
      packet.retain = false;
      this.options.metrics.retainDropped.inc({ reason: 'invalid' });
      return undefined;
    }
    const username = this.#usernames.get(client);
    const owner = username !== undefined && !this.acl.anonymous ? `user ${username}` : `client ${client.id}`;
    const verdict = this.#retained.admit(owner, packet.topic, payload.length);
    this.options.metrics.retainedMessages.set(this.#retained.count);
    this.options.metrics.retainedBytes.set(this.#retained.bytes);
    return verdict.ok
      ? undefined
      : { allowed: false, reason: 'retained_limit', message: `retained message refused: ${verdict.message}` };
  }

  /** Closes a connection at the header of a packet larger than the limit, before aedes buffers its body. */
  #limitPacketSize(client: Client, stream: Duplex): void {
    const max = this.options.config.limits.maxPacketBytes;
    limitPacketSize(stream, max, (packetBytes) => {
      this.#deny(
        client,
        {
          allowed: false,
          reason: 'packet_too_large',
          message: `packet of ${packetBytes} bytes, the limit is ${max}`,
        },
        undefined,
      );
    });
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
    if (!this.acl.anonymous) {
      const subject = { username: username ?? '', address: remoteAddress(client) ?? 'unknown' };
      const lockout = this.#logins.state(subject);
      if (lockout.locked) {
        const seconds = Math.ceil(lockout.retryAfterMs / 1000);
        this.#deny(
          client,
          {
            allowed: false,
            reason: 'locked_out',
            message: `login of "${subject.username}" from ${subject.address} refused: ${lockout.by} locked out for ${seconds} s more after too many failed logins`,
          },
          undefined,
        );
        return done(refusal('locked out after too many failed logins', 5), false);
      }
      const user = this.options.config.users.find((candidate) => candidate.username === username);
      if (!user || !samePassword(password ?? Buffer.alloc(0), user.password)) {
        this.#deny(
          client,
          {
            allowed: false,
            reason: 'bad_credentials',
            message: `login refused for user "${username ?? ''}"`,
          },
          undefined,
        );
        for (const by of this.#logins.fail(subject)) {
          this.options.metrics.loginLockouts.inc({ listener: 'mqtt', by });
          this.options.log.warn(
            {
              username: clipForLog(subject.username),
              address: subject.address,
              by,
              lockoutS: this.#logins.limits.lockoutS,
            },
            `MQTT ${by} locked out after too many failed logins`,
          );
        }
        void delay(this.#logins.limits.failureDelayMs).then(() =>
          done(refusal('bad username or password', 4), false),
        );
        return;
      }
      const identity = this.acl.clientId(username, client.id);
      if (!identity.allowed) {
        this.#deny(client, identity, undefined);
        return done(refusal(identity.message, 2), false);
      }
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

  /**
   * Messages other instances' clients publish on `remoteFilters` (presence, cameras, the rules' input), and before
   * them the retained ones already in the shared persistence (edges' status, cameras' inventory and status): what
   * this instance would have heard had it been running, so that a restarted instance knows every edge and camera at
   * once, not only those that publish again. Live messages that arrive while the retained ones are read wait behind
   * them: the newest state is emitted last.
   */
  async #hearOtherInstances(aedes: Aedes, cluster: BrokerBackend): Promise<void> {
    const { bus, log, remoteFilters = [] } = this.options;
    if (remoteFilters.length === 0) return;
    // aedes' types do not declare its emitter (`mq`), which it uses for every delivery and exposes.
    const { mq } = aedes as unknown as {
      mq: {
        on(
          topic: string,
          listener: (packet: EmittedPacket, done: () => void) => void,
          subscribed: () => void,
        ): void;
      };
    };
    const emit = (packet: EmittedPacket, retained: boolean) =>
      bus.emit('mqttPublished', {
        topic: packet.topic,
        payload: payloadOf(packet),
        retain: retained || packet.retain === true,
        receivedAt: Date.now(),
        remote: true,
      });
    let heldWhileReading: EmittedPacket[] | undefined = [];
    await Promise.all(
      remoteFilters.map(
        (filter) =>
          new Promise<void>((subscribed) =>
            mq.on(
              filter,
              (packet, done) => {
                if (packet.brokerId && packet.brokerId !== cluster.id) {
                  if (heldWhileReading) heldWhileReading.push(packet);
                  else emit(packet, false);
                }
                done();
              },
              subscribed,
            ),
          ),
      ),
    );
    let retained = 0;
    try {
      const persistence = cluster.persistence as RetainedSource;
      for await (const packet of persistence.createRetainedStreamCombi(remoteFilters)) {
        emit(packet, true);
        retained += 1;
      }
      log.info({ retained, filters: remoteFilters }, 'retained messages of the cluster read');
    } catch (error) {
      log.warn(
        { err: (error as Error).message, read: retained },
        'could not read the retained messages of the cluster: edges are known as they publish again',
      );
    }
    for (const packet of heldWhileReading) emit(packet, false);
    heldWhileReading = undefined;
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
      this.#rate.forget(client.id);
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
      bus.emit('mqttPublished', {
        topic: packet.topic,
        payload: payloadOf(packet),
        clientId: client?.id,
        retain: packet.retain,
        receivedAt: Date.now(),
      });
    });
  }
}

/** The part of an aedes persistence that reads retained messages (a stream of packets, async-iterable). */
interface RetainedSource {
  createRetainedStreamCombi(patterns: string[]): AsyncIterable<EmittedPacket>;
}

/** What aedes' emitter carries: the packet, with the id of the broker (instance) that received it. */
interface EmittedPacket {
  topic: string;
  payload: Buffer | string;
  retain?: boolean;
  brokerId?: string;
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

function payloadOf(packet: { payload: string | Buffer }): Buffer {
  return typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
}

/** The client's IP address: of its TCP socket, or of the HTTP request that opened its WebSocket. */
function remoteAddress(client: Client): string | undefined {
  return client.req?.socket.remoteAddress ?? (client.conn as { remoteAddress?: string }).remoteAddress;
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
