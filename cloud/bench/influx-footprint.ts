/**
 * Disk bytes per stored position in InfluxDB 1.x with the project's schema (a measurement, not a test), for the
 * disk sizing in cloud/README.md. A private influxd whose caches go cold after 1 s (so the TSM files are written
 * and fully compacted at once, as they are hours later in production) stores N positions of V vessels, one every
 * `--every` seconds each, values moving like real tracks, written through the same `influx` client and points as
 * the cloud's writer; then the data folder is measured once compaction has settled. Also the 10-minute track the
 * long-term retention policy keeps (influxdb/retention.ts), run once over the same data.
 *
 *   npx tsx cloud/bench/influx-footprint.ts [--vessels 500] [--positions 1000000] [--every 10]
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { InfluxDB } from 'influx';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { influxSchemas, positionPoint } from '../influxdb/points.js';
import { LocalInfluxd } from '../influxdb/local-influxd.js';
import { downsampleQueries, setUpRetention } from '../influxdb/retention.js';

const { values } = parseArgs({
  options: {
    vessels: { type: 'string', default: '500' },
    positions: { type: 'string', default: '1000000' },
    every: { type: 'string', default: '10' },
  },
});
const vessels = Number(values.vessels);
const total = Number(values.positions);
const everyMs = Number(values.every) * 1000;
const database = 'footprint';

async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return bytes;
}

/** The compressed data itself (.tsm), without the series index whose files are preallocated. */
async function tsmFileBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.tsm'))
      bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return bytes;
}

const dir = await mkdtemp(path.join(tmpdir(), 'lookout-influx-footprint-'));
const influxd = new LocalInfluxd({ dir, coldAfterS: 1 });
try {
  await influxd.start();
  const influx = new InfluxDB({ host: influxd.host, port: influxd.port, database, schema: influxSchemas });
  await influx.createDatabase(database);
  await setUpRetention(influx, database, { rawDays: 365, longDays: 0 });

  const start = Date.UTC(2026, 0, 1);
  const tracks = Array.from({ length: vessels }, (_, i) => ({
    mmsi: 574_000_000 + i,
    lat: 8 + (i % 50) * 0.02,
    lon: 104 + Math.floor(i / 50) * 0.02,
    cog: (i * 37) % 360,
    sog: 2 + (i % 9),
  }));
  const batch: ReturnType<typeof positionPoint>[] = [];
  for (let n = 0; n < total; n++) {
    const track = tracks[n % vessels]!;
    track.cog = (track.cog + ((n * 7919) % 11) - 5 + 360) % 360;
    track.sog = Math.max(0, Math.min(14, track.sog + (((n * 104729) % 7) - 3) / 10));
    track.lat += (Math.cos((track.cog * Math.PI) / 180) * track.sog * everyMs) / 3_600_000 / 60;
    track.lon += (Math.sin((track.cog * Math.PI) / 180) * track.sog * everyMs) / 3_600_000 / 60;
    const position: VesselPosition = {
      mmsi: track.mmsi,
      ts: start + Math.floor(n / vessels) * everyMs + (n % vessels) * 7,
      lat: +track.lat.toFixed(6),
      lon: +track.lon.toFixed(6),
      sog: +track.sog.toFixed(1),
      cog: +track.cog.toFixed(1),
      heading: Math.round(track.cog) % 360,
      navStatus: 7,
      msgType: 1,
    };
    batch.push(positionPoint('edge-song-doc', position));
    if (batch.length === 5000) await influx.writePoints(batch.splice(0), { precision: 'ms', database });
  }
  if (batch.length > 0) await influx.writePoints(batch.splice(0), { precision: 'ms', database });

  // Settled: the WAL is empty and two measurements 3 s apart agree.
  let previous = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const [data, wal] = [await folderBytes(path.join(dir, 'data')), await folderBytes(path.join(dir, 'wal'))];
    if (data === previous && wal === 0) break;
    previous = data;
  }
  const rawBytes = await folderBytes(path.join(dir, 'data'));
  const tsmBytes = await tsmFileBytes(path.join(dir, 'data'));
  const spanH = ((total / vessels) * everyMs) / 3_600_000;
  for (const query of downsampleQueries(database))
    await influx.query(
      `${query.select} WHERE time >= ${start}ms AND time < ${start + (total / vessels) * everyMs + 600_000}ms ${query.groupBy}`,
    );
  let settledLong = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const [data, wal] = [await folderBytes(path.join(dir, 'data')), await folderBytes(path.join(dir, 'wal'))];
    if (data === settledLong && wal === 0) break;
    settledLong = data;
  }
  const [longRows] = await influx.query<{ count: number }>(
    `SELECT count(lat) AS count FROM "${database}"."long"."vessel_track_10m"`,
  );
  const longBytes = settledLong - rawBytes;
  console.log(
    JSON.stringify({
      vessels,
      positions: total,
      everyS: everyMs / 1000,
      spanHours: +spanH.toFixed(1),
      rawBytes,
      bytesPerPosition: +(rawBytes / total).toFixed(1),
      tsmBytes,
      tsmBytesPerPosition: +(tsmBytes / total).toFixed(1),
      longRows: longRows?.count,
      longBytes,
      bytesPerLongRow: longRows?.count ? +(longBytes / longRows.count).toFixed(1) : undefined,
    }),
  );
} finally {
  await influxd.stop();
  await rm(dir, { recursive: true, force: true });
}
