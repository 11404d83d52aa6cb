import { describe, expect, it } from 'vitest';
import { parseCloudRejections, rejectionsBetween } from './cloud-metrics.js';

describe('cloud rejections from /metrics', () => {
  it('sums every label set of the three counters and ignores the rest', () => {
    const text = [
      '# HELP lookout_cloud_invalid_payloads_total Edge messages dropped because they failed validation, by reason',
      '# TYPE lookout_cloud_invalid_payloads_total counter',
      'lookout_cloud_invalid_payloads_total{reason="schema",kind="health",service="cloud"} 3',
      'lookout_cloud_invalid_payloads_total{reason="invalid_json",kind="vessels/positions",service="cloud"} 2',
      'lookout_cloud_mqtt_denied_total{reason="bad_credentials",service="cloud"} 4',
      'lookout_cloud_mqtt_denied_total_other 100',
      'lookout_cloud_publishes_refused_total 1',
      'lookout_cloud_mqtt_messages_in_total{kind="health",service="cloud"} 999',
    ].join('\n');
    expect(parseCloudRejections(text)).toEqual({ invalidPayloads: 5, denied: 4, publishesRefused: 1 });
    expect(parseCloudRejections('')).toEqual({ invalidPayloads: 0, denied: 0, publishesRefused: 0 });
  });

  it('reports what a run added', () => {
    expect(
      rejectionsBetween(
        { invalidPayloads: 5, denied: 1, publishesRefused: 0 },
        { invalidPayloads: 7, denied: 1, publishesRefused: 3 },
      ),
    ).toEqual({
      invalidPayloads: 2,
      denied: 0,
      publishesRefused: 3,
    });
  });
});
