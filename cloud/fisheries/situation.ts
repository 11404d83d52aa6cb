import type { InfluxDB } from 'influx';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { Situation, SituationVessel } from '../../protocols/api/situation.js';
import type { AlarmStore } from '../alarms/alarm-store.js';
import { alarmOfJson, MEASUREMENT_ALARM_EVENT } from '../alarms/storage.js';
import { MEASUREMENT_POSITION } from '../influxdb/points.js';
import type { VesselLookup } from './registry.js';

/** How far back the alarm events are read for a moment: an alarm older and unchanged since is in the store. */
const ALARM_LOOKBACK_MS = 30 * 24 * 3_600_000;

export interface SituationSources {
  influx: InfluxDB;
  database: string;
  alarms: AlarmStore;
  vessels: VesselLookup;
  /** A stored alarm event that is not a valid alarm (its start), skipped. */
  onInvalid: (row: string) => void;
}

/** Each vessel's last position at or before `at`, no older than `windowMs`. */
async function positionsAt(
  { influx, database, vessels }: SituationSources,
  at: number,
  windowMs: number,
): Promise<SituationVessel[]> {
  const rows = await influx.query<{
    time: Date;
    mmsi: string;
    lat: number;
    lon: number;
    sog: number | null;
    cog: number | null;
  }>(
    `SELECT last("lat") AS "lat", "lon", "sog", "cog" FROM "${MEASUREMENT_POSITION}" ` +
      `WHERE time <= ${at}ms AND time > ${at - windowMs}ms GROUP BY "mmsi"`,
    { database, precision: 'ms' },
  );
  return rows
    .map((r) => {
      const mmsi = Number(r.mmsi);
      const vessel: SituationVessel = { mmsi, ts: r.time.getTime(), lat: r.lat, lon: r.lon };
      const facts = vessels.get(mmsi);
      if (facts) Object.assign(vessel, { registration: facts.registration, name: facts.name });
      if (r.sog !== null) vessel.sog = r.sog;
      if (r.cog !== null) vessel.cog = r.cog;
      return vessel;
    })
    .sort((a, b) => a.mmsi - b.mmsi);
}

const isActive = (alarm: Alarm) => alarm.status === 'ACTIVE_UNACK' || alarm.status === 'ACTIVE_ACK';

/**
 * The alarms active at `at`, each as it was then: the newest stored event of each alarm at or before `at`
 * (InfluxDB keeps every change). The store adds what InfluxDB has not written yet or holds no event of in the
 * lookback: an alarm it knows, created by `at` and not cleared by then.
 */
async function alarmsAt(sources: SituationSources, at: number): Promise<Alarm[]> {
  const { influx, database, alarms, onInvalid } = sources;
  const rows = await influx.query<{ json: string }>(
    `SELECT last("json") AS "json" FROM "${MEASUREMENT_ALARM_EVENT}" ` +
      `WHERE time <= ${at}ms AND time > ${at - ALARM_LOOKBACK_MS}ms GROUP BY "alarm_id"`,
    { database },
  );
  const thenById = new Map<string, Alarm>();
  for (const row of rows) {
    const alarm = alarmOfJson(row.json);
    if (alarm) thenById.set(alarm.id, alarm);
    else onInvalid(String(row.json).slice(0, 200));
  }
  for (const alarm of alarms.list()) {
    const clearedBy = alarm.clearTs !== undefined && alarm.clearTs <= at;
    if (clearedBy) thenById.delete(alarm.id);
    else if (!thenById.has(alarm.id) && alarm.createdAt <= at) thenById.set(alarm.id, alarm);
  }
  return [...thenById.values()]
    .filter(isActive)
    .sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
}

/** Positions and active alarms at one moment (an incident review). */
export async function situationAt(
  sources: SituationSources,
  at: number,
  windowMs: number,
): Promise<Situation> {
  const databases = await sources.influx.getDatabaseNames();
  if (!databases.includes(sources.database)) return { at, windowMs, vessels: [], alarms: [] };
  const [vessels, alarms] = await Promise.all([positionsAt(sources, at, windowMs), alarmsAt(sources, at)]);
  return { at, windowMs, vessels, alarms };
}
