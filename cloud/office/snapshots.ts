import {
  COUNT_NAMES,
  type DailyQuery,
  type DailyRow,
  type FleetCounts,
  type FleetStats,
} from '../../protocols/api/office.js';
import { GROUP_BYS } from '../../protocols/api/office.js';
import type { Database } from '../registry/database.js';

/** Count → column of `fleet_daily`. */
const COLUMN: Record<keyof FleetCounts, string> = {
  registered: 'registered',
  atSea: 'at_sea',
  inPort: 'in_port',
  noPosition: 'no_position',
  silentOver6h: 'silent_over_6h',
  silentOver10d: 'silent_over_10d',
  inViolation: 'in_violation',
  licenceExpired: 'licence_expired',
  withoutLicence: 'without_licence',
  withoutVms: 'without_vms',
  openCases: 'open_cases',
};

/** Writes the day's rows (the whole fleet as group `total`/`all`, and every group); a later snapshot the same day replaces them. */
export async function writeDailySnapshot(db: Database, stats: FleetStats): Promise<number> {
  const rows: Array<{ by: string; key: string; name?: string; counts: FleetCounts }> = [
    { by: 'total', key: 'all', counts: stats.totals },
  ];
  for (const by of GROUP_BYS)
    for (const group of stats.groups[by])
      rows.push({ by, key: group.key, name: group.name, counts: group.counts });
  const columns = COUNT_NAMES.map((n) => COLUMN[n]);
  await db.transaction(async (tx) => {
    // Groups gone since the last snapshot of the day (a vessel moved commune) must not linger.
    await tx.query('DELETE FROM fleet_daily WHERE day = $1', [stats.day]);
    for (const row of rows) {
      const values = [
        stats.day,
        row.by,
        row.key,
        row.name ?? null,
        new Date(stats.at),
        ...COUNT_NAMES.map((n) => row.counts[n]),
      ];
      await tx.query(
        `INSERT INTO fleet_daily (day, group_by, group_key, group_name, taken_at, ${columns.join(', ')})
         VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`,
        values,
      );
    }
  });
  return rows.length;
}

export async function readDaily(db: Database, query: DailyQuery): Promise<DailyRow[]> {
  const params: unknown[] = [query.from, query.to, query.groupBy ?? 'total'];
  let where = 'day >= $1 AND day <= $2 AND group_by = $3';
  if (query.key !== undefined) {
    params.push(query.key);
    where += ' AND group_key = $4';
  }
  const rows = await db.query<Record<string, unknown>>(
    `SELECT day::text AS day, group_by, group_key, group_name, taken_at, ${COUNT_NAMES.map((n) => COLUMN[n]).join(', ')}
     FROM fleet_daily WHERE ${where} ORDER BY day, group_key`,
    params,
  );
  return rows.map((r) => {
    const counts = Object.fromEntries(COUNT_NAMES.map((n) => [n, Number(r[COLUMN[n]])])) as FleetCounts;
    const row: DailyRow = {
      day: r.day as string,
      groupBy: r.group_by as string,
      key: r.group_key as string,
      takenAt: (r.taken_at as Date).getTime(),
      counts,
    };
    if (r.group_name) row.name = r.group_name as string;
    return row;
  });
}

/**
 * Commune rows summed per day by the district each commune lay in that day (`districtOf`, from the administrative
 * units); a commune the data cannot place keeps its own row.
 */
export function sumByDistrict(
  rows: readonly DailyRow[],
  districtOf: (communeCode: string, day: string) => { code: string; name: string } | undefined,
): DailyRow[] {
  const out = new Map<string, DailyRow>();
  for (const row of rows) {
    const district = districtOf(row.key, row.day);
    const key = district?.code ?? row.key;
    let into = out.get(`${row.day} ${key}`);
    if (!into) {
      into = { ...row, groupBy: 'district', key, counts: { ...row.counts } };
      const name = district?.name ?? row.name;
      if (name !== undefined) into.name = name;
      out.set(`${row.day} ${key}`, into);
    } else for (const n of COUNT_NAMES) into.counts[n] += row.counts[n];
  }
  return [...out.values()].sort((a, b) => a.day.localeCompare(b.day) || a.key.localeCompare(b.key));
}
