import { rm } from 'node:fs/promises';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { fisheriesFeature } from '../../cloud/fisheries/feature.js';
import type { FisheriesPart } from '../../cloud/fisheries/part.js';
import type { AlarmsPart } from '../../cloud/alarms/alarms-part.js';
import { compileSchema } from '../../protocols/validation.js';
import { AlarmChangeMessage, type Alarm } from '../../protocols/api/alarms.js';
import type { TrackFeature, VesselState } from '../../protocols/api/vessels.js';
import type { Situation } from '../../protocols/api/situation.js';
import type { VesselPosition, VesselPositionBatch } from '../../protocols/mqtt/payloads.js';
import { filters, topics } from '../../protocols/mqtt/topics.js';
import { iuuScenario, lateReplay } from '../../simulators/fleet/scenarios/iuu.js';
import { capturingLogger, tempDir } from '../support/cloud-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';

/**
 * The acceptance scenario through the real cloud path: positions published over MQTT to the cloud core (aedes,
 * journal, InfluxDB writer), the fisheries part on its bus, alarms stored in a real InfluxDB and published on
 * MQTT, the HTTP API, and a restart that rebuilds alarms and vessel state from InfluxDB. Simulated time: the
 * rules' and alarms' clock is the scenario's, advanced as the positions are delivered.
 */
const scenario = iuuScenario({ seed: 11 });
const EDGE = 'edge-sim';
const DATABASE = 'fisheries_path';
const MIN = 60_000;

let influx: TestInfluxd;
let dataDir: string;
let simNow = scenario.startTs;

interface Running {
  cloud: Cloud;
  fisheries: FisheriesPart;
  alarms: AlarmsPart;
  edge: MqttClient;
  watcher: MqttClient;
  messages: AlarmChangeMessage[];
  seq: number;
}
let running: Running | undefined;

async function startCloud(): Promise<Running> {
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database: DATABASE },
    ingest: { batchSize: 2000, flushIntervalMs: 50 },
    buffer: { fsync: 'never' },
    dataDir,
    fisheries: { vessels: scenario.registry, tickIntervalS: 3600 },
  });
  const clock = () => simNow;
  const alarms = alarmsFeature({ clock });
  const fisheries = fisheriesFeature(config.fisheries, { alarms, clock });
  const cloud = createCloud(config, {
    log: capturingLogger('warn').log,
    features: [alarms, fisheries],
  });
  await cloud.start();
  const watcher = await mqtt.connectAsync(cloud.addresses.mqtt, {
    clientId: 'control-room',
    reconnectPeriod: 0,
  });
  const messages: AlarmChangeMessage[] = [];
  const check = compileSchema(AlarmChangeMessage);
  watcher.on('message', (_topic, payload) => {
    const parsed = check.parseJson(payload);
    if (!parsed.ok) throw new Error(`invalid alarm message: ${parsed.errors.join('; ')}`);
    messages.push(parsed.value);
  });
  await watcher.subscribeAsync(filters.cloudAlarms, { qos: 1 });
  const edge = await mqtt.connectAsync(cloud.addresses.mqtt, { clientId: EDGE, reconnectPeriod: 0 });
  return { cloud, fisheries: fisheries.part, alarms: alarms.part, edge, watcher, messages, seq: 0 };
}

async function stopCloud(): Promise<void> {
  if (!running) return;
  await running.edge.endAsync(true);
  await running.watcher.endAsync(true);
  await running.cloud.stop();
  running = undefined;
}

/** Publishes positions as edge batches and waits until the fisheries part has looked at every one of them. */
async function deliver(r: Running, positions: VesselPosition[]): Promise<void> {
  const stats = r.fisheries.engine.stats;
  const before = stats.positions + stats.duplicates + stats.tooLate;
  for (let i = 0; i < positions.length; i += 1000) {
    const batch: VesselPositionBatch = {
      edgeId: EDGE,
      seq: r.seq++,
      positions: positions.slice(i, i + 1000),
    };
    await r.edge.publishAsync(topics.vesselPositions(EDGE), JSON.stringify(batch), { qos: 1 });
  }
  await waitFor(
    () => stats.positions + stats.duplicates + stats.tooLate - before >= positions.length,
    30_000,
    'positions evaluated',
  );
}

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const response = await fetch(`${running!.cloud.addresses.http}${path}`, init);
  return { status: response.status, body: (await response.json()) as T };
}

const post = (path: string, body: unknown) =>
  api<Alarm & { error?: string }>(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  influx = await startTestInfluxd();
  dataDir = await tempDir('fisheries-cloud');
  running = await startCloud();
});

afterAll(async () => {
  await stopCloud();
  await influx?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('IUU scenario through MQTT, the cloud core and InfluxDB', () => {
  it('raises exactly the expected alarms, stores them and publishes them', async () => {
    const r = running!;
    const windowMs = 30 * MIN;
    for (let t = scenario.startTs; t <= scenario.endTs; t += windowMs) {
      const chunk = scenario.positions.filter((p) => p.ts >= t && p.ts < t + windowMs);
      if (chunk.length > 0) await deliver(r, chunk);
      simNow = t + windowMs;
      r.fisheries.tick();
    }
    const alarms = r.alarms.store.list();
    const got = alarms.map((a) => `${a.originator} ${a.type}`).sort();
    expect(got).toEqual(scenario.expected.map((e) => `vessel:${e.mmsi} ${e.type}`).sort());
    for (const expected of scenario.expected) {
      const alarm = alarms.find((a) => a.originator === `vessel:${expected.mmsi}`)!;
      expect(alarm.createdAt).toBeLessThanOrEqual(expected.dueTs + expected.withinMs + windowMs);
    }
    await waitFor(
      () => r.messages.filter((m) => m.kind === 'created').length >= scenario.expected.length,
      10_000,
      'alarm messages',
    );
    expect(
      r.messages
        .filter((m) => m.kind === 'created')
        .map((m) => m.alarm.type)
        .sort(),
    ).toEqual(scenario.expected.map((e) => e.type).sort());
    await r.alarms.flushed();
    const stored = await influx.client.query<{ count: number }>(
      'SELECT count("json") AS "count" FROM "alarm_event"',
      { database: DATABASE },
    );
    expect(stored[0]!.count).toBe(r.messages.length);
  });

  it('serves vessels, tracks (downsampled for long ranges), zones and the OpenAPI document', async () => {
    const { body: all } = await api<{ vessels: VesselState[] }>('/api/v1/vessels');
    expect(all.vessels).toHaveLength(scenario.registry.length + 1);
    expect(all.vessels.filter((v) => !v.registered).map((v) => v.name)).toEqual([undefined]);
    const silent = scenario.expected.find((e) => e.type === 'signal_loss')!.mmsi;
    const { body: silentOnes } = await api<{ vessels: VesselState[] }>('/api/v1/vessels?status=silent');
    expect(silentOnes.vessels.map((v) => v.mmsi)).toEqual([silent]);
    const { body: coastal } = await api<{ vessels: VesselState[] }>(
      '/api/v1/vessels?zone=song-doc-coastal-demo',
    );
    expect(coastal.vessels.length).toBeGreaterThanOrEqual(3);
    expect(coastal.vessels.every((v) => v.zones.includes('song-doc-coastal-demo'))).toBe(true);

    const crosser = scenario.expected.find((e) => e.type === 'boundary_crossing')!.mmsi;
    const own = scenario.positions.filter((p) => p.mmsi === crosser);
    await waitFor(
      async () => {
        const rows = await influx.client.query<{ count: number }>(
          `SELECT count("lat") AS "count" FROM "vessel_position" WHERE "mmsi" = '${crosser}'`,
          { database: DATABASE },
        );
        return rows[0]?.count === own.length;
      },
      20_000,
      'positions in InfluxDB',
    );
    const range = `from=${new Date(scenario.startTs).toISOString()}&to=${scenario.endTs}`;
    const full = await api<TrackFeature>(`/api/v1/vessels/${crosser}/track?${range}`);
    expect(full.status).toBe(200);
    expect(full.body.properties).toMatchObject({ intervalMs: 0, total: own.length });
    expect(full.body.geometry.coordinates).toEqual(own.map((p) => [p.lon, p.lat]));
    expect(full.body.properties.times).toEqual(own.map((p) => p.ts));
    expect(full.body.properties.sog).toEqual(own.map((p) => p.sog ?? null));
    const coarse = await api<TrackFeature>(`/api/v1/vessels/${crosser}/track?${range}&maxPoints=40`);
    const thinned = coarse.body.properties;
    expect(thinned.total).toBe(own.length);
    expect(coarse.body.geometry.coordinates).toHaveLength(40);
    // The thinned track starts and ends where the full one does, and each vertex is one of its positions.
    expect(thinned.times[0]).toBe(own[0]!.ts);
    expect(thinned.times[39]).toBe(own[own.length - 1]!.ts);
    const byTime = new Map(own.map((p) => [p.ts, [p.lon, p.lat]]));
    expect(coarse.body.geometry.coordinates).toEqual(thinned.times.map((ts) => byTime.get(ts)));
    // Without from: the 24 h before to.
    const lastDay = await api<TrackFeature>(`/api/v1/vessels/${crosser}/track?to=${scenario.endTs}`);
    expect(lastDay.body.properties.from).toBe(scenario.endTs - 24 * 60 * MIN);
    expect(lastDay.body.properties.times).toEqual(
      own.filter((p) => p.ts >= scenario.endTs - 24 * 60 * MIN).map((p) => p.ts),
    );
    expect((await api(`/api/v1/vessels/${crosser}/track?from=yesterday&to=1`)).status).toBe(400);

    const { body: zones } = await api<{ features: Array<{ id: string; properties: { kind: string } }> }>(
      '/api/v1/zones',
    );
    expect(zones.features.find((f) => f.id === 'ca-mau-offshore-test-zone')!.properties.kind).toBe(
      'offshore',
    );
    expect(zones.features).toHaveLength(12);

    const { body: openapi } = await api<{ openapi: string; paths: Record<string, unknown> }>(
      '/api/v1/openapi.json',
    );
    expect(openapi.openapi).toMatch(/^3\./);
    for (const path of [
      '/api/v1/edges',
      '/api/v1/vessels',
      '/api/v1/vessels/{mmsi}/track',
      '/api/v1/situation',
      '/api/v1/alarms',
      '/api/v1/alarms/{id}/ack',
      '/api/v1/alarms/{id}/clear',
      '/api/v1/zones',
    ]) {
      expect(Object.keys(openapi.paths)).toContain(path);
    }
  });

  it('acknowledges and clears through the API with who and when; filters by status and type', async () => {
    const { body: active } = await api<{ alarms: Alarm[] }>('/api/v1/alarms?status=active&type=closed_area');
    expect(active.alarms).toHaveLength(1);
    const id = active.alarms[0]!.id;
    const acked = await post(`/api/v1/alarms/${id}/ack`, { by: 'officer.lan' });
    expect(acked.body).toMatchObject({ status: 'ACTIVE_ACK', ackBy: 'officer.lan', ackTs: simNow });
    const cleared = await post(`/api/v1/alarms/${id}/clear`, { by: 'officer.minh' });
    expect(cleared.body).toMatchObject({ status: 'CLEARED_ACK', clearBy: 'officer.minh' });
    expect((await post('/api/v1/alarms/no-such-alarm/ack', { by: 'x' })).status).toBe(404);
    expect((await post(`/api/v1/alarms/${id}/ack`, {})).status).toBe(400);
    const { body: stillActive } = await api<{ alarms: Alarm[] }>('/api/v1/alarms?status=active');
    expect(stillActive.alarms).toHaveLength(scenario.expected.length - 1);
    await waitFor(
      () => running!.messages.some((m) => m.kind === 'cleared' && m.alarm.id === id),
      10_000,
      'cleared message',
    );
  });

  it('reviews the situation at a moment: last positions within the window, alarms as they were then', async () => {
    const r = running!;
    await r.alarms.flushed();
    const newest = new Map<string, VesselPosition>();
    for (const p of scenario.positions) newest.set(`${p.mmsi}:${p.ts}`, p);
    await waitFor(
      async () => {
        const rows = await influx.client.query<{ count: number }>(
          'SELECT count("lat") AS "count" FROM "vessel_position"',
          { database: DATABASE },
        );
        return rows[0]?.count === newest.size;
      },
      20_000,
      'every position in InfluxDB',
    );
    const closed = r.alarms.store.list().find((a) => a.type === 'closed_area')!;
    expect(closed.status).toBe('CLEARED_ACK');
    const at = closed.startTs + MIN;
    const windowMs = 2 * 60 * MIN;
    const { status, body } = await api<Situation>(
      `/api/v1/situation?at=${new Date(at).toISOString()}&windowH=2`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({ at, windowMs });
    const lastAt = new Map<number, VesselPosition>();
    for (const p of newest.values())
      if (p.ts <= at && p.ts > at - windowMs && p.ts > (lastAt.get(p.mmsi)?.ts ?? -1)) lastAt.set(p.mmsi, p);
    expect(body.vessels.map((v) => [v.mmsi, v.ts, v.lat, v.lon])).toEqual(
      [...lastAt.values()].sort((a, b) => a.mmsi - b.mmsi).map((p) => [p.mmsi, p.ts, p.lat, p.lon]),
    );
    for (const vessel of body.vessels)
      expect(vessel.registration).toBe(scenario.registry.find((v) => v.mmsi === vessel.mmsi)?.registration);
    // The closed-area alarm as it was then: active, not yet acknowledged (it was acknowledged and cleared later).
    const then = body.alarms.find((a) => a.id === closed.id)!;
    expect(then).toMatchObject({ status: 'ACTIVE_UNACK' });
    expect(then.ackBy).toBeUndefined();
    const activeThen = r.alarms.store
      .list()
      .filter((a) => a.startTs <= at && (a.clearTs === undefined || a.clearTs > at));
    expect(body.alarms.map((a) => a.id).sort()).toEqual(activeThen.map((a) => a.id).sort());
    // Now that it is cleared, it is not active at the present moment.
    const now = await api<Situation>(`/api/v1/situation?at=${simNow}`);
    expect(now.body.alarms.map((a) => a.id)).not.toContain(closed.id);
    expect(now.body.alarms).toHaveLength(scenario.expected.length - 1);
    const before = await api<Situation>(`/api/v1/situation?at=${scenario.startTs - 1}`);
    expect(before.body).toMatchObject({ vessels: [], alarms: [] });
    expect((await api('/api/v1/situation?at=noon')).status).toBe(400);
  });

  it('replaying every position late and out of order raises nothing new, even for the cleared alarm', async () => {
    const r = running!;
    const before = { alarms: r.alarms.store.list(), messages: r.messages.length };
    await deliver(r, lateReplay(scenario.positions, 5));
    r.fisheries.tick();
    expect(r.alarms.store.list()).toEqual(before.alarms);
    expect(r.messages.length).toBe(before.messages);
  });

  it('after a restart, alarms and vessel state are rebuilt from InfluxDB and old data still raises nothing', async () => {
    await running!.alarms.flushed();
    const alarmsBefore = running!.alarms.store.list();
    const vesselsBefore = (await api<{ vessels: VesselState[] }>('/api/v1/vessels')).body.vessels;
    await stopCloud();
    running = await startCloud();
    expect(running.alarms.store.list()).toEqual(alarmsBefore);
    const vesselsAfter = (await api<{ vessels: VesselState[] }>('/api/v1/vessels')).body.vessels;
    expect(vesselsAfter).toEqual(vesselsBefore);
    await deliver(running, lateReplay(scenario.positions, 6));
    running.fisheries.tick();
    expect(running.alarms.store.list()).toEqual(alarmsBefore);
    expect(running.messages).toEqual([]);
  });
});
