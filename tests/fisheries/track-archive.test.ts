import { beforeAll, describe, expect, it } from 'vitest';
import { queryTrack } from '../../cloud/fisheries/storage.js';
import { positionPoint } from '../../cloud/influxdb/points.js';
import {
  LONG_RETENTION_POLICY,
  MEASUREMENT_TRACK_10M,
  downsampleQueries,
  setUpRetention,
} from '../../cloud/influxdb/retention.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { scopeForFile } from '../support/scope.js';

/**
 * A track reaching back beyond the raw positions InfluxDB keeps (`influx.retention.rawDays`): the older part is
 * the 10-minute track of the `long` policy, filled by the same SELECT ... INTO as the continuous queries.
 */
const DATABASE = 'track_archive';
const MMSI = 574300001;
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const scope = scopeForFile();
let influx: TestInfluxd;

/** One position a minute for `minutes`, heading east from 104.5°E. */
function sailing(fromTs: number, minutes: number): VesselPosition[] {
  return Array.from({ length: minutes }, (_, i) => ({
    mmsi: MMSI,
    ts: fromTs + i * MIN,
    lat: 8.9,
    lon: 104.5 + i * 0.001,
    sog: 3.5,
    cog: 90,
    msgType: 1,
  }));
}

const now = Math.floor(Date.now() / (10 * MIN)) * 10 * MIN;
const lastYear = sailing(now - 400 * DAY, 120);
const yesterday = sailing(now - DAY, 60);

beforeAll(async () => {
  influx = await scope.use(startTestInfluxd(), (started) => started.cleanup());
  await influx.client.createDatabase(DATABASE);
  await setUpRetention(influx.client, DATABASE, { rawDays: 0, longDays: 0 });
  await influx.client.writePoints(
    [...lastYear, ...yesterday].map((p) => positionPoint('edge-1', p)),
    { database: DATABASE, precision: 'ms' },
  );
  // The backfill the README describes (the continuous query's SELECT ... INTO over a time range).
  const [track] = downsampleQueries(DATABASE);
  await influx.client.query(
    `${track!.select} WHERE time >= ${lastYear[0]!.ts}ms AND time <= ${lastYear.at(-1)!.ts}ms ${track!.groupBy}`,
    { database: DATABASE },
  );
});

describe('a track older than the raw positions', () => {
  const archive = {
    rawSince: now - 365 * DAY,
    retentionPolicy: LONG_RETENTION_POLICY,
    measurement: MEASUREMENT_TRACK_10M,
  };

  it('reads the part before rawSince from the 10-minute track and the rest from the positions', async () => {
    const track = await queryTrack(influx.client, DATABASE, MMSI, now - 401 * DAY, now, 2000, archive);
    const tenMinutes = track.properties.times.filter((ts) => ts < archive.rawSince);
    // 120 positions a minute apart, one per started 10 minutes (the bucket's start, its last position).
    expect(tenMinutes).toEqual(Array.from({ length: 12 }, (_, i) => lastYear[0]!.ts + i * 10 * MIN));
    expect(track.geometry.coordinates[0]).toEqual([lastYear[9]!.lon, lastYear[9]!.lat]);
    expect(track.properties.times.slice(12)).toEqual(yesterday.map((p) => p.ts));
    expect(track.properties).toMatchObject({ total: 12 + 60, coarseUntil: archive.rawSince, intervalMs: 0 });
  });

  it('reads recent ranges from the positions only, and a missing long policy as no archive', async () => {
    const recent = await queryTrack(influx.client, DATABASE, MMSI, now - 2 * DAY, now, 2000, archive);
    expect(recent.properties.times).toEqual(yesterday.map((p) => p.ts));
    expect(recent.properties.coarseUntil).toBeUndefined();
    const withoutPolicy = { ...archive, retentionPolicy: 'no_such_policy' };
    const old = await queryTrack(influx.client, DATABASE, MMSI, now - 401 * DAY, now, 2000, withoutPolicy);
    expect(old.properties.times).toEqual(yesterday.map((p) => p.ts));
  });
});
