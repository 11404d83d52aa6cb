/**
 * The cloud's two access controls against real components: the aedes broker over TCP/WebSocket with MQTT users
 * and the per-edge topic ACL, and the HTTP API with operator accounts (HTTP Basic), including the dashboard in
 * Debian's Chromium logging in with the browser's own Basic credentials. Real influxd, real fastify.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmsPart } from '../../cloud/alarms/alarms-part.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { dashboardFeature } from '../../cloud/dashboard/index.js';
import { fisheriesFeature } from '../../cloud/fisheries/feature.js';
import { hashPassword } from '../../cloud/http/auth.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { EdgeStatus, VesselPositionBatch } from '../../protocols/mqtt/payloads.js';
import { edgeClientId, topics } from '../../protocols/mqtt/topics.js';
import { capturingLogger, metricValue, tempDir } from '../support/cloud-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';

const CHROMIUM = '/usr/bin/chromium';
const DATABASE = 'security';
const EDGE_A = { username: 'edge-a', password: 'edge-a-secret' };
const EDGE_B = { username: 'edge-b', password: 'edge-b-secret' };
const DASHBOARD = { username: 'dashboard', password: 'dashboard-view', role: 'dashboard' as const };
const VIEWER = { username: 'viewer.minh', password: 'viewer-pass', role: 'viewer' as const };
const OPERATOR = { username: 'officer.lan', password: 'operator-pass', role: 'operator' as const };

let influx: TestInfluxd;
let dataDir: string;
let cloud: Cloud;
let alarms: AlarmsPart;
let capture: ReturnType<typeof capturingLogger>;
const clients: MqttClient[] = [];

async function connect(options: IClientOptions, url = cloud.addresses.mqtt): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  clients.push(client);
  return client;
}

async function metric(name: string, labels: Record<string, string>): Promise<number> {
  return metricValue(await (await fetch(`${cloud.addresses.http}/metrics`)).text(), name, labels) ?? 0;
}

const denied = (reason: string) => metric('lookout_cloud_mqtt_denied_total', { reason });

function batch(edgeId: string, mmsi: number): VesselPositionBatch {
  return {
    edgeId,
    seq: mmsi,
    positions: [{ mmsi, ts: Date.now(), lat: 8.8, lon: 104.4, sog: 5, cog: 90, msgType: 1 }],
  };
}

async function storedCount(mmsi: number): Promise<number> {
  const rows = await influx.client
    .query<{ count: number }>(`SELECT count("lat") FROM "vessel_position" WHERE "mmsi" = '${mmsi}'`, {
      database: DATABASE,
    })
    .catch(() => []);
  return rows[0]?.count ?? 0;
}

const basic = (user: { username: string; password: string }) => ({
  authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`,
});

function http(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${cloud.addresses.http}${path}`, init);
}

function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return http(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

function raiseAlarm(mmsi: number): string {
  return alarms.store.raise({
    originator: `vessel:${mmsi}`,
    type: 'closed_area',
    severity: 'CRITICAL',
    ts: Date.now(),
    details: {},
  })!.alarm.id;
}

beforeAll(async () => {
  dataDir = await tempDir('security');
  influx = await startTestInfluxd();
  capture = capturingLogger('info');
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0, users: [EDGE_A, EDGE_B, DASHBOARD] },
    http: {
      port: 0,
      operators: [
        VIEWER,
        {
          username: OPERATOR.username,
          passwordHash: await hashPassword(OPERATOR.password, { ln: 10, r: 8, p: 1 }),
          role: 'operator',
        },
      ],
    },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database: DATABASE },
    ingest: { batchSize: 100, flushIntervalMs: 20 },
    buffer: { fsync: 'never' },
    dataDir,
    fisheries: { tickIntervalS: 3600 },
  });
  const alarmsOnly = alarmsFeature();
  cloud = createCloud(config, {
    log: capture.log,
    features: [
      alarmsOnly,
      fisheriesFeature(config.fisheries, { alarms: alarmsOnly }),
      dashboardFeature({ resyncMs: 600_000 }),
    ],
  });
  await cloud.start();
  alarms = alarmsOnly.part;
});

afterAll(async () => {
  for (const client of clients) await client.endAsync(true).catch(() => undefined);
  await cloud?.stop();
  await influx?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('MQTT: users and the per-edge topic ACL', () => {
  it("edge A cannot publish on edge B's topics: not acknowledged, not stored, not forwarded, counted, logged once", async () => {
    // A read-only observer of every edge topic: shows what the broker forwards.
    const observer = await connect({ ...DASHBOARD }, cloud.addresses.ws);
    const seen: string[] = [];
    observer.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await observer.subscribeAsync('lookout/v1/edge/#', { qos: 1 });
    const before = await denied('publish_topic');

    for (let attempt = 0; attempt < 2; attempt++) {
      const edgeA = await connect({ clientId: edgeClientId('edge-a'), ...EDGE_A });
      const closed = new Promise<void>((resolve) => edgeA.once('close', () => resolve()));
      let acknowledged = false;
      void edgeA
        .publishAsync(topics.vesselPositions('edge-b'), JSON.stringify(batch('edge-b', 574_900_001)), {
          qos: 1,
        })
        .then(
          () => (acknowledged = true),
          () => undefined,
        );
      await closed;
      expect(acknowledged).toBe(false);
    }
    expect(await denied('publish_topic')).toBe(before + 2);

    // Edge B's own publish and edge A's own publish go through and are stored: the forged one was never there.
    const edgeB = await connect({ clientId: edgeClientId('edge-b'), ...EDGE_B });
    await edgeB.publishAsync(topics.vesselPositions('edge-b'), JSON.stringify(batch('edge-b', 574_900_002)), {
      qos: 1,
    });
    const edgeA = await connect({ clientId: edgeClientId('edge-a'), ...EDGE_A });
    await edgeA.publishAsync(topics.vesselPositions('edge-a'), JSON.stringify(batch('edge-a', 574_900_003)), {
      qos: 1,
    });
    await waitFor(
      async () => (await storedCount(574_900_002)) === 1 && (await storedCount(574_900_003)) === 1,
      10_000,
      'own positions stored',
    );
    await waitFor(() => seen.length >= 2, 15_000, 'own positions forwarded');
    expect(await storedCount(574_900_001)).toBe(0);
    expect(seen.some((line) => line.includes('574900001'))).toBe(false);

    const warnings = capture.lines.filter((line) => line.level === 40 && line.reason === 'publish_topic');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      clientId: edgeClientId('edge-a'),
      username: 'edge-a',
      topic: 'lookout/v1/edge/edge-b/vessels/positions',
    });
  });

  it('refuses a bad password and an unknown user at CONNECT, and counts them', async () => {
    const before = await denied('bad_credentials');
    await expect(connect({ username: EDGE_A.username, password: 'wrong' })).rejects.toThrow(
      /Bad username or password/i,
    );
    await expect(connect({ username: 'edge-z', password: EDGE_A.password })).rejects.toThrow(
      /Bad username or password/i,
    );
    await expect(connect({})).rejects.toThrow(/Bad username or password/i);
    expect(await denied('bad_credentials')).toBe(before + 3);
  });

  it("refuses at CONNECT a last will on another edge's status; its own will is published when it is lost", async () => {
    const foreignWill: EdgeStatus = { state: 'offline', ts: Date.now(), reason: 'lost' };
    const before = await denied('will_topic');
    await expect(
      connect({
        clientId: edgeClientId('edge-a'),
        ...EDGE_A,
        will: {
          topic: topics.edgeStatus('edge-b'),
          payload: Buffer.from(JSON.stringify(foreignWill)),
          qos: 1,
          retain: true,
        },
      }),
    ).rejects.toThrow(/Not authorized/i);
    expect(await denied('will_topic')).toBe(before + 1);

    const edgeA = await connect({
      clientId: edgeClientId('edge-a'),
      ...EDGE_A,
      will: {
        topic: topics.edgeStatus('edge-a'),
        payload: Buffer.from(JSON.stringify(foreignWill)),
        qos: 1,
        retain: true,
      },
    });
    const online: EdgeStatus = { state: 'online', ts: Date.now(), version: 'test' };
    await edgeA.publishAsync(topics.edgeStatus('edge-a'), JSON.stringify(online), { qos: 1, retain: true });
    await waitFor(
      () => cloud.presence.list().find((edge) => edge.edgeId === 'edge-a' && edge.state === 'online'),
      15_000,
      'edge-a online',
    );
    edgeA.stream.destroy();
    await waitFor(
      () =>
        cloud.presence
          .list()
          .find((edge) => edge.edgeId === 'edge-a' && edge.state === 'offline' && edge.reason === 'lost'),
      10_000,
      'edge-a lost (will)',
    );
  });

  it("binds client ids to logins: an edge connects only as its own lookout-edge-{id}, nobody can take over an edge's session", async () => {
    const before = await denied('client_id');
    const edgeB = await connect({ clientId: edgeClientId('edge-b'), ...EDGE_B });
    const takenOver = new Promise<void>((resolve) => edgeB.once('close', () => resolve()));
    // Edge A reusing edge B's client id (MQTT session takeover would cut edge B off), a made-up id, and a
    // dashboard login posing as an edge: all refused at CONNECT (return code 2, identifier rejected).
    await expect(connect({ clientId: edgeClientId('edge-b'), ...EDGE_A })).rejects.toThrow(
      /Identifier rejected/i,
    );
    await expect(connect({ clientId: 'my-own-id', ...EDGE_A })).rejects.toThrow(/Identifier rejected/i);
    await expect(
      connect({ clientId: edgeClientId('edge-b'), ...DASHBOARD }, cloud.addresses.ws),
    ).rejects.toThrow(/Identifier rejected/i);
    expect(await denied('client_id')).toBe(before + 3);
    expect(
      await Promise.race([
        takenOver.then(() => 'closed'),
        new Promise((resolve) => setTimeout(() => resolve('still connected'), 300)),
      ]),
    ).toBe('still connected');
    const warning = capture.lines.find(
      (line) =>
        line.level === 40 &&
        line.reason === 'client_id' &&
        line.username === 'edge-a' &&
        line.clientId === 'my-own-id',
    );
    expect(warning?.msg).toMatch(
      /edge user "edge-a" may connect only as lookout-edge-edge-a, not as "my-own-id"/,
    );
  });

  it('an edge may subscribe inside its own topics only; others are refused (SUBACK 128) and counted', async () => {
    const before = await denied('subscribe_topic');
    const edgeB = await connect({ clientId: edgeClientId('edge-b'), ...EDGE_B });
    const granted = await edgeB.subscribeAsync('lookout/v1/edge/edge-b/#', { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    for (const filter of ['lookout/v1/edge/+/vessels/positions', 'lookout/v1/edge/edge-a/#', '#']) {
      await expect(edgeB.subscribeAsync(filter, { qos: 1 }), filter).rejects.toThrow();
    }
    expect(await denied('subscribe_topic')).toBe(before + 3);
  });
});

describe('HTTP API: operator accounts', () => {
  it('answers 401 with a Basic challenge without credentials; /health and /metrics stay open', async () => {
    for (const path of ['/api/v1/alarms', '/api/v1/edges', '/api/v1/dashboard/config', '/']) {
      const response = await http(path);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate'), path).toMatch(/^Basic realm="Lookout"/);
      expect(await response.json(), path).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    }
    expect(
      (await http('/api/v1/alarms', { headers: basic({ username: VIEWER.username, password: 'nope' }) }))
        .status,
    ).toBe(401);
    expect((await http('/health')).status).toBe(200);
    expect((await http('/metrics')).status).toBe(200);
  });

  it('lets a viewer read, refuses its ack with 403, and records the operator login as who acknowledged', async () => {
    const id = raiseAlarm(574_900_010);
    const list = await http('/api/v1/alarms?status=active', { headers: basic(VIEWER) });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { alarms: Alarm[] }).alarms.map((alarm) => alarm.id)).toContain(id);

    const forbidden = await postJson(`/api/v1/alarms/${id}/ack`, { by: VIEWER.username }, basic(VIEWER));
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ statusCode: 403, error: 'Forbidden' });
    expect(alarms.store.list().find((alarm) => alarm.id === id)?.status).toBe('ACTIVE_UNACK');
    expect(await metric('lookout_cloud_http_auth_refused_total', { reason: 'forbidden' })).toBe(1);

    // The body cannot name someone else: the login is recorded.
    const acked = await postJson(`/api/v1/alarms/${id}/ack`, { by: 'somebody else' }, basic(OPERATOR));
    expect(acked.status).toBe(200);
    expect(await acked.json()).toMatchObject({ id, status: 'ACTIVE_ACK', ackBy: OPERATOR.username });
    const cleared = await postJson(`/api/v1/alarms/${id}/clear`, {}, basic(OPERATOR));
    expect(await cleared.json()).toMatchObject({ id, status: 'CLEARED_ACK', clearBy: OPERATOR.username });

    // A cross-site form cannot send JSON without a CORS preflight; a text/plain body is not accepted as an action.
    const id2 = raiseAlarm(574_900_011);
    const plain = await http(`/api/v1/alarms/${id2}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...basic(OPERATOR) },
      body: '{}',
    });
    expect(plain.status).toBe(400);
    const form = await http(`/api/v1/alarms/${id2}/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(OPERATOR) },
      body: 'by=x',
    });
    expect(form.status).toBe(415);
    expect(alarms.store.list().find((alarm) => alarm.id === id2)?.status).toBe('ACTIVE_UNACK');

    // A verdict on a fire alarm: the viewer may not give one, the operator's login is who gave it.
    const fire = alarms.store.raise({
      originator: 'camera:edge-sec/cam-1',
      type: 'fire',
      severity: 'CRITICAL',
      ts: Date.now(),
      details: {},
    })!.alarm.id;
    const verdict = { label: 'false_alarm', by: 'somebody else' };
    expect((await postJson(`/api/v1/alarms/${fire}/triage`, verdict, basic(VIEWER))).status).toBe(403);
    const judged = await postJson(`/api/v1/alarms/${fire}/triage`, verdict, basic(OPERATOR));
    expect(await judged.json()).toMatchObject({ triage: { label: 'false_alarm', by: OPERATOR.username } });
  });

  it('tells the dashboard who is logged in', async () => {
    const config = await (await http('/api/v1/dashboard/config', { headers: basic(VIEWER) })).json();
    expect(config).toMatchObject({
      operator: { username: VIEWER.username, role: 'viewer' },
      authRequired: true,
      mqtt: { username: DASHBOARD.username },
    });
  });
});

describe('dashboard in Chromium with HTTP Basic', () => {
  let browser: Browser;
  beforeAll(async () => {
    await waitFor(() => existsSync(CHROMIUM), 30_000, `${CHROMIUM} (Debian chromium package)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('without credentials the page is refused; with an operator login it loads, goes live and acks under the login', async () => {
    // Headless Chromium has no prompt: a Basic challenge it cannot answer ends the navigation.
    const anonymous = await browser.newContext();
    const anonymousPage = await anonymous.newPage();
    const statuses: number[] = [];
    anonymousPage.on('response', (response) => statuses.push(response.status()));
    await expect(anonymousPage.goto(`${cloud.addresses.http}/`)).rejects.toThrow(
      /ERR_INVALID_AUTH_CREDENTIALS/,
    );
    expect(statuses).toEqual([401]);
    await anonymous.close();

    const id = raiseAlarm(574_900_020);
    const context = await browser.newContext({
      httpCredentials: { username: OPERATOR.username, password: OPERATOR.password },
      viewport: { width: 1366, height: 768 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${cloud.addresses.http}/`);
    await page.waitForSelector('#live[data-state="live"]', { timeout: 15_000 });
    expect(await page.textContent('#operator-name')).toBe(`${OPERATOR.username} (operator)`);
    await page.click(`#alarms-list li[data-alarm-id="${id}"] button[data-action="ack"]`);
    await page.waitForSelector(`#alarms-list li[data-alarm-id="${id}"][data-status="ACTIVE_ACK"]`, {
      timeout: 20_000,
    });
    expect(await page.$('#operator-dialog[open]')).toBeNull();
    expect(alarms.store.list().find((alarm) => alarm.id === id)).toMatchObject({
      status: 'ACTIVE_ACK',
      ackBy: OPERATOR.username,
    });
    expect(await page.textContent(`#alarms-list li[data-alarm-id="${id}"]`)).toContain(
      `acknowledged by ${OPERATOR.username}`,
    );
    expect(errors).toEqual([]);
    await context.close();
  });

  it('a viewer login sees the alarms without Ack/Clear buttons, but with Map', async () => {
    const id = raiseAlarm(574_900_021);
    const fire = alarms.store.raise({
      originator: 'camera:edge-a/cam-1',
      type: 'fire',
      severity: 'CRITICAL',
      ts: Date.now(),
      details: { lat: 9.26, lon: 104.95, errorM: 340, locatedBy: 2 },
    })!.alarm.id;
    const context = await browser.newContext({
      httpCredentials: { username: VIEWER.username, password: VIEWER.password },
    });
    const page = await context.newPage();
    await page.goto(`${cloud.addresses.http}/`);
    await page.waitForSelector(`#alarms-list li[data-alarm-id="${id}"]`, { timeout: 20_000 });
    expect(await page.textContent('#operator-name')).toBe(`${VIEWER.username} (viewer)`);
    const ack = `#alarms-list li[data-alarm-id="${id}"] button[data-action="ack"]`;
    expect(await page.locator(ack).count()).toBe(1);
    expect(await page.isVisible(ack)).toBe(false);
    // Showing a fire on the map changes nothing: a viewer keeps it.
    const map = `#alarms-list li[data-alarm-id="${fire}"] button[data-action="map"]`;
    await page.waitForSelector(map, { timeout: 20_000 });
    expect(await page.isVisible(map)).toBe(true);
    expect(await page.isVisible(`#alarms-list li[data-alarm-id="${fire}"] button[data-action="clear"]`)).toBe(
      false,
    );
    await context.close();
  });
});
