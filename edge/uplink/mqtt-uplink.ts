import mqtt, { type MqttClient } from 'mqtt';
import type { Registry } from 'prom-client';
import type { EdgeStatus } from '../../protocols/mqtt/payloads.js';
import { edgeClientId, topics } from '../../protocols/mqtt/topics.js';
import type { Logger } from '../../runtime/logger.js';
import { Counter, Gauge } from '../../runtime/metrics.js';
import { backoffMs, settlesWithin, withEqualJitter } from '../../runtime/retry.js';
import type { Part } from '../../runtime/service.js';
import type { EdgeBus } from '../events.js';
import type { OutboxRecord } from '../outbox/outbox.js';

export interface UplinkOptions {
  edgeId: string;
  url: string;
  /** Brokers to try in turn (cloud instances of a cluster); when given, `url` is ignored. */
  urls?: string[];
  username?: string;
  password?: string;
  keepaliveS: number;
  connectTimeoutMs: number;
  reconnect: { minMs: number; maxMs: number };
  maxInFlight: number;
  /** Software version put into the birth message. */
  version?: string;
  /** For `mqtts://`: CA to trust instead of the system's, and the certificate name to check. */
  tls?: { ca?: Buffer; servername?: string };
}

/** The part of the outbox the uplink needs: it reads in order and acknowledges. */
export interface OutboxSource {
  pendingAfter(afterSeq: number, limit: number): OutboxRecord[];
  ack(seq: number): void;
}

export interface UplinkDeps {
  outbox: OutboxSource;
  bus: EdgeBus;
  log: Logger;
  registry: Registry;
}

const STOP_DRAIN_MS = 2000;

/**
 * MQTT link to the cloud. The disk outbox is the only store: the uplink publishes its records in order with
 * QoS 1, keeps at most `maxInFlight` unacknowledged, acks a record in the outbox on PUBACK, and after any
 * reconnect starts again from the oldest unacknowledged record. mqtt.js never queues anything while offline
 * (each connection is a fresh client with its own reconnect disabled; this part does the backoff).
 */
export class MqttUplink implements Part {
  readonly name = 'uplink';
  #client: MqttClient | undefined;
  #generation = 0;
  #attempt = 0;
  readonly #urls: string[];
  #urlIndex = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #running = false;
  #connected = false;
  #lastSentSeq = 0;
  readonly #inFlight = new Set<number>();
  readonly #statusTopic: string;
  readonly #metrics;
  #unsubscribe: (() => void) | undefined;
  /** Filters the edge listens to (desired state from the cloud), subscribed again on every connection. */
  readonly #subscriptions = new Map<string, (topic: string, payload: Buffer) => void>();
  readonly #stats = { connects: 0, disconnects: 0, published: 0 };
  #lastError: string | undefined;

  constructor(
    private readonly options: UplinkOptions,
    private readonly deps: UplinkDeps,
  ) {
    this.#urls = options.urls && options.urls.length > 0 ? options.urls : [options.url];
    this.#statusTopic = topics.edgeStatus(options.edgeId);
    this.#metrics = createUplinkMetrics(deps.registry, this);
  }

  /** The broker this uplink is connected to, or will try next. */
  get url(): string {
    return this.#urls[this.#urlIndex]!;
  }

  get connected(): boolean {
    return this.#connected;
  }

  get stats() {
    return {
      ...this.#stats,
      inFlight: this.#inFlight.size,
      connected: this.#connected,
      url: this.url,
      lastError: this.#lastError,
    };
  }

  /** Starts connecting and returns at once: the edge runs (and stores) while the cloud is unreachable. */
  async start(): Promise<void> {
    this.#running = true;
    this.#unsubscribe = this.deps.bus.on('outbox.appended', () => this.#pump());
    this.#connect();
  }

  /** Lets in-flight records finish (briefly), publishes the retained `offline` status, disconnects cleanly. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#unsubscribe?.();
    clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    if (this.#connected) {
      await this.#waitForDrain(STOP_DRAIN_MS);
      await settlesWithin(
        this.#publish(client, this.#statusTopic, this.#status('offline', 'shutdown'), true),
        STOP_DRAIN_MS,
      );
    }
    this.#generation += 1;
    this.#setConnected(false);
    const ended = await settlesWithin(
      new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
      STOP_DRAIN_MS,
    );
    if (!ended) client.stream?.destroy(); // the broker did not answer: cut the connection
  }

  /**
   * Publishes outside the outbox (health, retained state): QoS 1 when connected, nothing when not.
   * Resolves true once the broker acknowledged it.
   */
  async publishDirect(topic: string, payload: string | Buffer, retain = false): Promise<boolean> {
    const client = this.#client;
    if (!client || !this.#connected) return false;
    return this.#publish(client, topic, payload, retain).then(
      () => true,
      () => false,
    );
  }

  /**
   * Listens to `filter` (QoS 1) on this and every later connection (clean sessions: each connection subscribes
   * again, and the broker then hands over the retained messages). Returns the unsubscribe function.
   */
  subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): () => void {
    this.#subscriptions.set(filter, onMessage);
    const client = this.#client;
    if (client && this.#connected) this.#subscribeOn(client, [filter]);
    return () => {
      this.#subscriptions.delete(filter);
      if (this.#client && this.#connected) this.#client.unsubscribe(filter);
    };
  }

  #subscribeOn(client: MqttClient, filters: string[]): void {
    if (filters.length === 0) return;
    client.subscribe(filters, { qos: 1 }, (error, granted) => {
      const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
      if (error || refused.length)
        this.deps.log.error(
          { filters, refused, err: error?.message },
          'broker refused a subscription; desired settings from the cloud will not arrive (check the broker ACL)',
        );
    });
  }

  #dispatch(topic: string, payload: Buffer): void {
    for (const [filter, onMessage] of this.#subscriptions) {
      if (!topicMatches(filter, topic)) continue;
      try {
        onMessage(topic, payload);
      } catch (error) {
        this.deps.log.error({ topic, err: error }, 'handler of a subscribed message failed');
      }
    }
  }

  #connect(): void {
    if (!this.#running) return;
    const generation = ++this.#generation;
    const { edgeId, username, password, keepaliveS, connectTimeoutMs, tls } = this.options;
    const url = this.url;
    const client = mqtt.connect(url, {
      ...tls,
      rejectUnauthorized: true,
      clientId: edgeClientId(edgeId),
      clean: true,
      keepalive: keepaliveS,
      connectTimeout: connectTimeoutMs,
      reconnectPeriod: 0,
      queueQoSZero: false,
      protocolVersion: 4,
      username,
      password,
      will: {
        topic: this.#statusTopic,
        payload: Buffer.from(this.#status('offline', 'lost')),
        qos: 1,
        retain: true,
      },
    });
    this.#client = client;
    client.on('connect', () => {
      if (generation !== this.#generation) return;
      this.#attempt = 0;
      this.#stats.connects += 1;
      this.#lastError = undefined;
      this.#inFlight.clear();
      this.#lastSentSeq = 0; // resend everything not acknowledged, oldest first
      this.#setConnected(true);
      this.deps.log.info({ url }, 'uplink connected');
      this.#publish(client, this.#statusTopic, this.#status('online'), true).catch(() => undefined);
      this.#subscribeOn(client, [...this.#subscriptions.keys()]);
      this.#pump();
    });
    client.on('message', (topic, payload) => {
      if (generation === this.#generation) this.#dispatch(topic, payload);
    });
    client.on('error', (error) => {
      if (generation !== this.#generation) return;
      this.#lastError = error.message;
    });
    client.on('close', () => {
      if (generation !== this.#generation) return;
      this.#generation += 1; // late callbacks of this client are ignored from now on
      client.end(true);
      if (this.#connected) {
        this.#stats.disconnects += 1;
        this.deps.log.warn(
          { url, inFlight: this.#inFlight.size },
          'uplink lost the broker; records stay in the outbox',
        );
      }
      this.#inFlight.clear();
      this.#setConnected(false);
      this.#urlIndex = (this.#urlIndex + 1) % this.#urls.length; // a lost or refused broker: try the next
      this.#scheduleReconnect();
    });
  }

  #scheduleReconnect(): void {
    if (!this.#running) return;
    const { minMs, maxMs } = this.options.reconnect;
    this.#attempt += 1;
    // Several brokers: the backoff grows once per round over all of them, so a live one is reached quickly.
    const round = Math.ceil(this.#attempt / this.#urls.length);
    const delay = Math.round(withEqualJitter(backoffMs(round, minMs, maxMs)));
    this.deps.log.info(
      { attempt: this.#attempt, delayMs: delay, next: this.url, lastError: this.#lastError },
      'uplink reconnecting',
    );
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  #pump(): void {
    const client = this.#client;
    if (!client || !this.#connected) return;
    const generation = this.#generation;
    while (this.#inFlight.size < this.options.maxInFlight) {
      const records = this.deps.outbox.pendingAfter(
        this.#lastSentSeq,
        this.options.maxInFlight - this.#inFlight.size,
      );
      if (records.length === 0) return;
      for (const record of records) {
        this.#lastSentSeq = record.seq;
        this.#inFlight.add(record.seq);
        client.publish(record.topic, record.payload, { qos: 1 }, (error) => {
          if (generation !== this.#generation) return;
          this.#inFlight.delete(record.seq);
          if (error) {
            this.#lastError = error.message;
            return; // the connection is going down; the record is resent after the reconnect
          }
          this.deps.outbox.ack(record.seq);
          this.#stats.published += 1;
          this.#metrics.published.inc();
          this.#pump();
        });
      }
    }
  }

  async #waitForDrain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#inFlight.size > 0 && this.#connected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  #publish(client: MqttClient, topic: string, payload: string | Buffer, retain: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos: 1, retain }, (error) => (error ? reject(error) : resolve()));
    });
  }

  #status(state: EdgeStatus['state'], reason?: string): string {
    const status: EdgeStatus = { state, ts: Date.now() };
    if (this.options.version) status.version = this.options.version;
    if (reason) status.reason = reason;
    return JSON.stringify(status);
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    this.deps.bus.emit('uplink.state', { connected });
  }
}

/** MQTT filter matching: `+` one level, `#` the rest. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

function createUplinkMetrics(registry: Registry, uplink: MqttUplink) {
  new Gauge({
    name: 'lookout_edge_uplink_connected',
    help: '1 when the MQTT uplink is connected',
    registers: [registry],
    collect() {
      this.set(uplink.connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'lookout_edge_uplink_in_flight',
    help: 'Outbox records published and waiting for PUBACK',
    registers: [registry],
    collect() {
      this.set(uplink.stats.inFlight);
    },
  });
  new Counter({
    name: 'lookout_edge_uplink_connects_total',
    help: 'Successful MQTT connections',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(uplink.stats.connects);
    },
  });
  return {
    published: new Counter({
      name: 'lookout_edge_uplink_published_total',
      help: 'Outbox records acknowledged by the broker',
      registers: [registry],
    }),
  };
}
