import type { InfluxDB } from 'influx';
import { MEASUREMENT_POSITION, MEASUREMENT_STATIC } from './points.js';

/**
 * How long InfluxDB keeps what the cloud stores (`influx.retention`):
 * - the database's default retention policy (where every write goes, `autogen` unless an operator chose
 *   another) keeps everything, positions at full rate, alarms and fire alerts, for `rawDays`;
 * - the `long` policy keeps a vessel's track at one point per 10 minutes (`vessel_track_10m`: last position,
 *   mean speed, number of positions) and its static data once a day (`vessel_static_1d`) for `longDays`,
 *   filled by continuous queries from the raw data.
 * 0 days = forever. Applied each time the writer (re)creates the database, so a changed setting takes effect at
 * the next start.
 */
export interface RetentionSettings {
  rawDays: number;
  longDays: number;
}

export const LONG_RETENTION_POLICY = 'long';
export const MEASUREMENT_TRACK_10M = 'vessel_track_10m';
export const MEASUREMENT_STATIC_1D = 'vessel_static_1d';
/**
 * Continuous queries run every hour over the last day, so positions that arrive up to a day late (an edge back
 * from an outage) are still downsampled. Later ones are not: run `downsampleQueries` over their time range by hand.
 */
const RESAMPLE = 'RESAMPLE EVERY 1h FOR 1d';

const quoted = (name: string) => `"${name.replaceAll('"', '\\"')}"`;
const influxDuration = (days: number) => (days > 0 ? `${days}d` : 'INF');
/** SHOW RETENTION POLICIES says `8760h0m0s`, or `0s` for forever. */
const durationDays = (shown: string) => {
  const match = /^(\d+)h/.exec(shown);
  return match ? Number(match[1]) / 24 : 0;
};

/** The downsampling SELECT ... INTO (without WHERE): continuous queries run them, a backfill can too. */
export function downsampleQueries(
  database: string,
  rawPolicy = 'autogen',
): Array<{ name: string; select: string; groupBy: string }> {
  const from = (measurement: string) => `${quoted(database)}.${quoted(rawPolicy)}.${quoted(measurement)}`;
  const into = (measurement: string) =>
    `${quoted(database)}.${quoted(LONG_RETENTION_POLICY)}.${quoted(measurement)}`;
  return [
    {
      name: `cq_${MEASUREMENT_TRACK_10M}`,
      select: `SELECT last("lat") AS "lat", last("lon") AS "lon", mean("sog") AS "sog", last("cog") AS "cog", count("lat") AS "positions" INTO ${into(MEASUREMENT_TRACK_10M)} FROM ${from(MEASUREMENT_POSITION)}`,
      groupBy: 'GROUP BY time(10m), "mmsi"',
    },
    {
      name: `cq_${MEASUREMENT_STATIC_1D}`,
      select:
        `SELECT last("shipname") AS "shipname", last("callsign") AS "callsign", last("shiptype") AS "shiptype", last("imo") AS "imo", ` +
        `last("destination") AS "destination", last("draught") AS "draught" INTO ${into(MEASUREMENT_STATIC_1D)} FROM ${from(MEASUREMENT_STATIC)}`,
      groupBy: 'GROUP BY time(1d), "mmsi"',
    },
  ];
}

/** Sets the raw and long retention policies and the downsampling continuous queries (idempotent). */
export async function setUpRetention(
  influx: InfluxDB,
  database: string,
  settings: RetentionSettings,
): Promise<void> {
  const policies = await influx.showRetentionPolicies(database);
  const raw = policies.find((policy) => policy.default);
  const rawPolicy = raw?.name ?? 'autogen';
  if (raw && durationDays(raw.duration) !== settings.rawDays) {
    await influx.alterRetentionPolicy(rawPolicy, {
      database,
      duration: influxDuration(settings.rawDays),
      replication: raw.replicaN,
      isDefault: true,
    });
  }
  const long = policies.find((policy) => policy.name === LONG_RETENTION_POLICY);
  if (!long)
    await influx.createRetentionPolicy(LONG_RETENTION_POLICY, {
      database,
      duration: influxDuration(settings.longDays),
      replication: 1,
    });
  else if (durationDays(long.duration) !== settings.longDays) {
    await influx.alterRetentionPolicy(LONG_RETENTION_POLICY, {
      database,
      duration: influxDuration(settings.longDays),
      replication: long.replicaN,
    });
  }
  // InfluxDB shows a continuous query normalised, so it cannot be compared with ours: replace it (a change of
  // this code then takes effect at the next start; nothing is lost, the next run covers the last day again).
  const existing = new Set((await influx.showContinousQueries(database)).map((cq) => cq.name));
  for (const query of downsampleQueries(database, rawPolicy)) {
    if (existing.has(query.name)) await influx.dropContinuousQuery(query.name, database);
    await influx.createContinuousQuery(query.name, `${query.select} ${query.groupBy}`, database, RESAMPLE);
  }
}
