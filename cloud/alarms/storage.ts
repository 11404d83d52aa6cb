import type { InfluxDB, IPoint } from 'influx';
import { Alarm, type AlarmChangeMessage } from '../../protocols/api/alarms.js';
import { compileSchema } from '../../protocols/validation.js';

/** Each alarm change is an event in InfluxDB, the alarm snapshot as JSON: the store is rebuilt from them. */
export const MEASUREMENT_ALARM_EVENT = 'alarm_event';

const checkAlarm = compileSchema(Alarm);

export function alarmEventPoint({ kind, alarm }: AlarmChangeMessage): IPoint {
  const fields: Record<string, string> = {
    json: JSON.stringify(alarm),
    status: alarm.status,
    severity: alarm.severity,
    originator: alarm.originator,
  };
  // Fire alarms' verdicts, countable without parsing the JSON (false alarms per camera and month...).
  if (alarm.triage) fields.triage = alarm.triage.label;
  return {
    measurement: MEASUREMENT_ALARM_EVENT,
    tags: { alarm_id: alarm.id, kind, type: alarm.type },
    fields,
    timestamp: alarm.updatedAt,
  };
}

/**
 * Every stored alarm snapshot (all of them or an error: a partial rebuild would raise duplicates); a row that
 * is not a valid alarm is skipped and handed to `onInvalid` (its start).
 */
export async function readAlarmSnapshots(
  influx: InfluxDB,
  database: string,
  onInvalid: (row: string) => void,
): Promise<Alarm[]> {
  const databases = await influx.getDatabaseNames();
  if (!databases.includes(database)) return [];
  const rows = await influx.query<{ json: string }>(`SELECT "json" FROM "${MEASUREMENT_ALARM_EVENT}"`, {
    database,
  });
  const snapshots: Alarm[] = [];
  for (const row of rows) {
    const alarm = alarmOfJson(row.json);
    if (alarm) snapshots.push(alarm);
    else onInvalid(String(row.json).slice(0, 200));
  }
  return snapshots;
}

/** A stored snapshot back as an alarm; undefined when it is not valid JSON or not a valid alarm. */
export function alarmOfJson(json: string): Alarm | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  return checkAlarm.check(value) ? value : undefined;
}
