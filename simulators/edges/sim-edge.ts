import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { bearingAtFrameX } from '../../protocols/fire/camera-geometry.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { edgeClientId, topics } from '../../protocols/mqtt/topics.js';
import { backoffMs, settlesWithin, withEqualJitter } from '../../runtime/retry.js';
import type { Logger } from '../../runtime/logger.js';
import type { LonLat } from '../fleet/geography.js';
import type { Random } from '../fleet/random.js';
import type { EdgeIdentity } from './config.js';
import type { LatencyHistogram } from './latency.js';
import { poissonDelayMs } from './pacing.js';
import {
  fireAlertPayload,
  healthPayload,
  InvalidPayloadError,
  positionBatchPayload,
  SNAPSHOT_JPEG_BASE64,
  statusPayload,
} from './payloads.js';
import { SendQueue, type OutgoingMessage } from './send-queue.js';

/** Counters shared by all edges of a fleet (summed, cheap to read). */
export interface FleetCounters {
  connects: number;
  /** Connections after an edge's first one. */
  reconnects: number;
  /** Drops caused by churn (socket cut without DISCONNECT). */
  drops: number;
  /** Connections lost without a churn drop (broker closed it, network error, refused publish). */
  lost: number;
  /** CONNACK refusals: client id not allowed (2), bad credentials (4) or not authorized (5). */
  refused: number;
  /** Connection errors and failed publishes. */
  errors: number;
  /** Payloads that failed their own schema and were not sent. */
  invalid: number;
  /** Acknowledged messages (PUBACK) by kind. */
  messages: { positions: number; health: number; status: number; alerts: number };
  positions: { generated: number; acked: number; dropped: number; resent: number };
  fires: number;
  /** Per broker URL, in the fleet's `urls` order. */
  brokers: BrokerCounters[];
}

export interface BrokerCounters {
  connects: number;
  /** Positions acknowledged (PUBACK) by this broker. */
  positionsAcked: number;
}

export function emptyCounters(brokers = 1): FleetCounters {
  return {
    connects: 0,
    reconnects: 0,
    drops: 0,
    lost: 0,
    refused: 0,
    errors: 0,
    invalid: 0,
    messages: { positions: 0, health: 0, status: 0, alerts: 0 },
    positions: { generated: 0, acked: 0, dropped: 0, resent: 0 },
    fires: 0,
    brokers: Array.from({ length: brokers }, () => ({ connects: 0, positionsAcked: 0 })),
  };
}

export interface SimEdgeOptions {
  identity: EdgeIdentity;
  /** The fleet's brokers; the edge starts on `urls[firstUrl]` and moves on to the next (wrapping) on each close. */
  urls: readonly string[];
  firstUrl: number;
  version: string;
  keepaliveS: number;
  maxInFlight: number;
  queueMaxMessages: number;
  maxBatchPositions: number;
  batchIntervalMs: number;
  healthIntervalMs: number;
  fireAlertsPerHour: number;
  churn: { dropsPerHour: number; downMinS: number; downMaxS: number };
  /** Where the edge's cameras stand (fire alerts). */
  location: LonLat;
  random: Random;
  counters: FleetCounters;
  /** PUBACK latency, every histogram gets each sample (e.g. one per progress interval, one for the run). */
  latency: LatencyHistogram[];
  log: Logger;
  /** Called with the positions of each acknowledged batch (tests record what was delivered). */
  onPositionsAcked?: (edgeId: string, positions: readonly VesselPosition[]) => void;
  /** Opens one MQTT connection (default `mqtt.connect`; unit tests give a fake). */
  connect?: (url: string, options: IClientOptions) => MqttClient;
}

interface EdgeMessage extends OutgoingMessage {
  /** Kept only when someone listens to acknowledged positions. */
  list?: VesselPosition[];
}

interface OpenFire {
  alertId: string;
  cameraId: string;
  className: string;
  firstSeenTs: number;
  endAt: number;
}

/** Backoff after a lost or failed connection; it grows once per round over all the URLs (as the edge's uplink). */
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;
const STOP_WAIT_MS = 2000;
const CAMERAS = 3;

/**
 * One simulated edge gateway on its own MQTT connection, speaking the public protocol only: retained `online`
 * birth on every connect and an `offline`/`lost` last will, EdgeHealth while connected, position batches and
 * fire alerts through an in-memory queue (QoS 1, at most `maxInFlight` unacknowledged, sent in order after a
 * reconnect, messages that lost their connection before the PUBACK first). With several broker URLs it moves
 * on to the next one whenever a connection fails or drops.
 */
export class SimEdge {
  readonly edgeId: string;
  readonly queue: SendQueue<EdgeMessage>;
  /** Churn drops of this edge (each one must show in the cloud as `offline`/`lost`, then `online` again). */
  drops = 0;
  connects = 0;
  /** Set by `stop()`: the edge was down (dropped or lost) at that moment, so its last will was its goodbye. */
  stoppedWhileDown = false;
  /** Index in `urls` of the broker it connects to next (or is connected to). */
  #urlIndex: number;
  /** Index in `urls` of the broker of its last successful connection; -1 before the first. */
  #lastConnectedUrl = -1;
  /** Connected at least once to another broker than its first. */
  #moved = false;
  #client: MqttClient | undefined;
  #generation = 0;
  #connected = false;
  #started = false;
  #stopped = false;
  #dropsEnabled = true;
  #plannedDrop = false;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #startedAt = 0;
  #nextId = 0;
  #batchSeq = 0;
  #pending: VesselPosition[] = [];
  #pendingSince = 0;
  #heard = 0;
  #nextHealthAt = Infinity;
  #nextDropAt = Infinity;
  #nextFireAt = Infinity;
  #fireCount = 0;
  readonly #fires: OpenFire[] = [];
  readonly #inFlight = new Map<number, { message: EdgeMessage; sentAt: number }>();
  readonly #warned = new Set<string>();
  readonly #statusTopic: string;
  readonly #positionsTopic: string;
  readonly #alertTopic: string;

  constructor(private readonly options: SimEdgeOptions) {
    this.edgeId = options.identity.edgeId;
    if (options.urls.length === 0) throw new Error(`simulated edge ${this.edgeId}: no broker URL`);
    this.#urlIndex = options.firstUrl % options.urls.length;
    this.queue = new SendQueue(options.queueMaxMessages);
    this.#statusTopic = topics.edgeStatus(this.edgeId);
    this.#positionsTopic = topics.vesselPositions(this.edgeId);
    this.#alertTopic = topics.fireAlert(this.edgeId);
  }

  get connected(): boolean {
    return this.#connected;
  }

  get started(): boolean {
    return this.#started;
  }

  /** The broker it is connected to, or will try next. */
  get url(): string {
    return this.options.urls[this.#urlIndex]!;
  }

  /** Index in the fleet's `urls` of the broker of its last successful connection (-1: never connected). */
  get lastConnectedUrl(): number {
    return this.#lastConnectedUrl;
  }

  /** True once it has been connected to another broker than its first. */
  get moved(): boolean {
    return this.#moved;
  }

  /** Messages not yet acknowledged: queued, in flight, or positions waiting for their batch. */
  get undelivered(): number {
    return this.queue.length + this.#inFlight.size + (this.#pending.length > 0 ? 1 : 0);
  }

  /** Positions generated for this edge and not yet acknowledged (batching, queued, in flight). */
  get undeliveredPositions(): number {
    let inFlight = 0;
    for (const { message } of this.#inFlight.values()) inFlight += message.positions;
    return this.#pending.length + this.queue.positions + inFlight;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Boots the edge: connects (and reconnects on its own from now on). */
  start(nowMs: number): void {
    if (this.#started) return;
    this.#started = true;
    this.#startedAt = nowMs;
    const { healthIntervalMs, fireAlertsPerHour, random } = this.options;
    // Spread the health messages of many edges instead of all at the same tick.
    if (healthIntervalMs > 0) this.#nextHealthAt = nowMs + random.between(0.2, 1) * healthIntervalMs;
    this.#nextFireAt = nowMs + poissonDelayMs(random, fireAlertsPerHour);
    this.#connect();
  }

  /** A position this edge's receiver heard; it goes in the next batch. */
  addPosition(position: VesselPosition, nowMs: number): void {
    if (this.#pending.length === 0) this.#pendingSince = nowMs;
    this.#pending.push(position);
    this.#heard += 1;
    if (this.#pending.length >= this.options.maxBatchPositions) this.#flushBatch();
  }

  /** Periodic work, driven by the fleet's ticker: batches, health, fires, churn, sending. */
  tick(nowMs: number, active: boolean): void {
    if (!this.#started || this.#stopped) return;
    if (this.#pending.length > 0 && nowMs - this.#pendingSince >= this.options.batchIntervalMs)
      this.#flushBatch();
    if (active) {
      if (this.#connected && nowMs >= this.#nextHealthAt) {
        this.#nextHealthAt = Math.max(this.#nextHealthAt + this.options.healthIntervalMs, nowMs);
        this.#publishHealth(nowMs);
      }
      if (nowMs >= this.#nextFireAt) {
        this.#nextFireAt = nowMs + poissonDelayMs(this.options.random, this.options.fireAlertsPerHour);
        this.#startFire(nowMs);
      }
      if (this.#dropsEnabled && this.#connected && nowMs >= this.#nextDropAt) this.drop();
    }
    for (let i = this.#fires.length - 1; i >= 0; i--) if (nowMs >= this.#fires[i]!.endAt) this.#endFire(i);
    this.#pump();
  }

  /** Sends what waits in the batch and ends open fires now (the run is ending); no more churn. */
  wrapUp(): void {
    this.#dropsEnabled = false;
    if (this.#pending.length > 0) this.#flushBatch();
    for (let i = this.#fires.length - 1; i >= 0; i--) this.#endFire(i);
    this.#pump();
  }

  /** Churn: cuts the TCP connection without DISCONNECT, so the broker publishes the last will; reconnects later. */
  drop(): boolean {
    const client = this.#client;
    if (!client || !this.#connected) return false;
    this.#plannedDrop = true;
    this.#connected = false; // from now on: its 'close' comes a moment later
    this.drops += 1;
    this.options.counters.drops += 1;
    client.stream.destroy();
    return true;
  }

  /** Clean stop: retained `offline`/`shutdown` status, then DISCONNECT (no last will). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.stoppedWhileDown = this.connects > 0 && !this.#connected;
    clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    this.#client = undefined;
    if (!client) return;
    if (this.#connected) {
      const payload = this.#encode(() =>
        statusPayload('offline', Date.now(), this.options.version, 'shutdown'),
      );
      if (payload)
        await settlesWithin(
          this.#publishDirect(client, this.#statusTopic, payload, true, 'status'),
          STOP_WAIT_MS,
        );
    }
    this.#generation += 1;
    this.#connected = false;
    const ended = await settlesWithin(
      new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
      STOP_WAIT_MS,
    );
    if (!ended) client.end(true);
  }

  #connect(): void {
    if (this.#stopped) return;
    const generation = ++this.#generation;
    const { identity, keepaliveS, version, counters, log } = this.options;
    const urlIndex = this.#urlIndex;
    const url = this.url;
    const will = this.#encode(() => statusPayload('offline', Date.now(), version, 'lost'));
    const client = (this.options.connect ?? mqtt.connect)(url, {
      clientId: edgeClientId(identity.edgeId),
      clean: true,
      keepalive: keepaliveS,
      connectTimeout: 10_000,
      reconnectPeriod: 0,
      queueQoSZero: false,
      protocolVersion: 4,
      username: identity.username,
      password: identity.password,
      will: will ? { topic: this.#statusTopic, payload: will, qos: 1, retain: true } : undefined,
    });
    this.#client = client;
    client.on('connect', () => {
      if (generation !== this.#generation) return;
      this.#connected = true;
      this.#attempt = 0;
      this.#lastConnectedUrl = urlIndex;
      if (urlIndex !== this.options.firstUrl % this.options.urls.length) this.#moved = true;
      this.connects += 1;
      counters.connects += 1;
      counters.brokers[urlIndex]!.connects += 1;
      if (this.connects > 1) counters.reconnects += 1;
      const birth = this.#encode(() => statusPayload('online', Date.now(), version));
      if (birth) this.#publishDirect(client, this.#statusTopic, birth, true, 'status').catch(() => undefined);
      this.#nextDropAt = Date.now() + poissonDelayMs(this.options.random, this.options.churn.dropsPerHour);
      this.#pump();
    });
    client.on('error', (error: Error & { code?: number | string }) => {
      if (generation !== this.#generation) return;
      if (error.code === 4 || error.code === 5) {
        counters.refused += 1;
        this.#warnOnce(
          'refused',
          { err: error.message, username: identity.username },
          'simulated edge: the broker refused the login',
        );
      } else {
        counters.errors += 1;
        this.#warnOnce('error', { err: error.message, url }, 'simulated edge: connection error');
      }
    });
    client.on('close', () => {
      if (generation !== this.#generation) return;
      this.#generation += 1; // late callbacks of this connection are ignored from now on
      client.end(true);
      const wasConnected = this.#connected;
      this.#connected = false;
      this.#requeueInFlight();
      if (this.#stopped) return;
      // A lost, refused or dropped connection: the next broker in the list (as the edge's uplink does).
      const urls = this.options.urls;
      this.#urlIndex = (this.#urlIndex + 1) % urls.length;
      let delay: number;
      if (this.#plannedDrop) {
        this.#plannedDrop = false;
        const { downMinS, downMaxS } = this.options.churn;
        delay = this.options.random.between(downMinS, Math.max(downMinS, downMaxS)) * 1000;
      } else {
        if (wasConnected) counters.lost += 1;
        this.#attempt += 1;
        const round = Math.ceil(this.#attempt / urls.length);
        delay = withEqualJitter(backoffMs(round, RECONNECT_MIN_MS, RECONNECT_MAX_MS), () =>
          this.options.random.next(),
        );
        log.debug(
          { edgeId: this.edgeId, delayMs: Math.round(delay), lost: url, next: this.url },
          'simulated edge: reconnecting',
        );
      }
      this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
    });
  }

  /** Messages published on a connection that went down before their PUBACK go first again (at least once). */
  #requeueInFlight(): void {
    if (this.#inFlight.size === 0) return;
    const messages = [...this.#inFlight.values()].map((entry) => entry.message);
    this.#inFlight.clear();
    for (const message of messages) this.options.counters.positions.resent += message.positions;
    this.queue.requeue(messages);
  }

  #pump(): void {
    const client = this.#client;
    if (!client || !this.#connected) return;
    const generation = this.#generation;
    const broker = this.options.counters.brokers[this.#urlIndex]!;
    const { counters, maxInFlight } = this.options;
    while (this.#inFlight.size < maxInFlight) {
      const message = this.queue.shift();
      if (!message) return;
      const id = this.#nextId++;
      const sentAt = performance.now();
      this.#inFlight.set(id, { message, sentAt });
      client.publish(message.topic, message.payload, { qos: 1 }, (error) => {
        if (generation !== this.#generation) return; // requeued when the connection closed
        if (error) {
          // Not acknowledged on a connection that is going down: the message stays in flight, and the 'close'
          // puts every in-flight message back in front in its order (requeued here one by one, they would
          // swap places). Cut it now in case it is not closing by itself.
          counters.errors += 1;
          this.#warnOnce('publish', { err: error.message }, 'simulated edge: publish failed');
          client.stream?.destroy();
          return;
        }
        this.#inFlight.delete(id);
        this.#recordLatency(performance.now() - sentAt);
        if (message.kind === 'positions') {
          counters.messages.positions += 1;
          counters.positions.acked += message.positions;
          broker.positionsAcked += message.positions;
          if (message.list) this.options.onPositionsAcked?.(this.edgeId, message.list);
        } else counters.messages.alerts += 1;
        this.#pump();
      });
    }
  }

  /** Status and health: straight to the broker while connected (like the real edge), never queued. */
  #publishDirect(
    client: MqttClient,
    topic: string,
    payload: Buffer,
    retain: boolean,
    kind: 'status' | 'health',
  ): Promise<void> {
    const sentAt = performance.now();
    return new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos: 1, retain }, (error) => {
        if (error) return reject(error);
        this.#recordLatency(performance.now() - sentAt);
        this.options.counters.messages[kind] += 1;
        resolve();
      });
    });
  }

  #recordLatency(ms: number): void {
    for (const histogram of this.options.latency) histogram.record(ms);
  }

  #flushBatch(): void {
    const positions = this.#pending;
    this.#pending = [];
    const payload = this.#encode(() => positionBatchPayload(this.edgeId, this.#batchSeq++, positions));
    if (!payload) return;
    const message: EdgeMessage = {
      kind: 'positions',
      topic: this.#positionsTopic,
      payload,
      positions: positions.length,
    };
    if (this.options.onPositionsAcked) message.list = positions;
    this.#enqueue(message);
  }

  #enqueue(message: EdgeMessage): void {
    const dropped = this.queue.push(message);
    for (const lost of dropped) this.options.counters.positions.dropped += lost.positions;
    if (dropped.length > 0)
      this.#warnOnce(
        'queue-full',
        { queueMaxMessages: this.options.queueMaxMessages },
        'simulated edge: queue full, oldest position batches dropped',
      );
  }

  #publishHealth(nowMs: number): void {
    const client = this.#client;
    if (!client) return;
    const payload = this.#encode(() =>
      healthPayload({
        ts: Date.now(),
        uptimeS: Math.round((nowMs - this.#startedAt) / 1000),
        outbox: {
          messages: this.queue.length + this.#inFlight.size,
          bytes: this.queue.bytes,
          dropped: this.queue.dropped.messages,
        },
        ais: { sentences: this.#heard, messages: this.#heard, rejected: 0, duplicates: 0 },
        ...(this.options.fireAlertsPerHour > 0 ? { cameras: { online: CAMERAS, offline: 0 } } : {}),
      }),
    );
    if (payload)
      this.#publishDirect(client, topics.edgeHealth(this.edgeId), payload, false, 'health').catch(
        () => undefined,
      );
  }

  #startFire(nowMs: number): void {
    const { random } = this.options;
    const fire: OpenFire = {
      alertId: `${this.edgeId}-fire-${++this.#fireCount}`,
      cameraId: `cam-${random.int(1, CAMERAS)}`,
      className: random.chance(0.6) ? 'smoke' : 'fire',
      firstSeenTs: Date.now(),
      endAt: nowMs + random.between(10_000, 60_000),
    };
    this.#fires.push(fire);
    this.options.counters.fires += 1;
    this.#sendFireEvent(fire, 'new');
  }

  #endFire(index: number): void {
    const [fire] = this.#fires.splice(index, 1);
    if (fire) this.#sendFireEvent(fire, 'end');
  }

  #sendFireEvent(fire: OpenFire, event: 'new' | 'end'): void {
    const { random, location } = this.options;
    const cameraIndex = Number(fire.cameraId.slice(4)) - 1;
    const bearingDeg = (cameraIndex * 120) % 360;
    const x = random.between(0.2, 0.7);
    const y = random.between(0.3, 0.6);
    const ts = Date.now();
    const payload = this.#encode(() =>
      fireAlertPayload({
        edgeId: this.edgeId,
        cameraId: fire.cameraId,
        alertId: fire.alertId,
        event,
        className: fire.className,
        confidence: Math.round(random.between(0.45, 0.95) * 100) / 100,
        boxes: event === 'end' ? [] : [{ x1: x, y1: y, x2: x + 0.1, y2: y + 0.15, score: 0.8 }],
        firstSeenTs: fire.firstSeenTs,
        ts,
        ...(event === 'end' ? { lastSeenTs: ts } : {}),
        camera: { position: { lat: location[1], lon: location[0] }, bearingDeg, fovDeg: 60 },
        bearingToFireDeg: bearingAtFrameX(bearingDeg, 60, x + 0.05),
        model: 'lookout-sim-edges',
        ...(event === 'new'
          ? {
              snapshot: {
                contentType: 'image/jpeg' as const,
                width: 32,
                height: 24,
                data: SNAPSHOT_JPEG_BASE64,
              },
            }
          : {}),
      }),
    );
    if (payload) this.#enqueue({ kind: 'alert', topic: this.#alertTopic, payload, positions: 0 });
  }

  /** Builds a payload; one that fails its schema is counted and logged, never sent. */
  #encode(build: () => Buffer): Buffer | undefined {
    try {
      return build();
    } catch (error) {
      if (!(error instanceof InvalidPayloadError)) throw error;
      this.options.counters.invalid += 1;
      this.options.log.error(
        { edgeId: this.edgeId, schema: error.schemaId, errors: error.errors },
        'simulated payload failed its schema; not sent',
      );
      return undefined;
    }
  }

  #warnOnce(key: string, details: Record<string, unknown>, message: string): void {
    if (this.#warned.has(key)) return this.options.log.debug({ edgeId: this.edgeId, ...details }, message);
    this.#warned.add(key);
    this.options.log.warn({ edgeId: this.edgeId, ...details }, `${message} (logged once per edge)`);
  }
}
