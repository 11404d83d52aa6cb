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
 * A vessel's track from InfluxDB between two times. Up to `maxPoints` positions are returned as they are; a
 * longer track is thinned to `maxPoints` keeping its shape and timing (`thinTrack`: the turns and stops stay,
 * straight steady runs shrink). Over `RAW_TRACK_POINTS` positions InfluxDB first buckets them by time (the last
 * position of each bucket, `intervalMs`), so a month of 10 s AIS reports is not read point by point.
 */
export async function queryTrack(
  influx: InfluxDB,
  database: string,
  mmsi: number,
  from: number,
  to: number,
  maxPoints: number,
): Promise<TrackFeature> {
  const where = `"mmsi" = '${mmsi}' AND time >= ${from}ms AND time <= ${to}ms`;
  const counted = await influx.query<{ count: number }>(
    `SELECT count("lat") AS "count" FROM "${MEASUREMENT_POSITION}" WHERE ${where}`,
    { database },
  );
  const total = counted[0]?.count ?? 0;
  let intervalMs = 0;
  let query = `SELECT "lon", "lat", "sog", "cog" FROM "${MEASUREMENT_POSITION}" WHERE ${where} ORDER BY time ASC`;
  if (total > RAW_TRACK_POINTS) {
    intervalMs = Math.max(1000, Math.ceil((to - from) / RAW_TRACK_POINTS / 1000) * 1000);
    const last = ['lon', 'lat', 'sog', 'cog'].map((f) => `last("${f}") AS "${f}"`).join(', ');
    query = `SELECT ${last} FROM "${MEASUREMENT_POSITION}" WHERE ${where} GROUP BY time(${intervalMs}ms) fill(none)`;
  }
  const rows = await influx.query<TrackRow>(query, { database, precision: 'ms' });
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
      total,
      intervalMs,
    },
  };
}
