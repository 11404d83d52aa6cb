import type { EdgeTopicKind } from '../protocols/mqtt/topics.js';
import type {
  EdgeHealth,
  EdgeStatus,
  FireAlert,
  VesselPosition,
  VesselStatic,
} from '../protocols/mqtt/payloads.js';
import type { AlarmChangeMessage } from '../protocols/api/alarms.js';
import type { ReportsWritten } from '../protocols/api/notifications.js';
import { countAndLogListenerErrors, EventBus } from '../runtime/event-bus.js';
import { silentLogger, type Logger } from '../runtime/logger.js';
import { createCloudMetrics, type CloudMetrics } from './metrics.js';

/**
 * Where a validated message came from. `seq` is its journal sequence number for durable kinds (telemetry,
 * alerts): a message may be delivered again with the same `seq` after a crash (`replayed`), so consumers
 * must be idempotent. Live kinds (status, health) are not journalled and have no `seq`.
 */
export interface MessageOrigin {
  edgeId: string;
  topic: string;
  /** When the broker accepted it (ms since epoch). */
  receivedAt: number;
  seq?: number;
  replayed: boolean;
}

/** Every edge message that passed its schema, whatever its kind. */
export interface ValidatedMessage extends MessageOrigin {
  kind: EdgeTopicKind;
  cameraId?: string;
  value: unknown;
}

export interface InvalidMessage {
  topic: string;
  edgeId?: string;
  kind?: EdgeTopicKind;
  /** Low-cardinality reason (metric label): invalid_json, schema, edge_id_mismatch, no_schema. */
  reason: string;
  errors: string[];
}

export interface CloudEvents {
  /** A validated batch of vessel positions (durable: carries `seq`). */
  positions: MessageOrigin & { seq: number; positions: VesselPosition[] };
  /**
   * Cluster mode: a batch of positions a client of another instance published (that instance journals and stores
   * it). Only for the rules, which must see the whole fleet on every instance; never stored here.
   */
  peerPositions: { edgeId: string; receivedAt: number; positions: VesselPosition[] };
  /** Cluster mode: a fire alert a client of another instance published (that instance stores and raises it). */
  peerFireAlert: { edgeId: string; receivedAt: number; alert: FireAlert };
  /** A validated batch of AIS static/voyage data (durable: carries `seq`). */
  statics: MessageOrigin & { seq: number; statics: VesselStatic[] };
  /** An edge's retained birth / clean stop / last-will status. */
  edgeStatus: MessageOrigin & { status: EdgeStatus };
  edgeHealth: MessageOrigin & { health: EdgeHealth };
  /** Any validated edge message (including the ones above): other features subscribe here by `kind`. */
  message: ValidatedMessage;
  invalidMessage: InvalidMessage;
  /** Every PUBLISH the broker accepted from a client (after its PUBACK), raw. */
  mqttPublished: {
    topic: string;
    payload: Buffer;
    clientId?: string;
    retain: boolean;
    receivedAt: number;
    /** Cluster mode: published by a client of another instance (presence, positions for the rules), not journalled here. */
    remote?: boolean;
  };
  /** Anything published by an edge (any edge topic), as it arrives: presence uses it for `lastSeen`. */
  edgeActivity: { edgeId: string; at: number };
  clientConnected: { clientId: string; username?: string };
  clientDisconnected: { clientId: string; username?: string };
  /** A durable sink made progress (wrote points): the journal may advance its checkpoint. */
  sinkProgress: { sink: string };
  /** Every part is started, the broker listens: state the broker does not keep (retained desired settings) is published again. */
  started: { at: number };
  /** An alarm changed (cloud/alarms): created, refreshed, escalated, acknowledged or cleared. */
  alarmChange: AlarmChangeMessage;
  /** The fisheries office wrote its scheduled reports (cloud/office): notify announces them. */
  reportsWritten: ReportsWritten;
}

export type CloudBus = EventBus<CloudEvents>;

/** The cloud's bus: a listener that fails is counted (`metrics.busListenerErrors`) and logged, never reaches the emitter. */
export function createCloudBus(deps: { metrics?: CloudMetrics; log?: Logger } = {}): CloudBus {
  const metrics = deps.metrics ?? createCloudMetrics();
  return new EventBus<CloudEvents>(
    countAndLogListenerErrors(metrics.busListenerErrors, deps.log ?? silentLogger()),
  );
}

/**
 * A consumer of durable events whose work must be finished before the journal may forget a message
 * (e.g. the InfluxDB writer). The ingest pauses reading the journal while a sink has no room, and only
 * checkpoints below the oldest `seq` a sink still holds.
 */
/**
 * The ingest keeps two journals, each read on its own: `alerts` (edge alerts, e.g. fire) never wait behind a
 * telemetry backlog (InfluxDB down, writer memory full) and have room of their own when telemetry's journal is full.
 */
export type IngestLane = 'telemetry' | 'alerts';

export function ingestLaneOf(kind: string): IngestLane {
  return kind.startsWith('alerts/') ? 'alerts' : 'telemetry';
}

export interface DurableSink {
  readonly name: string;
  /** Which journal's messages it works on (default `telemetry`); `seq`s are per lane. */
  readonly lane?: IngestLane;
  /** Oldest journal seq whose work is not finished yet; undefined when nothing is pending. */
  oldestPendingSeq(): number | undefined;
  /** False = do not hand me more for now (memory buffer full); emit `sinkProgress` when room appears. */
  hasRoom(): boolean;
  /** Best effort before a clean stop (e.g. one last write). */
  flush?(timeoutMs: number): Promise<void>;
}
