/** A time in a query string: ISO 8601 or milliseconds since the epoch; a RangeError names the parameter. */
export function parseQueryTime(text: string, name: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new RangeError(`${name}: "${text}" is neither an ISO 8601 time nor ms since epoch`);
  return ms;
}

/** A query's optional `from` and `to` as milliseconds, the other parameters as they are. */
export function withTimeRange<Query extends { from?: string; to?: string }>({
  from,
  to,
  ...rest
}: Query): Omit<Query, 'from' | 'to'> & { from?: number; to?: number } {
  return {
    ...rest,
    from: from === undefined ? undefined : parseQueryTime(from, 'from'),
    to: to === undefined ? undefined : parseQueryTime(to, 'to'),
  };
}
