import { fileURLToPath } from 'node:url';
import type { InfluxDB } from 'influx';
import { Type } from '@sinclair/typebox';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import {
  TrackFeature,
  TrackQuery,
  VesselList,
  VesselQuery,
  ZoneCollection,
  type TrackFeature as TrackFeatureType,
} from '../../protocols/api/vessels.js';
import { Counter, Gauge, type Registry } from '../../runtime/metrics.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { HttpApp } from '../../runtime/http-server.js';
import type { CloudBus } from '../events.js';
import type { CloudContext, CloudExtension } from '../core.js';
import { MEASUREMENT_POSITION } from '../influxdb/points.js';
import { AlarmsPart, registerAlarmRoutes } from '../alarms/alarms-part.js';
import type { AlarmStore } from '../alarms/alarm-store.js';
import type { FisheriesConfig } from './config.js';
import { RuleEngine } from './engine.js';
import { VesselRegistry } from './registry.js';
import { ZoneSet, loadZones } from './zones.js';

/** Where relative zone file paths resolve: the Lookout installation (repository root). */
export const INSTALL_DIR = fileURLToPath(new URL('../..', import.meta.url));

export interface FisheriesPartOptions {
  config: FisheriesConfig;
  bus: CloudBus;
  influx: InfluxDB;
  database: string;
  alarms: AlarmStore;
  log: Logger;
  registry: Registry;
  /** Relative zone paths resolve here; default the installation folder. */
  baseDir?: string;
  /** Clock for signal loss and escalations; tests pass a simulated one. */
  clock?: () => number;
}

/**
 * The fisheries control room's engine in the cloud: loads zones and registry, rebuilds the vessels' recent
 * tracks from InfluxDB (without raising again), then runs every `positions` batch from the bus through the
 * rules and ticks signal loss / escalations on its clock.
 */
export class FisheriesPart implements Part {
  readonly name = 'fisheries';
  #engine: RuleEngine | undefined;
  #zones: ZoneSet | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #positions: Counter;
  readonly #ignored: Counter;
  readonly #vessels: Gauge;

  constructor(private readonly options: FisheriesPartOptions) {
    const registers = [options.registry];
    this.#positions = new Counter({ name: 'lookout_cloud_fisheries_positions_total', help: 'Positions evaluated by the fisheries rules', registers });
    this.#ignored = new Counter({
      name: 'lookout_cloud_fisheries_positions_ignored_total',
      help: 'Positions not evaluated, by reason (duplicate, too_late)',
      labelNames: ['reason'],
      registers,
    });
    this.#vessels = new Gauge({ name: 'lookout_cloud_fisheries_vessels', help: 'Vessels tracked (registered or not)', registers });
  }

  get engine(): RuleEngine {
    if (!this.#engine) throw new Error('fisheries part is not started');
    return this.#engine;
  }

  get zones(): ZoneSet {
    if (!this.#zones) throw new Error('fisheries part is not started');
    return this.#zones;
  }

  now(): number {
    return (this.options.clock ?? Date.now)();
  }

  async start(): Promise<void> {
    const { config, log, alarms } = this.options;
    this.#zones = new ZoneSet(await loadZones(config.zoneFiles, this.options.baseDir ?? INSTALL_DIR), config.gridCellDeg);
    const engine = new RuleEngine({
      zones: this.#zones,
      registry: new VesselRegistry(config.vessels),
      rules: config.rules,
      history: config.history,
      raise: (request) => alarms.raise(request),
      onBoundaryEvent: (event) => log.info({ event }, 'boundary event'),
    });
    this.#engine = engine;
    await this.#restore(engine);
    this.#unsubscribe = this.options.bus.on('positions', (event) => this.ingest(event.positions));
    this.#timer = setInterval(() => this.tick(), config.tickIntervalS * 1000);
    this.#timer.unref();
    log.info(
      { zones: this.#zones.zones.length, lines: this.#zones.lines.length, areas: this.#zones.areas.length, ports: this.#zones.ports.length, registered: config.vessels.length },
      'fisheries rules running',
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
  }

  ingest(positions: readonly VesselPosition[]): void {
    const engine = this.engine;
    const { duplicates, tooLate } = engine.stats;
    for (const position of positions) engine.ingest(position);
    this.#positions.inc(positions.length);
    if (engine.stats.duplicates > duplicates) this.#ignored.inc({ reason: 'duplicate' }, engine.stats.duplicates - duplicates);
    if (engine.stats.tooLate > tooLate) this.#ignored.inc({ reason: 'too_late' }, engine.stats.tooLate - tooLate);
    this.#vessels.set(engine.vesselCount);
  }

  tick(): void {
    this.#engine?.tick(this.now());
  }

  /** The newest positions of every vessel (up to history.maxPoints each), back through the rules silently. */
  async #restore(engine: RuleEngine): Promise<void> {
    const { influx, database, log, config } = this.options;
    try {
      if (!(await influx.getDatabaseNames()).includes(database)) return;
      const rows = await influx.query<PositionRow>(
        `SELECT "lat", "lon", "sog", "cog", "heading", "nav_status", "msg_type" FROM "${MEASUREMENT_POSITION}" GROUP BY "mmsi" ORDER BY time DESC LIMIT ${config.history.maxPoints}`,
        { database, precision: 'ms' },
      );
      const positions = rows.map(rowToPosition).filter((p): p is VesselPosition => p !== undefined);
      positions.sort((a, b) => a.ts - b.ts);
      engine.restore(positions);
      for (const alarm of this.options.alarms.list()) {
        const mmsi = /^vessel:(\d+)$/.exec(alarm.originator)?.[1];
        if (mmsi) engine.noteExistingAlarm(alarm.type, Number(mmsi), alarm.details);
      }
      log.info({ positions: positions.length, vessels: engine.vesselCount }, 'vessel state rebuilt from InfluxDB');
    } catch (error) {
      log.error({ err: error }, 'could not rebuild vessel state from InfluxDB; starting empty');
    }
  }
}

interface PositionRow {
  time: Date;
  mmsi: string;
  lat: number;
  lon: number;
  sog: number | null;
  cog: number | null;
  heading: number | null;
  nav_status: number | null;
  msg_type: number | null;
}

function rowToPosition(row: PositionRow): VesselPosition | undefined {
  const mmsi = Number(row.mmsi);
  if (!Number.isInteger(mmsi) || typeof row.lat !== 'number' || typeof row.lon !== 'number') return undefined;
  const position: VesselPosition = { mmsi, ts: row.time.getTime(), lat: row.lat, lon: row.lon, msgType: row.msg_type ?? 1 };
  if (row.sog !== null) position.sog = row.sog;
  if (row.cog !== null) position.cog = row.cog;
  if (row.heading !== null) position.heading = row.heading;
  if (row.nav_status !== null) position.navStatus = row.nav_status;
  return position;
}

function parseTime(text: string, name: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new RangeError(`${name}: "${text}" is neither an ISO 8601 time nor ms since epoch`);
  return ms;
}

/**
 * A vessel's track from InfluxDB between two times. Up to `maxPoints` positions are returned as they are;
 * beyond that InfluxDB downsamples (GROUP BY time, the last position of each bucket).
 */
export async function queryTrack(
  influx: InfluxDB,
  database: string,
  mmsi: number,
  from: number,
  to: number,
  maxPoints: number,
): Promise<TrackFeatureType> {
  const where = `"mmsi" = '${mmsi}' AND time >= ${from}ms AND time <= ${to}ms`;
  const counted = await influx.query<{ count: number }>(`SELECT count("lat") AS "count" FROM "${MEASUREMENT_POSITION}" WHERE ${where}`, { database });
  const count = counted[0]?.count ?? 0;
  let intervalMs = 0;
  let query = `SELECT "lon", "lat" FROM "${MEASUREMENT_POSITION}" WHERE ${where} ORDER BY time ASC`;
  if (count > maxPoints) {
    intervalMs = Math.max(1000, Math.ceil((to - from) / maxPoints / 1000) * 1000);
    query = `SELECT last("lon") AS "lon", last("lat") AS "lat" FROM "${MEASUREMENT_POSITION}" WHERE ${where} GROUP BY time(${intervalMs}ms) fill(none)`;
  }
  const rows = await influx.query<{ time: Date; lon: number; lat: number }>(query, { database, precision: 'ms' });
  return {
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: rows.map((r) => [r.lon, r.lat] as [number, number]) },
    properties: { mmsi, from, to, times: rows.map((r) => r.time.getTime()), intervalMs },
  };
}

const ErrorBody = Type.Object({ error: Type.String() });

/** `GET vessels`, `GET vessels/{mmsi}/track`, `GET zones` (register with prefix `/api/v1`). */
export function registerFisheriesRoutes(app: HttpApp, part: FisheriesPart, influx: InfluxDB, database: string): void {
  app.get('/vessels', { schema: { tags: ['fisheries'], querystring: VesselQuery, response: { 200: VesselList } } }, async (request) => {
    const { zone, status, registered } = request.query;
    const vessels = part.engine
      .states(part.now())
      .filter((v) => (zone === undefined || v.zones.includes(zone)) && (status === undefined || v.status === status))
      .filter((v) => registered === undefined || v.registered === registered)
      .sort((a, b) => a.mmsi - b.mmsi);
    return { vessels };
  });
  app.get(
    '/vessels/:mmsi/track',
    {
      schema: {
        tags: ['fisheries'],
        params: Type.Object({ mmsi: Type.Integer({ minimum: 0, maximum: 999_999_999 }) }),
        querystring: TrackQuery,
        response: { 200: TrackFeature, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      let from: number;
      let to: number;
      try {
        from = parseTime(request.query.from, 'from');
        to = parseTime(request.query.to, 'to');
      } catch (error) {
        return reply.code(400).send({ error: (error as Error).message });
      }
      if (to < from) return reply.code(400).send({ error: 'to is before from' });
      return queryTrack(influx, database, request.params.mmsi, from, to, request.query.maxPoints ?? 2000);
    },
  );
  app.get('/zones', { schema: { tags: ['fisheries'], response: { 200: ZoneCollection } } }, async () => part.zones.toGeoJSON());
}

export interface FisheriesExtensionOptions {
  baseDir?: string;
  /** One clock for signal loss, escalations and alarm times; default the wall clock. */
  clock?: () => number;
  /** Called with the parts once created (tests and the demo reach the engine and the alarm store here). */
  onCreated?: (parts: { fisheries: FisheriesPart; alarms: AlarmsPart }) => void;
}

/**
 * Plugs the fisheries control room into the cloud: the alarms part, the fisheries part, their routes under
 * `/api/v1` (listed in the OpenAPI document the core serves at `/api/v1/openapi.json`).
 */
export function fisheriesExtension(config: FisheriesConfig, options: FisheriesExtensionOptions = {}): CloudExtension {
  return (context: CloudContext) => {
    const database = context.config.influx.database;
    const alarms = new AlarmsPart({
      influx: context.influx,
      database,
      log: context.log.child({ part: 'alarms' }),
      registry: context.registry,
      publish: context.publish,
      clock: options.clock,
    });
    const fisheries = new FisheriesPart({
      config,
      bus: context.bus,
      influx: context.influx,
      database,
      alarms: alarms.store,
      log: context.log.child({ part: 'fisheries' }),
      registry: context.registry,
      baseDir: options.baseDir,
      clock: options.clock,
    });
    const app = context.app;
    void app.register(
      async (api) => {
        const typed = api as unknown as HttpApp;
        registerFisheriesRoutes(typed, fisheries, context.influx, database);
        registerAlarmRoutes(typed, alarms.store);
      },
      { prefix: '/api/v1' },
    );
    options.onCreated?.({ fisheries, alarms });
    return [alarms, fisheries];
  };
}
