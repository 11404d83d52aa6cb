import { rm } from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudConfig, createCloud, type Cloud, type CloudHealth } from '../../cloud/core.js';
import { cloudFeatures } from '../../cloud/features.js';
import type { CloudConfig } from '../../cloud/config.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { VesselState } from '../../protocols/api/vessels.js';
import type { FireAlert, VesselPosition, VesselPositionBatch } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { Voyage, seededRandom } from '../../simulators/fleet/scenarios/voyage.js';
import { capturingLogger, metricValue, tempDir } from '../support/cloud-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';

/**
 * Issue 6: InfluxDB is down when the cloud restarts. The full product cloud (`cloudFeatures`: fisheries, alarms,
 * fire, cameras, dashboard) must still start (its journal takes telemetry), must not raise again an alarm that
 * was active before the restart when its condition recurs during the outage, and must rebuild vessel state, once
 * InfluxDB is back, with the positions from before the restart. Real influxd, stopped and started on the same
 * port and data; real aedes over TCP; wall clock (the rules work on the positions' own times).
 */
const EDGE = 'edge-outage';
const DATABASE = 'restore_outage';
const INTRUDER = 574_990_001;
const CAMERA = 'tower-7';
const MIN = 60_000;

// An unregistered vessel (no length-class rule) sails into the Hòn Khoai closed area, stays, leaves and comes
// back: one run before the restart (raises the alarm), the same run continued plus a second entry after it.
const startTs = Math.floor((Date.now() - 5 * 3_600_000) / MIN) * MIN;
const voyage = new Voyage(INTRUDER, [104.7, 8.35], startTs).to([104.83, 8.43], 5);
const atCentreTs = voyage.now;
voyage.to([104.84, 8.425], 4).to([104.95, 8.43], 5).to([104.83, 8.44], 5);
const track = voyage.positions(startTs, voyage.now, 3 * MIN, seededRandom(6));
const beforeRestart = track.filter((p) => p.ts <= atCentreTs);
const duringOutage = track.filter((p) => p.ts > atCentreTs);

let influx: TestInfluxd;
let dataDir: string;
let config: CloudConfig;
let cloud: Cloud | undefined;
let edge: MqttClient | undefined;
let seq = 0;
let alarmBefore: Alarm;
let fireAlarmBefore: Alarm;

async function startCloud(): Promise<Cloud> {
  const started = createCloud(config, { log: capturingLogger('warn').log, features: cloudFeatures(config) });
  await started.start();
  edge = await mqtt.connectAsync(started.addresses.mqtt, { clientId: EDGE, reconnectPeriod: 0 });
  return started;
}

async function stopCloud(): Promise<void> {
  await edge?.endAsync(true);
  edge = undefined;
  await cloud?.stop();
  cloud = undefined;
}

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(`${cloud!.addresses.http}${path}`, init);
  return { status: response.status, body: (await response.json()) as T };
}

async function publishPositions(positions: VesselPosition[]): Promise<void> {
  const batch: VesselPositionBatch = { edgeId: EDGE, seq: seq++, positions };
  await edge!.publishAsync(topics.vesselPositions(EDGE), JSON.stringify(batch), { qos: 1 });
}

async function publishFire(event: FireAlert['event'], ts: number): Promise<void> {
  const alert: FireAlert = {
    edgeId: EDGE,
    cameraId: CAMERA,
    alertId: `${CAMERA}-0001`,
    event,
    className: 'smoke',
    confidence: 0.8,
    boxes: [{ x1: 0.4, y1: 0.3, x2: 0.6, y2: 0.5, score: 0.8 }],
    firstSeenTs: startTs,
    ts,
    camera: {},
  };
  await edge!.publishAsync(topics.fireAlert(EDGE), JSON.stringify(alert), { qos: 1 });
}

const alarmsOf = (alarms: Alarm[], originator: string, type: string) =>
  alarms.filter((a) => a.originator === originator && a.type === type);
const storedKinds = async (alarmId: string) =>
  (
    await influx.client.query<{ kind: string }>(
      `SELECT "json", "kind" FROM "alarm_event" WHERE "alarm_id" = '${alarmId}'`,
      { database: DATABASE, precision: 'ms' },
    )
  ).map((r) => r.kind);
const metrics = async () => (await fetch(`${cloud!.addresses.http}/metrics`)).text();

beforeAll(async () => {
  influx = await startTestInfluxd();
  dataDir = await tempDir('restore-outage');
  config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database: DATABASE },
    ingest: { flushIntervalMs: 50 },
    buffer: { fsync: 'never' },
    dataDir,
    fisheries: { tickIntervalS: 3600, restore: { retryMinMs: 100, retryMaxMs: 400 } },
  });
});

afterAll(async () => {
  await stopCloud();
  await influx?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('cloud restart while InfluxDB is down', () => {
  it('before the restart: the closed-area and fire alarms are raised and stored', async () => {
    expect(beforeRestart.length).toBeGreaterThan(20);
    expect(duringOutage.length).toBeGreaterThan(40);
    cloud = await startCloud();
    await publishPositions(beforeRestart);
    await publishFire('new', startTs + 10 * MIN);
    const raised = await waitFor(
      async () => {
        const { body } = await api<{ alarms: Alarm[] }>('/api/v1/alarms?status=active');
        const vessel = alarmsOf(body.alarms, `vessel:${INTRUDER}`, 'closed_area');
        const fire = alarmsOf(body.alarms, `camera:${EDGE}/${CAMERA}`, 'fire');
        return (
          vessel.length === 1 && fire.length === 1 && { vessel: vessel[0]!, fire: fire[0]!, all: body.alarms }
        );
      },
      10_000,
      'the closed-area and fire alarms',
    );
    expect(raised.all).toHaveLength(2);
    alarmBefore = raised.vessel;
    fireAlarmBefore = raised.fire;
    expect(alarmBefore.count).toBe(1);
    await waitFor(
      async () =>
        (await storedKinds(alarmBefore.id)).length === 1 &&
        (await storedKinds(fireAlarmBefore.id)).length === 1,
      10_000,
      'alarm events in InfluxDB',
    );
    await waitFor(
      async () => {
        const rows = await influx.client.query<{ count: number }>(
          `SELECT count("lat") AS "count" FROM "vessel_position" WHERE "mmsi" = '${INTRUDER}'`,
          { database: DATABASE },
        );
        return rows[0]?.count === beforeRestart.length;
      },
      10_000,
      'positions in InfluxDB',
    );
    await stopCloud();
  });

  it('starts without InfluxDB, takes positions and alerts, holds the raises and says it is restoring', async () => {
    await influx.influxd.stop();
    // As if the alarms' local state file were lost: the alarms can only be rebuilt from InfluxDB.
    await rm(path.join(dataDir, 'alarms', 'state.ndjson'));
    cloud = await startCloud();
    await publishPositions(duringOutage.slice(0, 20));
    await publishPositions(duringOutage.slice(20));
    await publishFire('update', startTs + 20 * MIN);

    await waitFor(
      async () => {
        const text = await metrics();
        return (
          metricValue(text, 'lookout_cloud_fisheries_positions_buffered') === duringOutage.length &&
          metricValue(text, 'lookout_cloud_alarm_raises_held') === 1
        );
      },
      10_000,
      'positions buffered and the fire raise held',
    );
    const text = await metrics();
    expect(metricValue(text, 'lookout_cloud_alarms_restore_pending')).toBe(1);
    expect(metricValue(text, 'lookout_cloud_fisheries_restore_pending')).toBe(1);
    expect(metricValue(text, 'lookout_cloud_alarm_raises_held_total')).toBe(1);
    expect(metricValue(text, 'lookout_cloud_fisheries_positions_buffered_total')).toBe(duringOutage.length);

    const alarms = await api<{ alarms: Alarm[]; restoring?: boolean }>('/api/v1/alarms');
    expect(alarms.body).toEqual({ alarms: [], restoring: true });
    const vessels = await api<{ vessels: VesselState[]; restoring?: boolean }>('/api/v1/vessels');
    expect(vessels.body.restoring).toBe(true);
    expect(vessels.body.vessels.map((v) => [v.mmsi, v.ts])).toEqual([[INTRUDER, duringOutage.at(-1)!.ts]]);
    const ack = await api<{ error: string }>(`/api/v1/alarms/${alarmBefore.id}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'officer.lan' }),
    });
    expect(ack.status).toBe(503);
    expect(ack.body.error).toMatch(/rebuilt from InfluxDB/);

    const health = (await api<CloudHealth>('/health')).body;
    expect(health.status).toBe('degraded');
    expect(health.features.alarms).toMatchObject({ status: 'degraded', restoring: true, heldRaises: 1 });
    expect(health.features.fisheries).toMatchObject({
      status: 'degraded',
      restoring: true,
      bufferedPositions: duringOutage.length,
    });
  });

  it('once InfluxDB is back: still ONE alarm per vessel and type (refreshed), vessel state with the earlier positions', async () => {
    await influx.influxd.start();
    await waitFor(
      async () => {
        const [alarms, vessels] = await Promise.all([
          api<{ restoring?: boolean }>('/api/v1/alarms'),
          api<{ restoring?: boolean }>('/api/v1/vessels'),
        ]);
        return alarms.body.restoring === undefined && vessels.body.restoring === undefined;
      },
      15_000,
      'alarms and vessels rebuilt',
    );

    const { body } = await api<{ alarms: Alarm[] }>('/api/v1/alarms');
    expect(body.alarms).toHaveLength(2);
    // The run that continued across the restart raised nothing (the engine knew it from the rebuilt track);
    // the second entry refreshed the alarm raised before the restart: count 2, same id, never a new alarm.
    const vessel = alarmsOf(body.alarms, `vessel:${INTRUDER}`, 'closed_area');
    expect(vessel).toHaveLength(1);
    expect(vessel[0]).toMatchObject({
      id: alarmBefore.id,
      count: 2,
      status: 'ACTIVE_UNACK',
      createdAt: alarmBefore.createdAt,
    });
    expect(vessel[0]!.lastTs).toBeGreaterThan(atCentreTs);
    const fire = alarmsOf(body.alarms, `camera:${EDGE}/${CAMERA}`, 'fire');
    expect(fire).toHaveLength(1);
    expect(fire[0]).toMatchObject({ id: fireAlarmBefore.id, count: 2 });

    const { body: vessels } = await api<{ vessels: VesselState[] }>('/api/v1/vessels');
    expect(vessels.vessels).toHaveLength(1);
    expect(vessels.vessels[0]).toMatchObject({
      mmsi: INTRUDER,
      ts: duringOutage.at(-1)!.ts,
      status: 'at_sea',
    });

    await waitFor(
      async () => (await storedKinds(alarmBefore.id)).join() === 'created,refreshed',
      10_000,
      'the refresh stored',
    );
    expect(await storedKinds(fireAlarmBefore.id)).toEqual(['created', 'refreshed']);
    // Nothing acknowledged was lost: every position of the track is in InfluxDB, before and after the restart.
    const range = `from=${track[0]!.ts}&to=${track.at(-1)!.ts}`;
    await waitFor(
      async () =>
        (await api<{ properties: { times: number[] } }>(`/api/v1/vessels/${INTRUDER}/track?${range}`)).body
          .properties.times.length === track.length,
      10_000,
      'the whole track stored',
    );

    const text = await metrics();
    expect(metricValue(text, 'lookout_cloud_alarms_restore_pending')).toBe(0);
    expect(metricValue(text, 'lookout_cloud_fisheries_restore_pending')).toBe(0);
    expect(metricValue(text, 'lookout_cloud_fisheries_positions_buffered')).toBe(0);
    expect(metricValue(text, 'lookout_cloud_alarm_changes_total', { kind: 'created' })).toBeUndefined();
    await waitFor(async () => (await api<CloudHealth>('/health')).body.status === 'ok', 10_000, 'health ok');
    const health = (await api<CloudHealth>('/health')).body;
    expect(health.features.alarms).toMatchObject({ status: 'ok', restoring: false, heldRaises: 0 });
    expect(health.features.fisheries).toMatchObject({ status: 'ok', restoring: false, bufferedPositions: 0 });
  });

  it('an acknowledgement made while InfluxDB is down survives a cloud restart (kept on disk, stored later)', async () => {
    await influx.influxd.stop();
    const ack = await api<Alarm>(`/api/v1/alarms/${alarmBefore.id}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'officer.lan' }),
    });
    expect(ack.status).toBe(200);
    expect(ack.body.status).toBe('ACTIVE_ACK');
    await stopCloud();
    await influx.influxd.start();
    cloud = await startCloud();
    const { body } = await api<{ alarms: Alarm[] }>('/api/v1/alarms');
    expect(alarmsOf(body.alarms, `vessel:${INTRUDER}`, 'closed_area')).toEqual([
      expect.objectContaining({ id: alarmBefore.id, status: 'ACTIVE_ACK', ackBy: 'officer.lan' }),
    ]);
    await waitFor(
      async () => (await storedKinds(alarmBefore.id)).join() === 'created,refreshed,acknowledged',
      10_000,
      'the acknowledgement stored',
    );
  });

  it('with its local state file, a restart while InfluxDB is down has the alarms at once: a fire update refreshes its alarm, nothing held', async () => {
    await influx.influxd.stop();
    await stopCloud();
    cloud = await startCloud();
    const { body } = await api<{ alarms: Alarm[]; restoring?: boolean }>('/api/v1/alarms');
    expect(body.restoring).toBeUndefined();
    expect(alarmsOf(body.alarms, `vessel:${INTRUDER}`, 'closed_area')).toEqual([
      expect.objectContaining({ id: alarmBefore.id, status: 'ACTIVE_ACK' }),
    ]);
    const fireBefore = alarmsOf(body.alarms, `camera:${EDGE}/${CAMERA}`, 'fire')[0]!;
    await publishFire('update', startTs + 30 * MIN);
    await waitFor(
      async () => {
        const { body: now } = await api<{ alarms: Alarm[] }>('/api/v1/alarms');
        return alarmsOf(now.alarms, `camera:${EDGE}/${CAMERA}`, 'fire')[0]?.count === fireBefore.count + 1;
      },
      10_000,
      'the fire alarm refreshed while InfluxDB is still down',
    );
    const text = await metrics();
    expect(metricValue(text, 'lookout_cloud_alarms_restore_pending')).toBe(0);
    expect(metricValue(text, 'lookout_cloud_alarm_raises_held_total') ?? 0).toBe(0);
    expect(metricValue(text, 'lookout_cloud_alarm_changes_total', { kind: 'created' })).toBeUndefined();
    await influx.influxd.start();
  });
});
