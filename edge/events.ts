import type { VesselPosition, VesselStatic } from '../protocols/mqtt/payloads.js';
import { countAndLogListenerErrors, EventBus } from '../runtime/event-bus.js';
import { silentLogger, type Logger } from '../runtime/logger.js';
import { Counter, type Registry } from '../runtime/metrics.js';

/** A line of text as a receiver framed it, before any NMEA/AIS parsing. */
export interface AisLine {
  line: string;
  receivedAtMs: number;
  /** Which listener and peer it came from, e.g. `udp 127.0.0.1:40000`. */
  source: string;
}

export interface OutboxChange {
  messages: number;
  bytes: number;
}

/**
 * A camera the frame readers should read (edge/cameras/README.md). Credentials are embedded in the URLs
 * for ffmpeg: never publish or log them (the inventory carries the URLs without credentials).
 */
export interface CameraSource {
  cameraId: string;
  /** ffmpeg input: `rtsp://user:pass@host:port/path`, an `http://` MJPEG/snapshot URL, or a file path. */
  streamUrl: string;
  /** HTTP JPEG snapshot with credentials, when the camera has one. */
  snapshotUrl?: string;
  /** Resolution and rate of the chosen stream, when the camera told them. */
  width?: number;
  height?: number;
  fps?: number;
  position?: { lat: number; lon: number };
  /** Degrees clockwise from true north. */
  bearingDeg?: number;
  /** Horizontal field of view, degrees; name, height above ground (m) and watched range (m): see CameraSiting. */
  fovDeg?: number;
  name?: string;
  heightM?: number;
  rangeM?: number;
}

/**
 * Everything the parts of the edge say to each other. A part subscribes to what it consumes and emits what
 * it produces; no part holds a reference to another one.
 */
export interface EdgeEvents {
  /** A receiver framed a line (UDP datagram line or TCP line). */
  'ais.line': AisLine;
  /** A decoded position that passed dedupe and downsampling. */
  'vessel.position': VesselPosition;
  /** A decoded static/voyage report (type 5). */
  'vessel.static': VesselStatic;
  /** A record was appended to the outbox: the uplink wakes up. */
  'outbox.appended': { seq: number };
  /** The uplink's connection state changed. */
  'uplink.state': { connected: boolean };
  /**
   * The cameras usable now, as a full list (ONVIF-provisioned ones that are `online`, and URL-configured
   * ones): emitted on every change. A reader starts what is new, stops what is gone, restarts what changed.
   */
  'camera.sources': { cameras: CameraSource[] };
}

export type EdgeBus = EventBus<EdgeEvents>;

export interface EdgeBusDeps {
  /** Where `lookout_edge_bus_listener_errors_total{event}` is registered; default none (unit tests). */
  registry?: Registry;
  log?: Logger;
}

/** The edge's bus: a listener that fails is counted and logged, and never reaches the part that emitted. */
export function createEdgeBus(deps: EdgeBusDeps = {}): EdgeBus {
  const errors = new Counter({
    name: 'lookout_edge_bus_listener_errors_total',
    help: 'Errors thrown (or promises rejected) by bus listeners, by event; the emitter and the other listeners went on',
    labelNames: ['event'],
    registers: deps.registry ? [deps.registry] : [],
  });
  return new EventBus<EdgeEvents>(countAndLogListenerErrors(errors, deps.log ?? silentLogger()));
}
