import { rm } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { fireAlertsFeature } from '../../cloud/fire/feature.js';
import { fisheriesFeature } from '../../cloud/fisheries/feature.js';
import type { VesselPositionRow } from '../../cloud/influxdb/points.js';
import type { VesselState } from '../../protocols/api/vessels.js';
import type { FireAlertList } from '../../protocols/api/fire.js';
import type { FireAlert, VesselPosition, VesselPositionBatch } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { capturingLogger, metricValue, tempDir } from '../support/cloud-fixtures.js';
import { startTestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

/**
 * A position stamped far in the future (a receiver's clock in 2100, a `ts` of 1e16) must not become the vessel's
 * newest position, and one outside InfluxDB's range must not cost the points written with it: both are dropped
 * and counted by reason at ingest, and everything else in the batch and after it is stored and shown.
 */
const scope = scopeForFile();
const EDGE = 'edge-clock';
const DATABASE = 'future_time';
const FROZEN = 574_200_001;
const NEIGHBOUR = 574_200_002;

const influxd = scope.use(startTestInfluxd(), (started) => started.cleanup());

async function startCloud(database = DATABASE) {
  const influx = await influxd;
  const dataDir = await scope.use(tempDir('future-time'), (dir) => rm(dir, { recursive: true, force: true }));
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database },
    ingest: { batchSize: 500, flushIntervalMs: 50 },
    buffer: { fsync: 'never' },
    dataDir,
  });
  const capture = capturingLogger('warn');
  const alarms = alarmsFeature();
  const fisheries = fisheriesFeature(config.fisheries, { alarms });
  const cloud: Cloud = createCloud(config, {
    log: capture.log,
    features: [alarms, fisheries, fireAlertsFeature({ alarms })],
  });
  scope.defer(() => cloud.stop());
  await cloud.start();
  const edge: MqttClient = await scope.use(
    mqtt.connectAsync(cloud.addresses.mqtt, { clientId: EDGE, reconnectPeriod: 0 }),
    (client) => client.endAsync(true),
  );
  return { influx, cloud, edge, fisheries: fisheries.part, logLines: capture.lines };
}

const at = (mmsi: number, ts: number, lat = 8.5): VesselPosition => ({
  mmsi,
  ts,
  lat,
  lon: 104.5,
  sog: 4,
  cog: 90,
  msgType: 1,
});

describe('positions stamped in the future (real aedes, real influxd, fisheries)', () => {
  it('drops and counts them by reason, stores the rest of the batch, and the later real positions show', async () => {
    const { influx, cloud, edge, logLines } = await startCloud();
    const now = Date.now();
    const publish = (seq: number, positions: VesselPosition[]) => {
      const batch: VesselPositionBatch = { edgeId: EDGE, seq, positions };
      return edge.publishAsync(topics.vesselPositions(EDGE), JSON.stringify(batch), { qos: 1 });
    };
    await publish(1, [
      at(FROZEN, now - 60_000),
      at(FROZEN, Date.UTC(2100, 0, 1)),
      at(NEIGHBOUR, now - 60_000),
      at(FROZEN, 1e16),
      at(NEIGHBOUR, now - 50_000),
    ]);
    await publish(2, [at(FROZEN, now - 30_000, 8.6)]);

    const query = () =>
      influx.client.query<VesselPositionRow>(
        `SELECT * FROM vessel_position WHERE mmsi = '${FROZEN}' OR mmsi = '${NEIGHBOUR}'`,
        { database: DATABASE, precision: 'ms' },
      );
    const rows = await waitFor(
      async () => {
        const found = await query().catch(() => []);
        return found.some((row) => row.time.getTime() === now - 30_000) && found.length >= 4
          ? found
          : undefined;
      },
      30_000,
      'the later real position stored',
    );
    expect(rows.map((row) => `${row.mmsi}@${row.time.getTime() - now}`).sort()).toEqual(
      [`${FROZEN}@-60000`, `${FROZEN}@-30000`, `${NEIGHBOUR}@-60000`, `${NEIGHBOUR}@-50000`].sort(),
    );

    const metrics = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
    expect(
      metricValue(metrics, 'lookout_cloud_invalid_records_total', {
        reason: 'future_time',
        kind: 'vessels/positions',
      }),
    ).toBe(1);
    expect(
      metricValue(metrics, 'lookout_cloud_invalid_records_total', {
        reason: 'time_out_of_range',
        kind: 'vessels/positions',
      }),
    ).toBe(1);
    expect(logLines.filter((line) => String(line.msg).includes('InfluxDB rejected'))).toEqual([]);

    const { vessels } = (await (await fetch(`${cloud.addresses.http}/api/v1/vessels`)).json()) as {
      vessels: VesselState[];
    };
    expect(vessels.find((vessel) => vessel.mmsi === FROZEN)).toMatchObject({ ts: now - 30_000, lat: 8.6 });
  });

  it('keeps a fire alert stamped beyond InfluxDB at its receive time, counts it, and the alerts after it are stored', async () => {
    const { cloud, edge } = await startCloud('future_time_alerts');
    const now = Date.now();
    const alert = (alertId: string, ts: number): FireAlert => ({
      edgeId: EDGE,
      cameraId: 'tower-1',
      alertId,
      event: 'new',
      className: 'smoke',
      confidence: 0.8,
      boxes: [],
      firstSeenTs: now - 5000,
      ts,
      camera: {},
    });
    await edge.publishAsync(topics.fireAlert(EDGE), JSON.stringify(alert('clock-broken', 1e16)), { qos: 1 });
    await edge.publishAsync(topics.fireAlert(EDGE), JSON.stringify(alert('clock-fine', now)), { qos: 1 });

    const list = async () =>
      ((await (await fetch(`${cloud.addresses.http}/api/v1/fire/alerts`)).json()) as FireAlertList).alerts;
    const alerts = await waitFor(
      async () => {
        const found = await list();
        return found.length === 2 ? found : undefined;
      },
      30_000,
      'both alerts stored',
    );
    const broken = alerts.find((a) => a.alertId === 'clock-broken')!;
    expect(broken.ts).toBeGreaterThanOrEqual(now);
    expect(broken.ts).toBeLessThan(Date.now() + 1);
    const metrics = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
    expect(
      metricValue(metrics, 'lookout_cloud_invalid_records_total', {
        reason: 'time_out_of_range',
        kind: 'alerts/fire',
      }),
    ).toBe(1);
  });
});
