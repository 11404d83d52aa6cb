import type { InfluxDB } from 'influx';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { Situation, SituationVessel } from '../../protocols/api/situation.js';
import type { AlarmStore } from '../alarms/alarm-store.js';
import { alarmOfJson, MEASUREMENT_ALARM_EVENT } from '../alarms/storage.js';
import { MEASUREMENT_POSITION, type VesselPositionRow } from '../influxdb/points.js';
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
  const rows = await influx.query<Omit<VesselPositionRow, 'edge' | 'heading' | 'nav_status' | 'msg_type'>>(
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

/**
 * An alarm as it stood at `at`, or undefined when it was not active then: its condition had started (`startTs`,
 * the position's own time, so a replayed or late track counts when it happened) and it was not cleared yet. An
 * acknowledgement or clearing after `at` is taken back; severity and details are the newest (severity only rises).
 */
export function alarmAsAt(alarm: Alarm, at: number): Alarm | undefined {
  if (alarm.startTs > at) return undefined;
  const cleared = alarm.status === 'CLEARED_ACK' || alarm.status === 'CLEARED_UNACK';
  if (cleared && (alarm.clearTs ?? alarm.updatedAt) <= at) return undefined;
  const { clearTs: _clearTs, clearBy: _clearBy, ackTs, ackBy, ...rest } = alarm;
  const acked = ackTs !== undefined && ackTs <= at;
  return {
    ...rest,
    ...(acked ? { ackTs, ...(ackBy !== undefined ? { ackBy } : {}) } : {}),
    status: acked ? 'ACTIVE_ACK' : 'ACTIVE_UNACK',
    lastTs: Math.min(alarm.lastTs, at),
  };
}

/**
 * The alarms active at `at`: the newest snapshot of each alarm changed in the lookback (InfluxDB keeps every
 * change), or the store's when newer (not written yet, or unchanged since before the lookback), as it stood then.
 */
async function alarmsAt(sources: SituationSources, at: number): Promise<Alarm[]> {
  const { influx, database, alarms, onInvalid } = sources;
  const rows = await influx.query<{ json: string }>(
    `SELECT last("json") AS "json" FROM "${MEASUREMENT_ALARM_EVENT}" ` +
      `WHERE time > ${at - ALARM_LOOKBACK_MS}ms GROUP BY "alarm_id"`,
    { database },
  );
  const newest = new Map<string, Alarm>();
  const keep = (alarm: Alarm) => {
    const known = newest.get(alarm.id);
    if (!known || alarm.updatedAt > known.updatedAt) newest.set(alarm.id, alarm);
  };
  for (const row of rows) {
    const alarm = alarmOfJson(row.json);
    if (alarm) keep(alarm);
    else onInvalid(String(row.json).slice(0, 200));
  }
  for (const alarm of alarms.list()) keep(alarm);
  return [...newest.values()]
    .map((alarm) => alarmAsAt(alarm, at))
    .filter((alarm): alarm is Alarm => alarm !== undefined)
    .sort((a, b) => b.startTs - a.startTs || a.id.localeCompare(b.id));
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
