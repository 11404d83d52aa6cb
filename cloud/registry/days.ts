/** Vietnam keeps UTC+7 all year: its days are what reports, licences and snapshots count in. */
const VIETNAM_OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;

/** The Vietnam day (`YYYY-MM-DD`) of a time. */
export function vietnamDay(ms: number): string {
  return new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** The first millisecond of a Vietnam day. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - VIETNAM_OFFSET_MS;
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export type Period = 'day' | 'week' | 'month';

/** The period holding `day`: first and last day (weeks from Monday), and its time range [startMs, endMs). */
export function periodOf(
  period: Period,
  day: string,
): { first: string; last: string; startMs: number; endMs: number } {
  let first = day;
  let last = day;
  if (period === 'week') {
    const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
    first = addDays(day, -weekday);
    last = addDays(first, 6);
  } else if (period === 'month') {
    first = `${day.slice(0, 7)}-01`;
    const next = new Date(Date.parse(`${first}T00:00:00Z`));
    next.setUTCMonth(next.getUTCMonth() + 1);
    last = addDays(next.toISOString().slice(0, 10), -1);
  }
  return { first, last, startMs: dayStartMs(first), endMs: dayStartMs(addDays(last, 1)) };
}
