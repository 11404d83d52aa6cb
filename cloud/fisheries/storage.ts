import type { InfluxDB } from 'influx';
import type { TrackFeature } from '../../protocols/api/vessels.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { MEASUREMENT_POSITION, type VesselPositionRow } from '../influxdb/points.js';

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
): Promise<TrackFeature> {
  const where = `"mmsi" = '${mmsi}' AND time >= ${from}ms AND time <= ${to}ms`;
  const counted = await influx.query<{ count: number }>(
    `SELECT count("lat") AS "count" FROM "${MEASUREMENT_POSITION}" WHERE ${where}`,
    { database },
  );
  const count = counted[0]?.count ?? 0;
  let intervalMs = 0;
  let query = `SELECT "lon", "lat" FROM "${MEASUREMENT_POSITION}" WHERE ${where} ORDER BY time ASC`;
  if (count > maxPoints) {
    intervalMs = Math.max(1000, Math.ceil((to - from) / maxPoints / 1000) * 1000);
    query = `SELECT last("lon") AS "lon", last("lat") AS "lat" FROM "${MEASUREMENT_POSITION}" WHERE ${where} GROUP BY time(${intervalMs}ms) fill(none)`;
  }
  const rows = await influx.query<{ time: Date; lon: number; lat: number }>(query, {
    database,
    precision: 'ms',
  });
  return {
    type: 'Feature',
    geometry: { type: 'LineString', coordinates: rows.map((r) => [r.lon, r.lat] as [number, number]) },
    properties: { mmsi, from, to, times: rows.map((r) => r.time.getTime()), intervalMs },
  };
}
