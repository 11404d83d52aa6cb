import type { PortEvent, PortEventQuery, Voyage } from '../../protocols/api/office.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { haversineM } from '../fisheries/geometry.js';
import { licensedOn, type VesselFacts } from '../fisheries/registry.js';
import type { Database, Queryable } from '../registry/database.js';

/** Which port (id) a position is in, if any: a port area, or within the in-port radius of a port point. */
export type PortLocator = (lon: number, lat: number) => string | undefined;

interface VesselPlace {
  lastTs: number;
  lon: number;
  lat: number;
  port: string | undefined;
  voyage: { id: number; distanceKm: number } | undefined;
}

type Row = Record<string, unknown>;

export interface PortCallsOptions {
  db: Database;
  locate: PortLocator;
  /** Registered vessel by MMSI (for the registration and the licence at departure). */
  lookup: (mmsi: number) => VesselFacts | undefined;
  onEvent?: (event: PortEvent) => void;
}

/**
 * Departures and arrivals from positions (Global Fishing Watch's port visits, simply): a vessel whose position
 * leaves a port departs (at the first position outside), one that comes into a port arrives (first position
 * inside); a voyage runs from a departure to the next arrival, its distance summed along the positions.
 * Positions older than the vessel's newest one are late data and change nothing here.
 */
export class PortCalls {
  readonly #places = new Map<number, VesselPlace>();
  #queue: Promise<void> = Promise.resolve();
  #failures = 0;

  constructor(private readonly options: PortCallsOptions) {}

  get failures(): number {
    return this.#failures;
  }

  /** Open voyages back from the database (a vessel at sea stays at sea across a restart). */
  async load(): Promise<void> {
    const rows = await this.options.db.query<Row>(
      'SELECT id, mmsi, distance_km, last_ts, last_lon, last_lat FROM voyages WHERE arrival_ts IS NULL',
    );
    for (const r of rows)
      this.#places.set(Number(r.mmsi), {
        lastTs: (r.last_ts as Date).getTime(),
        lon: Number(r.last_lon),
        lat: Number(r.last_lat),
        port: undefined,
        voyage: { id: Number(r.id), distanceKm: Number(r.distance_km) },
      });
  }

  /**
   * Forgets what memory knows and reads the open voyages back, after the batches queued before (a cluster
   * instance that takes the lead: the voyages the old leader recorded are in the shared database).
   */
  reload(): Promise<void> {
    this.#queue = this.#queue.then(async () => {
      this.#places.clear();
      await this.load();
    });
    return this.#queue;
  }

  /** Queues a batch (batches are handled one after the other, in order). */
  ingest(positions: readonly VesselPosition[], onError: (error: unknown) => void = () => {}): Promise<void> {
    const sorted = [...positions].sort((a, b) => a.ts - b.ts);
    this.#queue = this.#queue.then(async () => {
      const events: PortEvent[] = [];
      try {
        await this.options.db.transaction((tx) => this.#apply(tx, sorted, events));
      } catch (error) {
        this.#failures++;
        onError(error);
        // The batch was rolled back: what memory learnt from it is forgotten too (open voyages come back from
        // the database; a vessel's next position starts it afresh).
        this.#places.clear();
        await this.load().catch(() => undefined);
        return;
      }
      // Told once committed: a batch that failed announces nothing.
      for (const event of events) this.options.onEvent?.(event);
    });
    return this.#queue;
  }

  /** Resolves when every queued batch is handled. */
  idle(): Promise<void> {
    return this.#queue;
  }

  async #apply(tx: Queryable, positions: readonly VesselPosition[], events: PortEvent[]): Promise<void> {
    const touched = new Set<number>();
    for (const p of positions) {
      const place = this.#places.get(p.mmsi);
      if (place && p.ts <= place.lastTs) continue;
      const port = this.options.locate(p.lon, p.lat);
      if (!place) {
        this.#places.set(p.mmsi, { lastTs: p.ts, lon: p.lon, lat: p.lat, port, voyage: undefined });
        continue;
      }
      if (place.port !== undefined && port === undefined)
        events.push(await this.#depart(tx, p, place.port, place));
      else if (place.port === undefined && port !== undefined)
        events.push(await this.#arrive(tx, p, port, place));
      else if (place.voyage) place.voyage.distanceKm += haversineM(place.lon, place.lat, p.lon, p.lat) / 1000;
      Object.assign(place, { lastTs: p.ts, lon: p.lon, lat: p.lat, port });
      if (place.voyage) touched.add(p.mmsi);
    }
    for (const mmsi of touched) {
      const place = this.#places.get(mmsi)!;
      // Arrived later in the batch: the arrival wrote the voyage's end.
      if (!place.voyage) continue;
      await tx.query(
        'UPDATE voyages SET distance_km = $2, last_ts = $3, last_lon = $4, last_lat = $5 WHERE id = $1',
        [place.voyage!.id, place.voyage!.distanceKm, new Date(place.lastTs), place.lon, place.lat],
      );
    }
  }

  async #depart(tx: Queryable, p: VesselPosition, portId: string, place: VesselPlace): Promise<PortEvent> {
    const vessel = this.options.lookup(p.mmsi);
    const withoutLicence = vessel !== undefined && !licensedOn(vessel, p.ts);
    const event = await this.#event(tx, p, 'departure', portId, withoutLicence);
    const distanceKm = haversineM(place.lon, place.lat, p.lon, p.lat) / 1000;
    const rows = await tx.query<Row>(
      `INSERT INTO voyages (mmsi, registration, departure_port, departure_ts, distance_km, last_ts, last_lon, last_lat)
       VALUES ($1, $2, $3, $4, $5, $4, $6, $7) ON CONFLICT (mmsi, departure_ts) DO UPDATE SET distance_km = $5 RETURNING id`,
      [p.mmsi, vessel?.registration ?? null, portId, new Date(p.ts), distanceKm, p.lon, p.lat],
    );
    place.voyage = { id: Number(rows[0]!.id), distanceKm };
    return event;
  }

  async #arrive(tx: Queryable, p: VesselPosition, portId: string, place: VesselPlace): Promise<PortEvent> {
    const event = await this.#event(tx, p, 'arrival', portId, false);
    if (!place.voyage) return event;
    const distanceKm = place.voyage.distanceKm + haversineM(place.lon, place.lat, p.lon, p.lat) / 1000;
    await tx.query(
      'UPDATE voyages SET arrival_port = $2, arrival_ts = $3, distance_km = $4, last_ts = $3, last_lon = $5, last_lat = $6 WHERE id = $1',
      [place.voyage.id, portId, new Date(p.ts), distanceKm, p.lon, p.lat],
    );
    place.voyage = undefined;
    return event;
  }

  async #event(
    tx: Queryable,
    p: VesselPosition,
    kind: PortEvent['kind'],
    portId: string,
    withoutLicence: boolean,
  ): Promise<PortEvent> {
    const registration = this.options.lookup(p.mmsi)?.registration;
    const rows = await tx.query<Row>(
      `INSERT INTO port_events (mmsi, registration, kind, port_id, ts, lon, lat, without_licence)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [p.mmsi, registration ?? null, kind, portId, new Date(p.ts), p.lon, p.lat, withoutLicence],
    );
    const event: PortEvent = {
      id: Number(rows[0]!.id),
      mmsi: p.mmsi,
      kind,
      portId,
      ts: p.ts,
      lon: p.lon,
      lat: p.lat,
    };
    if (registration !== undefined) event.registration = registration;
    if (kind === 'departure') event.withoutLicence = withoutLicence;
    return event;
  }
}

export interface TimeRange {
  from?: number;
  to?: number;
}

export async function listPortEvents(
  db: Queryable,
  query: Omit<PortEventQuery, 'from' | 'to'> &
    TimeRange & { kind?: PortEvent['kind']; withoutLicence?: boolean },
): Promise<PortEvent[]> {
  const { where, params } = filters(query, 'ts', 'port_id');
  if (query.kind !== undefined) {
    params.push(query.kind);
    where.push(`kind = $${params.length}`);
  }
  if (query.withoutLicence !== undefined) {
    params.push(query.withoutLicence);
    where.push(`without_licence = $${params.length}`);
  }
  params.push(query.limit ?? 1000);
  const rows = await db.query<Row>(
    `SELECT * FROM port_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts, id LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => {
    const event: PortEvent = {
      id: Number(r.id),
      mmsi: Number(r.mmsi),
      kind: r.kind as PortEvent['kind'],
      portId: r.port_id as string,
      ts: (r.ts as Date).getTime(),
      lon: Number(r.lon),
      lat: Number(r.lat),
    };
    if (r.registration) event.registration = r.registration as string;
    if (r.kind === 'departure') event.withoutLicence = r.without_licence === true;
    return event;
  });
}

export async function listVoyages(
  db: Queryable,
  query: Omit<PortEventQuery, 'from' | 'to'> & TimeRange,
): Promise<Voyage[]> {
  const { where, params } = filters(query, 'departure_ts', 'departure_port');
  params.push(query.limit ?? 1000);
  const rows = await db.query<Row>(
    `SELECT * FROM voyages ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY departure_ts, id LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => {
    const voyage: Voyage = {
      id: Number(r.id),
      mmsi: Number(r.mmsi),
      departurePort: r.departure_port as string,
      departureTs: (r.departure_ts as Date).getTime(),
      distanceKm: Math.round(Number(r.distance_km) * 100) / 100,
    };
    if (r.registration) voyage.registration = r.registration as string;
    if (r.arrival_ts) {
      voyage.arrivalPort = r.arrival_port as string;
      voyage.arrivalTs = (r.arrival_ts as Date).getTime();
      voyage.durationH = Math.round(((voyage.arrivalTs - voyage.departureTs) / 3_600_000) * 100) / 100;
    }
    return voyage;
  });
}

function filters(
  query: { mmsi?: number; port?: string } & TimeRange,
  timeColumn: string,
  portColumn: string,
) {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(`${sql} $${params.length}`);
  };
  if (query.mmsi !== undefined) add('mmsi =', query.mmsi);
  if (query.port !== undefined) add(`${portColumn} =`, query.port);
  if (query.from !== undefined) add(`${timeColumn} >=`, new Date(query.from));
  if (query.to !== undefined) add(`${timeColumn} <`, new Date(query.to));
  return { where, params };
}
