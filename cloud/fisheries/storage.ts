import type { InfluxDB } from 'influx';
import type { TrackFeature } from '../../protocols/api/vessels.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { MEASUREMENT_POSITION, type VesselPositionRow } from '../influxdb/points.js';
import { thinTrack } from './track-thinning.js';

/** Identifies a position (a vessel at a time): the same in InfluxDB and in the buffer. */
export const positionKey = (p: VesselPosition) => `${p.mmsi}:${p.ts}`;

type PositionRow = Omit<VesselPositionRow, 'edge'>;

function rowToPosition(row: PositionRow): VesselPosition | undefined {
  const mmsi = Number(row.mmsi);
  if (!Number.isInteger(mmsi) || typeof row.lat !== 'number' || typeof row.lon !== 'number') return undefined;
  const position: VesselPosition = {
    mmsi,
    ts: row.time.getTime(),
    lat: row.lat,
    lon: row.lon,
    msgType: row.msg_type ?? 1,
  };
  if (row.sog !== null) position.sog = row.sog;
  if (row.cog !== null) position.cog = row.cog;
  if (row.heading !== null) position.heading = row.heading;
  if (row.nav_status !== null) position.navStatus = row.nav_status;
  return position;
}

/** The newest `maxPoints` positions of every vessel in InfluxDB (`where`: an extra ` WHERE ...` clause), any order. */
export async function readNewestPositions(
  influx: InfluxDB,
  database: string,
  maxPoints: number,
  where: string,
): Promise<VesselPosition[]> {
  const select = `SELECT "lat", "lon", "sog", "cog", "heading", "nav_status", "msg_type" FROM "${MEASUREMENT_POSITION}"`;
  const newest = `GROUP BY "mmsi" ORDER BY time DESC LIMIT ${maxPoints}`;
  const rows = await influx.query<PositionRow>(`${select}${where} ${newest}`, { database, precision: 'ms' });
  return rows.map(rowToPosition).filter((p): p is VesselPosition => p !== undefined);
}

/** Beyond this many positions in the range, InfluxDB first keeps the last one of each time bucket. */
export const RAW_TRACK_POINTS = 50_000;

interface TrackRow {
  time: Date;
  lon: number;
  lat: number;
  sog: number | null;
  cog: number | null;
}

/**
 * Where the older part of a track comes from once InfluxDB dropped the raw positions: before `rawSince` (now -
 * `influx.retention.rawDays`), the 10-minute track of the `long` retention policy.
 */
export interface TrackArchive {
  rawSince: number;
  retentionPolicy: string;
  measurement: string;
}

/**
 * A vessel's track from InfluxDB between two times. Up to `maxPoints` positions are returned as they are; a
 * longer track is thinned to `maxPoints` keeping its shape and timing (`thinTrack`: the turns and stops stay,
 * straight steady runs shrink). Over `RAW_TRACK_POINTS` positions InfluxDB first buckets them by time (the last
 * position of each bucket, `intervalMs`), so a month of 10 s AIS reports is not read point by point. The part of
 * the range older than the raw positions comes from the archive's 10-minute track (`coarseUntil`).
 */
export async function queryTrack(
  influx: InfluxDB,
  database: string,
  mmsi: number,
  from: number,
  to: number,
  maxPoints: number,
  archive?: TrackArchive,
): Promise<TrackFeature> {
  const coarseUntil = archive && from < archive.rawSince ? Math.min(to, archive.rawSince) : undefined;
  const old =
    coarseUntil === undefined ? [] : await readArchive(influx, database, archive!, mmsi, from, coarseUntil);
  const rawFrom = coarseUntil ?? from;
  const where = `"mmsi" = '${mmsi}' AND time >= ${rawFrom}ms AND time <= ${to}ms`;
  const counted = await influx.query<{ count: number }>(
    `SELECT count("lat") AS "count" FROM "${MEASUREMENT_POSITION}" WHERE ${where}`,
    { database },
  );
  const rawCount = counted[0]?.count ?? 0;
  let intervalMs = 0;
  let query = `SELECT "lon", "lat", "sog", "cog" FROM "${MEASUREMENT_POSITION}" WHERE ${where} ORDER BY time ASC`;
  if (rawCount > RAW_TRACK_POINTS) {
    intervalMs = Math.max(1000, Math.ceil((to - rawFrom) / RAW_TRACK_POINTS / 1000) * 1000);
    query = `SELECT ${lastOfEach(TRACK_FIELDS)} FROM "${MEASUREMENT_POSITION}" WHERE ${where} GROUP BY time(${intervalMs}ms) fill(none)`;
  }
  const rows = [...old, ...(await influx.query<TrackRow>(query, { database, precision: 'ms' }))];
  const points = rows.map((r) => ({ ts: r.time.getTime(), lon: r.lon, lat: r.lat }));
  const kept = thinTrack(points, maxPoints).map((i) => rows[i]!);
  return {
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: kept.map((r) => [r.lon, r.lat] as [number, number]) },
    properties: {
      mmsi,
      from,
      to,
      times: kept.map((r) => r.time.getTime()),
      sog: kept.map((r) => r.sog),
      cog: kept.map((r) => r.cog),
      total: old.length + rawCount,
      intervalMs,
      ...(coarseUntil !== undefined && old.length > 0 ? { coarseUntil } : {}),
    },
  };
}

const TRACK_FIELDS = ['lon', 'lat', 'sog', 'cog'];
const lastOfEach = (fields: string[]) => fields.map((f) => `last("${f}") AS "${f}"`).join(', ');

/** The archived 10-minute track between two times; none when the policy does not exist (yet). */
async function readArchive(
  influx: InfluxDB,
  database: string,
  archive: TrackArchive,
  mmsi: number,
  from: number,
  until: number,
): Promise<TrackRow[]> {
  const source = `"${archive.retentionPolicy}"."${archive.measurement}"`;
  const rows = await influx
    .query<TrackRow>(
      `SELECT "lon", "lat", "sog", "cog" FROM ${source} WHERE "mmsi" = '${mmsi}' AND time >= ${from}ms AND time < ${until}ms ORDER BY time ASC`,
      { database, precision: 'ms' },
    )
    .catch((error: Error) => {
      if (/retention policy not found/i.test(error.message)) return [];
      throw error;
    });
  return rows.filter((r) => typeof r.lat === 'number' && typeof r.lon === 'number');
}
