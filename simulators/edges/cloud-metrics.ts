/**
 * What the cloud says it refused, read from its Prometheus `/metrics` (its public monitoring interface, no code
 * of the cloud imported): a simulator that sends what the cloud rejects is worthless, so a run compares these
 * counters before and after itself.
 */
export interface CloudRejections {
  /** `lookout_cloud_invalid_payloads_total`: messages accepted by the broker, then dropped by validation. */
  invalidPayloads: number;
  /** `lookout_cloud_mqtt_denied_total`: logins, publishes, subscriptions refused by credentials or ACL. */
  denied: number;
  /** `lookout_cloud_publishes_refused_total`: telemetry not acknowledged (buffer full, journal error). */
  publishesRefused: number;
}

const SERIES: Record<keyof CloudRejections, string> = {
  invalidPayloads: 'lookout_cloud_invalid_payloads_total',
  denied: 'lookout_cloud_mqtt_denied_total',
  publishesRefused: 'lookout_cloud_publishes_refused_total',
};

/** Sums every sample (all label sets) of each series in a Prometheus text exposition; absent series count 0. */
export function parseCloudRejections(text: string): CloudRejections {
  const totals: CloudRejections = { invalidPayloads: 0, denied: 0, publishesRefused: 0 };
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    for (const [key, name] of Object.entries(SERIES) as Array<[keyof CloudRejections, string]>) {
      if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(value)) totals[key] += value;
    }
  }
  return totals;
}

export async function readCloudRejections(url: string, timeoutMs = 5000): Promise<CloudRejections> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return parseCloudRejections(await response.text());
}

export function rejectionsBetween(before: CloudRejections, after: CloudRejections): CloudRejections {
  return {
    invalidPayloads: after.invalidPayloads - before.invalidPayloads,
    denied: after.denied - before.denied,
    publishesRefused: after.publishesRefused - before.publishesRefused,
  };
}
