/**
 * The live web dashboard in a real browser (Debian's Chromium driven by playwright-core) against a real cloud:
 * aedes (TCP for the test's edge, WebSocket for the page), the fisheries, alarms, fire and camera parts, real
 * influxd. Everything the page shows arrives the way it does in production: positions, statuses and fire alerts
 * published over MQTT by an "edge", alarms raised by the rules and pushed to the page over MQTT/WebSocket.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmsPart } from '../../cloud/alarms/alarms-part.js';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { cameraSettingsFeature } from '../../cloud/camera-settings/feature.js';
import { camerasFeature } from '../../cloud/cameras/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { dashboardFeature, type DashboardConfigResponse } from '../../cloud/dashboard/index.js';
import { fireAlertsFeature } from '../../cloud/fire/feature.js';
import { fisheriesFeature } from '../../cloud/fisheries/feature.js';
import { registryFeature } from '../../cloud/registry/feature.js';
import type { FisheriesPart } from '../../cloud/fisheries/part.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { CameraSettingsState } from '../../protocols/api/camera-settings.js';
import type { VesselRegistration } from '../../protocols/api/vessels.js';
import type {
  CameraInventory,
  CameraSettingsDesired,
  CameraSettingsReported,
  CameraStatus,
  EdgeHealth,
  EdgeStatus,
  FireAlert,
  VesselPosition,
  VesselPositionBatch,
} from '../../protocols/mqtt/payloads.js';
import { edgeClientId, topics } from '../../protocols/mqtt/topics.js';
import { capturingLogger, tempDir } from '../support/cloud-fixtures.js';
import { runFfmpeg } from '../support/fire-media.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const CHROMIUM = '/usr/bin/chromium';
const EDGE = 'edge-song-doc';
// The broker's topic ACL lets an edge login publish only on the edge ids it is given (default: its username).
const EDGE_USER = { username: 'edge', password: 'edge-secret', edgeIds: [EDGE] };
const DASHBOARD_USER = { username: 'dashboard', password: 'dashboard-view', role: 'dashboard' as const };
const OPERATOR = 'Officer Lan';

const registry: VesselRegistration[] = [
  {
    mmsi: 574000101,
    registration: 'CM-90101-TS',
    name: 'Tan Phat 01',
    lengthM: 18.5,
    homePort: 'port-song-doc',
  },
  {
    mmsi: 574000102,
    registration: 'CM-90102-TS',
    name: 'Minh Khang 02',
    lengthM: 16,
    homePort: 'port-song-doc',
  },
  {
    mmsi: 574000103,
    registration: 'CM-90103-TS',
    name: 'Hai Dang 03',
    lengthM: 9.5,
    homePort: 'port-song-doc',
  },
  {
    mmsi: 574000104,
    registration: 'CM-90104-TS',
    name: 'Phuoc Loc 04',
    lengthM: 21,
    homePort: 'port-ganh-hao',
  },
];
const UNREGISTERED = 574999001;
const INTRUDER = 574000104;
const VESSELS = registry.length + 1;

const scope = scopeForFile();
let influx: TestInfluxd;
let dataDir: string;
let cloud: Cloud;
let fisheries: FisheriesPart;
let alarms: AlarmsPart;
let edge: MqttClient;
let browser: Browser;
let page: Page;
let jpeg: Buffer;
let seq = 0;
const consoleErrors: string[] = [];
const dashboardClientIds: string[] = [];

async function waitForChromium(): Promise<void> {
  await waitFor(() => existsSync(CHROMIUM), 30_000, `${CHROMIUM} (Debian chromium package)`);
}

async function publishPositions(positions: VesselPosition[]): Promise<void> {
  const before = fisheries.engine.stats.positions;
  const batch: VesselPositionBatch = { edgeId: EDGE, seq: seq++, positions };
  await edge.publishAsync(topics.vesselPositions(EDGE), JSON.stringify(batch), { qos: 1 });
  await waitFor(
    () => fisheries.engine.stats.positions - before >= positions.length,
    10_000,
    'positions evaluated',
  );
}

function at(mmsi: number, ts: number, lat: number, lon: number, sog = 7.5, cog = 200): VesselPosition {
  return { mmsi, ts, lat, lon, sog, cog, msgType: 1 };
}

async function api<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${cloud.addresses.http}${url}`, init);
  expect(response.ok, `${url}: HTTP ${response.status}`).toBe(true);
  return (await response.json()) as T;
}

beforeAll(async () => {
  dataDir = await tempDir('dashboard');
  [influx] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    waitForChromium(),
  ]);
  const snapshotFile = path.join(dataDir, 'snapshot.jpg');
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=320x180:rate=1',
    '-frames:v',
    '1',
    '-q:v',
    '6',
    snapshotFile,
  ]);
  jpeg = await readFile(snapshotFile);

  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0, users: [EDGE_USER, DASHBOARD_USER] },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'dashboard' },
    ingest: { batchSize: 500, flushIntervalMs: 50 },
    buffer: { fsync: 'never' },
    dataDir,
    fisheries: { vessels: registry, tickIntervalS: 3600 },
  });
  const alarmsOnly = alarmsFeature();
  const fisheriesOnly = fisheriesFeature(config.fisheries, { alarms: alarmsOnly });
  // The SQL database the camera settings are kept in (PGlite under dataDir).
  const settingsDatabase = registryFeature();
  cloud = createCloud(config, {
    log: capturingLogger('warn').log,
    features: [
      settingsDatabase,
      alarmsOnly,
      fisheriesOnly,
      fireAlertsFeature({ alarms: alarmsOnly }),
      camerasFeature(),
      cameraSettingsFeature({ registry: settingsDatabase }),
      // A resync far in the future: alarms and fire alerts can only reach the open page over MQTT.
      dashboardFeature({ vesselPollMs: 1000, resyncMs: 600_000 }),
    ],
  });
  cloud.bus.on('clientConnected', ({ clientId, username }) => {
    if (username === DASHBOARD_USER.username) dashboardClientIds.push(clientId);
  });
  await cloud.start();
  fisheries = fisheriesOnly.part;
  alarms = alarmsOnly.part;

  edge = await mqtt.connectAsync(cloud.addresses.mqtt, {
    clientId: edgeClientId(EDGE),
    ...EDGE_USER,
    reconnectPeriod: 0,
  });
  const status: EdgeStatus = { state: 'online', ts: Date.now(), version: '0.1.0' };
  await edge.publishAsync(topics.edgeStatus(EDGE), JSON.stringify(status), { qos: 1, retain: true });
  // This edge's clock runs five minutes ahead (no NTP on the tower): the control room must see it.
  const health: EdgeHealth = {
    ts: Date.now() + 5 * 60_000,
    uptimeS: 60,
    outbox: { messages: 0, bytes: 0, dropped: 0 },
    ais: { sentences: 0, messages: 0, rejected: 0, duplicates: 0 },
  };
  await edge.publishAsync(topics.edgeHealth(EDGE), JSON.stringify(health), { qos: 1 });
  const inventory: CameraInventory = {
    edgeId: EDGE,
    ts: Date.now(),
    cameras: [
      {
        cameraId: 'u-minh-tower-1',
        state: 'online',
        origin: 'onvif',
        position: { lat: 9.3, lon: 104.97 },
        bearingDeg: 250,
        since: Date.now(),
        failures: 0,
      },
      {
        cameraId: 'u-minh-tower-2',
        state: 'unreachable',
        origin: 'onvif',
        reason: 'connect ETIMEDOUT',
        position: { lat: 9.2, lon: 105.02 },
        bearingDeg: 300,
        since: Date.now(),
        failures: 3,
      },
    ],
  };
  await edge.publishAsync(topics.cameraInventory(EDGE), JSON.stringify(inventory), { qos: 1, retain: true });
  const cameraStatus: CameraStatus = {
    cameraId: 'u-minh-tower-1',
    ts: Date.now(),
    state: 'online',
    lastFrameTs: Date.now(),
    restarts: 0,
  };
  await edge.publishAsync(topics.cameraStatus(EDGE, 'u-minh-tower-1'), JSON.stringify(cameraStatus), {
    qos: 1,
    retain: true,
  });

  const now = Date.now();
  await publishPositions([
    at(574000101, now - 20_000, 8.9, 104.35),
    at(574000102, now - 20_000, 8.3, 104.55, 9.1, 135),
    at(574000103, now - 20_000, 9.036, 104.822, 0, 0),
    at(INTRUDER, now - 20_000, 8.52, 104.95, 8.2, 250),
    at(UNREGISTERED, now - 20_000, 8.7, 104.2, 6.4, 310),
    at(574000101, now - 10_000, 8.899, 104.349),
    at(574000102, now - 10_000, 8.299, 104.551, 9.1, 135),
  ]);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // An English-speaking officer's browser: most checks read the English texts; Vietnamese is checked on its own.
  page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
});

afterAll(async () => {
  await browser?.close();
  await edge?.endAsync(true);
  await cloud?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('live dashboard in Chromium', () => {
  it('loads, shows the vessels and goes live over MQTT/WebSocket with the read-only dashboard user', async () => {
    await page.goto(`${cloud.addresses.http}/`);
    await page.waitForSelector('#live[data-state="live"]', { timeout: 15_000 });
    await expect
      .poll(() => page.locator('#vessels-body tr[data-mmsi]').count(), { timeout: 20_000 })
      .toBe(VESSELS);

    const readRows = () =>
      page.$$eval('#vessels-body tr[data-mmsi]', (trs) =>
        trs.map((tr) =>
          Object.fromEntries(
            [...tr.querySelectorAll('td')].map((td) => [td.dataset.col ?? '', td.textContent?.trim() ?? '']),
          ),
        ),
      );
    // Zone kinds show once the zones GeoJSON is in (fetched in parallel with the first vessels).
    await expect
      .poll(async () => (await readRows()).find((r) => r.mmsi === '574000101')?.zone)
      .toBe('offshore');
    const rows = await readRows();
    const byMmsi = new Map(rows.map((cells) => [Number(cells.mmsi), cells]));
    expect([...byMmsi.keys()].sort()).toEqual([...registry.map((v) => v.mmsi), UNREGISTERED].sort());
    expect(byMmsi.get(574000101)).toMatchObject({
      name: 'Tan Phat 01',
      registration: 'CM-90101-TS',
      length: '18.5',
      position: '8°53′56″ N, 104°20′56″ E',
      speed: '7.5',
      flags: '',
    });
    expect(byMmsi.get(574000101)!.zone).toBe('offshore');
    expect(byMmsi.get(574000101)!.seen).toMatch(/^\d+ s ago$/);
    expect(byMmsi.get(UNREGISTERED)).toMatchObject({ name: '—', flags: 'unregistered' });
    expect(byMmsi.get(574000103)).toMatchObject({ flags: 'in port', zone: 'port Sông Đốc' });

    await expect.poll(() => page.textContent('#count-vessels')).toBe(String(VESSELS));
    await expect.poll(() => page.textContent('#count-edges')).toBe('1 / 1');
    // Every vessel is on the map: as a marker, or counted in a cluster when zoomed out.
    await expect.poll(() => page.getAttribute('#map', 'data-vessels')).toBe(String(VESSELS));
    await expect
      .poll(() =>
        page.$$eval(
          '#map .vessel[data-mmsi], #map .vessel-cluster',
          (marks) =>
            marks.filter((m) => m.matches('.vessel')).length +
            marks.filter((m) => m.matches('.vessel-cluster')).reduce((n, m) => n + Number(m.textContent), 0),
        ),
      )
      .toBe(VESSELS);
    expect(await page.$$eval('#map path.zone-closed', (zones) => zones.length)).toBe(1);
    expect(await page.$$eval('#map path.boundary', (lines) => lines.length)).toBeGreaterThan(0);
    expect(await page.$$eval('#cameras-list li', (items) => items.map((li) => li.dataset.camera))).toEqual([
      `${EDGE}/u-minh-tower-1`,
      `${EDGE}/u-minh-tower-2`,
    ]);
    expect(await page.textContent('#edges-list')).toContain(EDGE);
    expect(await page.textContent(`#edges-list li[data-edge="${EDGE}"] [data-clock="wrong"]`)).toBe(
      'clock 5 min ahead',
    );

    const config = await api<DashboardConfigResponse>('/api/v1/dashboard/config');
    expect(config).toMatchObject({
      authRequired: true,
      mqtt: { username: DASHBOARD_USER.username },
      features: { fisheries: true, alarms: true, fire: true, cameras: true },
    });
    expect(config.wsUrl).toBe(`ws://127.0.0.1:${cloud.addresses.wsPort}`);
  });

  it('shows an alarm the moment the rules raise it, and its Ack button acknowledges it in the cloud', async () => {
    expect(await page.$$eval('#alarms-list li[data-alarm-id]', (items) => items.length)).toBe(0);
    await publishPositions([at(INTRUDER, Date.now(), 8.43, 104.83, 3.1, 250)]);
    const item = await page.waitForSelector('#alarms-list li[data-type="closed_area"]', { timeout: 20_000 });
    expect(await item.textContent()).toContain('Phuoc Loc 04');
    expect(await item.getAttribute('data-status')).toBe('ACTIVE_UNACK');
    await expect.poll(() => page.textContent('#count-alarms')).toBe('1 (1 new)');
    // A vessel in alarm is never hidden in a cluster.
    await page.waitForSelector(`#map .vessel.has-alarm[data-mmsi="${INTRUDER}"]`);

    await page.click('#alarms-list li[data-type="closed_area"] button[data-action="ack"]');
    await page.waitForSelector('#operator-dialog[open]');
    await page.fill('#operator-input', OPERATOR);
    await page.click('#operator-save');
    await page.waitForSelector('#alarms-list li[data-type="closed_area"][data-status="ACTIVE_ACK"]', {
      timeout: 20_000,
    });

    const { alarms: active } = await api<{ alarms: Alarm[] }>(
      '/api/v1/alarms?status=active&type=closed_area',
    );
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({
      status: 'ACTIVE_ACK',
      ackBy: OPERATOR,
      originator: `vessel:${INTRUDER}`,
    });
    expect(await page.textContent('#operator-name')).toBe(OPERATOR);
    expect(await page.textContent('#alarms-list li[data-type="closed_area"]')).toContain(
      `acknowledged by ${OPERATOR}`,
    );
  });

  it('shows a fire alert live with its snapshot, highlights the camera, and clears its alarm without asking the name again', async () => {
    const ts = Date.now();
    const alert: FireAlert = {
      edgeId: EDGE,
      cameraId: 'u-minh-tower-1',
      alertId: 'u-minh-tower-1-0001',
      event: 'new',
      className: 'smoke',
      confidence: 0.87,
      boxes: [{ x1: 0.4, y1: 0.3, x2: 0.6, y2: 0.5, score: 0.87 }],
      firstSeenTs: ts - 4000,
      ts,
      camera: { position: { lat: 9.3, lon: 104.97 }, bearingDeg: 250, fovDeg: 60 },
      bearingToFireDeg: 243,
      snapshot: { contentType: 'image/jpeg', width: 320, height: 180, data: jpeg.toString('base64') },
    };
    await edge.publishAsync(topics.fireAlert(EDGE), JSON.stringify(alert), { qos: 1 });

    await page.waitForSelector('#fires-list li.fire.active[data-alert-id="u-minh-tower-1-0001"]', {
      timeout: 20_000,
    });
    await expect.poll(() => page.textContent('#count-fires')).toBe('1');
    await page.waitForSelector(`#map path.fov.cam-fire[data-camera="${EDGE}/u-minh-tower-1"]`);
    await page.waitForSelector(`#cameras-list li.fire-cam[data-camera="${EDGE}/u-minh-tower-1"]`);
    // Once stored, the thumbnail is the cloud's snapshot file, and it decodes.
    await expect
      .poll(
        () =>
          page.$eval('#fires-list li[data-alert-id="u-minh-tower-1-0001"] img', (img) => {
            const image = img as unknown as { complete: boolean; naturalWidth: number };
            return `${img.getAttribute('src')?.startsWith('/api/v1/fire/snapshots/')} ${image.complete} ${image.naturalWidth}`;
          }),
        { timeout: 20_000 },
      )
      .toBe('true true 320');

    const fireAlarm = await page.waitForSelector('#alarms-list li[data-type="fire"]', { timeout: 20_000 });
    expect(await fireAlarm.textContent()).toContain(`Camera ${EDGE}/u-minh-tower-1`);
    const id = await fireAlarm.getAttribute('data-alarm-id');
    // The ranger judges it (a false alarm, with a note): recorded in the cloud under the operator's name.
    await page.click(
      '#alarms-list li[data-type="fire"] button[data-action="triage"][data-verdict="false_alarm"]',
    );
    await page.waitForSelector('#triage-dialog[open]');
    await page.fill('#triage-note', 'mây trắng trên rừng');
    await page.click('#triage-save');
    await page.waitForSelector(
      '#alarms-list li[data-type="fire"] .triage[data-verdict="false_alarm"] button[data-verdict="false_alarm"][aria-pressed="true"]',
      { timeout: 20_000 },
    );
    expect(alarms.store.get(id!)?.triage).toMatchObject({
      label: 'false_alarm',
      by: OPERATOR,
      note: 'mây trắng trên rừng',
    });
    await page.click('#alarms-list li[data-type="fire"] button[data-action="clear"]');
    await page.waitForSelector(`#alarms-list li[data-alarm-id="${id}"]`, {
      state: 'detached',
      timeout: 20_000,
    });
    expect(await page.$('#operator-dialog[open]')).toBeNull();
    const all = alarms.store.list();
    // Judged, so acknowledged by whoever judged it.
    expect(all.find((a) => a.id === id)).toMatchObject({
      status: 'CLEARED_ACK',
      ackBy: OPERATOR,
      clearBy: OPERATOR,
    });
  });

  it('a click that spans a live update still lands: the alarm list keeps the button under the pointer', async () => {
    const raise = (originator: string, severity: 'MINOR' | 'WARNING') =>
      alarms.raise({ originator, type: 'loitering', severity, ts: Date.now(), details: {} });
    raise('vessel:574000102', 'MINOR');
    const button = await page.waitForSelector(
      '#alarms-list li[data-type="loitering"] button[data-action="ack"]',
      { timeout: 20_000 },
    );
    const box = (await button.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    // A less severe alarm arrives over MQTT while the button is held: the list is rendered again (the new one
    // below it, so nothing moves under the pointer).
    raise('vessel:574000103', 'WARNING');
    await page.waitForSelector('#alarms-list li[data-type="loitering"][data-alarm-id] >> nth=1', {
      timeout: 20_000,
    });
    await page.mouse.up();
    await waitFor(
      () => alarms.store.activeFor('vessel:574000102', 'loitering')?.status === 'ACTIVE_ACK',
      10_000,
      'the held click to acknowledge',
    );
  });

  it('shows "reconnecting" while the link is down and catches up on what it missed when back', async () => {
    // Offline emulation stops new connections but leaves the open WebSocket alone: end the page's MQTT session
    // from the broker side by taking over its client id (MQTT session takeover).
    await page.context().setOffline(true);
    const takeover = await mqtt.connectAsync(cloud.addresses.mqtt, {
      clientId: dashboardClientIds.at(-1),
      username: DASHBOARD_USER.username,
      password: DASHBOARD_USER.password,
      reconnectPeriod: 0,
    });
    await page.waitForSelector('#live[data-state="reconnecting"]', { timeout: 15_000 });
    await takeover.endAsync(true);
    // Raised while the page is disconnected: it can only learn of it from the resync on reconnect.
    await publishPositions([at(574000101, Date.now(), 8.44, 104.84, 2.5, 90)]);
    await waitFor(
      () => alarms.store.list().some((a) => a.type === 'closed_area' && a.originator === 'vessel:574000101'),
      10_000,
      'second closed-area alarm',
    );
    await page.context().setOffline(false);
    await page.waitForSelector('#live[data-state="live"]', { timeout: 15_000 });
    const item = await page.waitForSelector(
      '#alarms-list li[data-type="closed_area"][data-status="ACTIVE_UNACK"]',
      { timeout: 20_000 },
    );
    expect(await item.textContent()).toContain('Tan Phat 01');
    // What the browser logged while it had no network is expected; nothing else may be.
    const offline = /ERR_INTERNET_DISCONNECTED|WebSocket connection to .* failed/;
    consoleErrors.splice(0, consoleErrors.length, ...consoleErrors.filter((text) => !offline.test(text)));
  });

  it('selecting a vessel highlights it and draws its recent track from InfluxDB', async () => {
    await page.click('#vessels-body tr[data-mmsi="574000101"]');
    await page.waitForSelector('#vessels-body tr.selected[data-mmsi="574000101"]');
    await page.waitForSelector('#map .vessel.selected[data-mmsi="574000101"]');
    // Three positions were published for it (two at sea, one into the closed area): the track read from InfluxDB,
    // extended to the vessel's current position when that one is not stored yet, has all three.
    const track = await page.waitForSelector('#map path.track[data-mmsi="574000101"]', { timeout: 20_000 });
    expect(Number(await track.getAttribute('data-points'))).toBeGreaterThanOrEqual(3);
  });

  it('finds vessels by name, MMSI or registration and cameras by name; filters and sorts', async () => {
    const rows = () =>
      page.$$eval('#vessels-body tr[data-mmsi]', (trs) =>
        trs.map((tr) => Number(tr.getAttribute('data-mmsi'))),
      );
    // Without diacritics or case: what a phone keyboard types.
    await page.fill('#search', 'phuoc loc');
    await expect.poll(rows).toEqual([INTRUDER]);
    await page.fill('#search', 'CM-90102');
    await expect.poll(rows).toEqual([574000102]);
    await page.fill('#search', '5749990');
    await expect.poll(rows).toEqual([UNREGISTERED]);
    await page.fill('#search', 'tower-2');
    await expect
      .poll(() =>
        page.$$eval('#cameras-list li[data-camera]', (items) =>
          items.map((li) => li.getAttribute('data-camera')),
        ),
      )
      .toEqual([`${EDGE}/u-minh-tower-2`]);
    await expect
      .poll(() => page.textContent('#vessels-body'))
      .toBe('No vessel matches the search or filters.');
    await page.fill('#search', '');

    await page.selectOption('#filter-status', 'in_port');
    await expect.poll(rows).toEqual([574000103]);
    await page.selectOption('#filter-status', '');
    await page.selectOption('#filter-zone', { label: 'Hòn Khoai closed area (test)' });
    await expect.poll(async () => (await rows()).sort()).toEqual([574000101, INTRUDER].sort());
    await page.selectOption('#filter-zone', '');

    await page.click('#vessels-table button.sort[data-sort="mmsi"]');
    await expect.poll(rows).toEqual([...registry.map((v) => v.mmsi), UNREGISTERED].sort((a, b) => a - b));
    expect(await page.getAttribute('#vessels-table th[data-col="mmsi"]', 'aria-sort')).toBe('ascending');
    await page.click('#vessels-table button.sort[data-sort="mmsi"]');
    await expect.poll(rows).toEqual([...registry.map((v) => v.mmsi), UNREGISTERED].sort((a, b) => b - a));
    await page.click('#vessels-table button.sort[data-sort="mmsi"]');
    expect(await page.getAttribute('#vessels-table th[data-col="mmsi"]', 'aria-sort')).toBe('none');

    const alarmTypes = () =>
      page.$$eval('#alarms-list li[data-alarm-id]', (items) => [
        ...new Set(items.map((li) => li.getAttribute('data-type'))),
      ]);
    await page.selectOption('#filter-alarm-type', 'closed_area');
    await expect.poll(alarmTypes).toEqual(['closed_area']);
    await page.selectOption('#filter-alarm-type', '');
    await expect.poll(async () => (await alarmTypes()).length).toBeGreaterThan(1);

    // Enter selects the first vessel found and shows it on the map.
    await page.fill('#search', 'Tan Phat');
    await page.press('#search', 'Enter');
    await page.waitForSelector('#map .vessel.selected[data-mmsi="574000101"]');
    await page.fill('#search', '');
  });

  it('shows the alarm history: who acknowledged and who cleared what, and when', async () => {
    const never = alarms.raise({
      originator: 'vessel:574000103',
      type: 'encounter',
      severity: 'MINOR',
      ts: Date.now(),
      details: {},
    })!;
    alarms.store.clear(never.alarm.id, OPERATOR);
    const cleared = alarms.store.list({ status: 'cleared' });
    expect(cleared.length).toBeGreaterThan(0);
    await page.click('#history-button');
    await page.waitForSelector('#history-list:not([hidden])');
    expect(await page.textContent('#alarms-heading')).toBe('Alarm history');
    const fire = cleared.find((alarm) => alarm.type === 'fire')!;
    const item = await page.waitForSelector(`#history-list li[data-alarm-id="${fire.id}"]`);
    expect(await item.textContent()).toContain(`cleared by ${OPERATOR} at`);
    expect(await item.textContent()).toContain(`acknowledged by ${OPERATOR} at`); // judged: seen
    const unseen = await page.waitForSelector(`#history-list li[data-alarm-id="${never.alarm.id}"]`);
    expect(await unseen.textContent()).toContain('never acknowledged');
    // A clear that happens while the history is open appears in it at once (MQTT).
    const loitering = alarms.store.activeFor('vessel:574000102', 'loitering')!;
    await fetch(`${cloud.addresses.http}/api/v1/alarms/${loitering.id}/clear`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: 'Officer Minh' }),
    });
    const live = await page.waitForSelector(`#history-list li[data-alarm-id="${loitering.id}"]`, {
      timeout: 20_000,
    });
    expect(await live.textContent()).toContain(`acknowledged by ${OPERATOR} at`);
    expect(await live.textContent()).toContain('cleared by Officer Minh at');
    await page.click('#history-button');
    await page.waitForSelector('#alarms-list:not([hidden])');
  });

  it('keeps fires in a list of their own above the vessel alarms: an acknowledged fire stays above a MINOR one', async () => {
    const tower = `camera:${EDGE}/u-minh-tower-2`;
    alarms.raise({
      originator: 'vessel:574000101',
      type: 'loitering',
      severity: 'MINOR',
      ts: Date.now(),
      details: {},
    });
    alarms.raise({ originator: tower, type: 'fire', severity: 'CRITICAL', ts: Date.now(), details: {} });
    const fire = alarms.store.activeFor(tower, 'fire')!;
    const minor = alarms.store.activeFor('vessel:574000101', 'loitering')!;
    alarms.store.acknowledge(fire.id, 'Ranger An');
    await page.waitForSelector(
      `#alarms-list li.group-fire li[data-alarm-id="${fire.id}"][data-status="ACTIVE_ACK"]`,
      {
        timeout: 20_000,
      },
    );
    await page.waitForSelector(`#alarms-list li.group-other li[data-alarm-id="${minor.id}"]`, {
      timeout: 20_000,
    });
    expect(
      await page.$$eval('#alarms-list > li.alarm-group', (groups) => groups.map((g) => g.dataset.group)),
    ).toEqual(['fire', 'other']);
    expect(await page.textContent('#alarm-group-fire')).toBe('Forest fires (1)');
    expect(await page.$$eval('#alarms-list li.group-fire li[data-alarm-id]', (items) => items.length)).toBe(
      1,
    );
    // Every vessel alarm, the unacknowledged CRITICAL closed-area ones included, is below the acknowledged fire.
    const fireTop = await page.$eval(
      `li[data-alarm-id="${fire.id}"]`,
      (li) => li.getBoundingClientRect().top,
    );
    const vesselTops = await page.$$eval('#alarms-list li.group-other li[data-alarm-id]', (items) =>
      items.map((li) => li.getBoundingClientRect().top),
    );
    expect(vesselTops.length).toBeGreaterThan(1);
    expect(Math.min(...vesselTops)).toBeGreaterThan(fireTop);

    alarms.store.clear(fire.id, 'Ranger An');
    await page.waitForSelector(`#alarms-list li[data-alarm-id="${fire.id}"]`, {
      state: 'detached',
      timeout: 20_000,
    });
    expect(await page.textContent('#alarms-list li.group-fire')).toContain('No fire alarms.');
  });

  it("a camera's settings page: mute, sensitivity and an ignore area drawn on its snapshot reach the edge", async () => {
    const camera = 'u-minh-tower-1';
    const desired = new Promise<CameraSettingsDesired>((resolve) =>
      edge.on('message', (topic, payload) => {
        if (topic === topics.cameraSettingsDesired(EDGE, camera)) resolve(JSON.parse(payload.toString()));
      }),
    );
    // The edge's own subscription (its ACL allows its subtree); nothing is retained for this camera yet.
    await edge.subscribeAsync(topics.cameraSettingsDesired(EDGE, camera), { qos: 1 });

    await page.click(`#cameras-list li[data-camera="${EDGE}/${camera}"] a.camera-settings-link`);
    await page.waitForSelector('.settings-status[data-state="none"]', { timeout: 20_000 });
    expect(await page.textContent('.page-title')).toBe(`Camera ${camera} @ ${EDGE} settings`);
    // Drawn on the camera's latest snapshot (the fire alert's, 320x180).
    await expect
      .poll(() =>
        page.$eval('img.mask-image', (img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBe(320);

    const startedAt = Date.now();
    await page.click('button[data-mute="1h"]');
    expect(await page.textContent('.mute-state')).toMatch(/^Muted until \d\d:\d\d/);
    await page.selectOption('#sensitivity', '1');
    const frame = page.locator('.mask-frame');
    const size = (await frame.boundingBox())!;
    const corners: Array<[number, number]> = [
      [0.1, 0.1],
      [0.5, 0.1],
      [0.5, 0.6],
      [0.1, 0.6],
    ];
    // Playwright scrolls the picture into view and clicks where it says (the page is taller than the window).
    for (const [x, y] of corners) await frame.click({ position: { x: x * size.width, y: y * size.height } });
    await page.click('button[data-mask="close"]');
    expect(await page.$$eval('.mask-layer polygon.mask', (polygons) => polygons.length)).toBe(1);
    await page.click('#save-settings');
    await page.waitForSelector('.settings-status[data-state="waiting"]', { timeout: 20_000 });
    expect(await page.textContent('.settings-status')).toContain('Waiting for the edge: version 1');

    // What the edge receives: the same settings, version 1, who and when.
    const message = await desired;
    expect(message).toMatchObject({ edgeId: EDGE, cameraId: camera, version: 1, updatedBy: OPERATOR });
    expect(message.settings.sensitivity).toBe(1);
    expect(message.settings.muteUntil).toBeGreaterThanOrEqual(startedAt + 3_600_000);
    const [drawn] = message.settings.ignoreMasks;
    expect(drawn).toHaveLength(4);
    drawn!.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(corners[i]![0], 2);
      expect(y).toBeCloseTo(corners[i]![1], 2);
    });

    // The edge reports it applied: the page says so.
    const report: CameraSettingsReported = {
      cameraId: camera,
      version: 1,
      appliedAt: Date.now(),
      ts: Date.now(),
    };
    await edge.publishAsync(topics.cameraSettingsReported(EDGE, camera), JSON.stringify(report), {
      qos: 1,
      retain: true,
    });
    await page.waitForSelector('.settings-status[data-state="applied"]', { timeout: 20_000 });
    expect(await page.textContent('.settings-status')).toBe('Applied on the edge: version 1');
    await page.waitForSelector(`.settings-changes li[data-version="1"]`);
    expect(await page.textContent('.settings-changes li[data-version="1"]')).toContain(OPERATOR);
    const state = await api<CameraSettingsState>(`/api/v1/cameras/${EDGE}/${camera}/settings`);
    expect(state).toMatchObject({ version: 1, pending: false, applied: { version: 1 }, updatedBy: OPERATOR });
    await page.screenshot({ path: '/tmp/dashboard-camera-settings.png', fullPage: true });

    // On a ranger's phone: the same page, nothing scrolls sideways, the picture as wide as the screen.
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      await phone.goto(`${cloud.addresses.http}/#/camera/${EDGE}/${camera}`);
      await phone.waitForSelector('.settings-status[data-state="applied"]', { timeout: 20_000 });
      expect(await phone.$$eval('.mask-layer polygon.mask', (polygons) => polygons.length)).toBe(1);
      const widths = (await phone.evaluate(
        "({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth, frame: document.querySelector('.mask-frame').getBoundingClientRect().width })",
      )) as { scroll: number; inner: number; frame: number };
      expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
      expect(widths.frame).toBeGreaterThan(300);
      await phone.screenshot({ path: '/tmp/dashboard-camera-settings-phone.png' });
    } finally {
      await phone.close();
    }

    await page.click('.back-link');
    await page.waitForSelector('#page', { state: 'hidden' });
    // The overview's camera list says the camera is muted (the retained desired settings, over MQTT).
    const muted = await page.waitForSelector(
      `#cameras-list li[data-camera="${EDGE}/${camera}"] .badge.muted-camera`,
      { timeout: 20_000 },
    );
    expect(await muted.textContent()).toMatch(/^MUTED until \d\d:\d\d/);
  });

  it('draws the offline base map with its sources, zooms, and fits back to the selection', async () => {
    expect(await page.$$eval('#map path.land', (land) => land.length)).toBeGreaterThan(0);
    const attribution = await page.textContent('#map .leaflet-control-attribution');
    expect(attribution).toContain('Natural Earth');
    expect(attribution).toContain('CC BY 4.0');
    expect(await page.$('#map .leaflet-control-scale-line')).not.toBeNull();
    expect(await page.$('#map .leaflet-control-layers')).not.toBeNull();
    // Only the cloud's own files: no tile server is configured, no request leaves it.
    const requested = await page.$$eval('img, script, link', (elements) =>
      elements.map((e) => e.getAttribute('src') ?? e.getAttribute('href') ?? ''),
    );
    expect(requested.filter((url) => /^(https?:)?\/\//.test(url))).toEqual([]);

    const zoom = Number(await page.getAttribute('#map', 'data-zoom'));
    await page.click('#map .leaflet-control-zoom-in');
    await page.waitForSelector(`#map[data-zoom="${zoom + 1}"]`);
    await page.click('#map .map-fit');
    // The selected vessel (574000101) and its track fill the map again.
    await expect.poll(async () => Number(await page.getAttribute('#map', 'data-zoom'))).not.toBe(zoom + 1);
    const box = (await page.locator('#map .vessel.selected[data-mmsi="574000101"]').boundingBox())!;
    const map = (await page.locator('#map').boundingBox())!;
    const visible =
      box.x >= map.x &&
      box.x + box.width <= map.x + map.width &&
      box.y >= map.y &&
      box.y + box.height <= map.y + map.height;
    expect(visible).toBe(true);
  });

  it('reads well at 1366x768 and logged no console error', async () => {
    await page.screenshot({ path: '/tmp/dashboard.png' });
    const overflow = await page.$eval('html', (html) => ({
      width: html.scrollWidth,
      height: html.scrollHeight,
    }));
    expect(overflow).toEqual({ width: 1366, height: 768 });
    expect(consoleErrors).toEqual([]);
  });

  it('speaks Vietnamese to a Vietnamese browser, in Vietnam time, and switches to English (remembered)', async () => {
    const ranger = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'vi-VN' });
    try {
      await ranger.goto(`${cloud.addresses.http}/`);
      await ranger.waitForSelector('#live[data-state="live"]', { timeout: 20_000 });
      expect(await ranger.getAttribute('html', 'lang')).toBe('vi');
      expect(await ranger.textContent('#alarms-heading')).toBe('Báo động hiện tại');
      expect(await ranger.textContent('#lang-button')).toContain('English');
      const closedArea = ranger.locator('#alarms-list li[data-type="closed_area"]').first();
      await expect.poll(() => closedArea.locator('.alarm-type').textContent()).toBe('Vào vùng cấm');
      // Coordinates as Vietnamese officers write them; every time is Vietnam's, and the page says so.
      await expect
        .poll(() => ranger.textContent('#vessels-body tr[data-mmsi="574000102"] [data-col="position"]'))
        .toBe('8°17′56″ B, 104°33′04″ Đ');
      expect(await ranger.textContent('#time-zone-note')).toBe('(GMT+7)');
      expect(await ranger.getAttribute('#alarms-list li time', 'title')).toMatch(
        /^\d\d:\d\d \d\d\/\d\d\/\d{4} \(GMT\+7\)$/,
      );

      await ranger.click('#lang-button');
      await ranger.waitForSelector('html[lang="en"]');
      expect(await ranger.textContent('#alarms-heading')).toBe('Active alarms');
      await expect.poll(() => closedArea.locator('.alarm-type').textContent()).toBe('Closed area');
      await ranger.reload();
      await ranger.waitForSelector('html[lang="en"] #live[data-state="live"]', { timeout: 20_000 });
      expect(await ranger.textContent('#lang-button')).toContain('Tiếng Việt');
    } finally {
      await ranger.close();
    }
  });

  it("fits a ranger's phone at 390x844: nothing scrolls sideways, the fire comes first with its snapshot, place and buttons", async () => {
    const alert: FireAlert = {
      edgeId: EDGE,
      cameraId: 'u-minh-tower-1',
      alertId: 'u-minh-tower-1-0002',
      event: 'new',
      className: 'fire',
      confidence: 0.91,
      boxes: [{ x1: 0.4, y1: 0.3, x2: 0.6, y2: 0.5, score: 0.91 }],
      firstSeenTs: Date.now() - 2000,
      ts: Date.now(),
      camera: { position: { lat: 9.3, lon: 104.97 }, bearingDeg: 250, fovDeg: 60 },
      bearingToFireDeg: 256,
      snapshot: { contentType: 'image/jpeg', width: 320, height: 180, data: jpeg.toString('base64') },
    };
    await edge.publishAsync(topics.fireAlert(EDGE), JSON.stringify(alert), { qos: 1 });
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      locale: 'vi-VN',
      isMobile: true,
      hasTouch: true,
      // The map honours it (no zoom and cluster animations): the screenshot shows where things end up.
      reducedMotion: 'reduce',
    });
    try {
      await phone.goto(`${cloud.addresses.http}/`);
      await phone.waitForSelector('#live[data-state="live"]', { timeout: 20_000 });
      const first = phone.locator('#alarms-list li[data-alarm-id]').first();
      await expect.poll(() => first.getAttribute('data-type'), { timeout: 20_000 }).toBe('fire');
      await expect
        .poll(() =>
          first.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
        )
        .toBe(320);
      expect(await first.locator('.alarm-location').textContent()).toBe(
        'Tháp camera tại 9°18′00″ B, 104°58′12″ Đ, đám cháy ở hướng 256°',
      );
      for (const action of ['ack', 'clear', 'map']) {
        const box = (await first.locator(`button[data-action="${action}"]`).boundingBox())!;
        expect(box.height, action).toBeGreaterThanOrEqual(44);
        expect(box.x + box.width, action).toBeLessThanOrEqual(390);
      }
      // The fire is above the map; the map is as wide as the screen allows.
      const alarmsBox = (await phone.locator('.panel-alarms').boundingBox())!;
      const mapBox = (await phone.locator('#map').boundingBox())!;
      expect(alarmsBox.y).toBeLessThan(mapBox.y);
      expect(mapBox.width).toBeGreaterThanOrEqual(370);

      // The tower of the fire, on the map.
      await first.locator('button[data-action="map"]').click();
      await expect
        .poll(async () => Number(await phone.getAttribute('#map', 'data-zoom')))
        .toBeGreaterThanOrEqual(12);
      await phone.waitForSelector(`#map .camera[data-camera="${EDGE}/u-minh-tower-1"]`);
      // Tower 2 is 12 km away, off this view: no cluster of towers is left on the screen.
      expect(await phone.$$eval('#map .camera-cluster', (clusters) => clusters.length)).toBe(0);

      const overflow = (await phone.evaluate(
        '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
      )) as { scrollWidth: number; innerWidth: number };
      // A phone widens its layout viewport to content that overflows: it must stay the device's width.
      expect(overflow.innerWidth).toBe(390);
      expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.innerWidth);
      await phone.screenshot({ path: '/tmp/dashboard-phone.png' });
      await phone.screenshot({ path: '/tmp/dashboard-phone-full.png', fullPage: true });

      // Installable as a web app.
      const manifestUrl = await phone.getAttribute('link[rel="manifest"]', 'href');
      const manifest = (await (await fetch(`${cloud.addresses.http}${manifestUrl}`)).json()) as {
        name: string;
        start_url: string;
        icons: Array<{ src: string }>;
      };
      expect(manifest).toMatchObject({ name: 'Lookout · Cà Mau', start_url: '/' });
      const icon = await fetch(`${cloud.addresses.http}${manifest.icons[0]!.src}`);
      expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    } finally {
      await phone.close();
    }
  });

  it('with alerts on, a new MAJOR or CRITICAL alarm that arrives live gives a desktop notification; a hidden tab counts it in its title', async () => {
    // A second operator screen, its tab in the background: the browser's Notification is recorded instead of shown.
    const screen = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    try {
      await screen.addInitScript({
        content: `
          window.shownNotifications = [];
          Object.defineProperty(document, 'hidden', { get: () => true });
          window.Notification = class {
            static permission = 'granted';
            static requestPermission = async () => 'granted';
            constructor(title, options) { window.shownNotifications.push({ title, body: options?.body }); }
          };`,
      });
      await screen.goto(`${cloud.addresses.http}/`);
      await screen.waitForSelector('#live[data-state="live"]', { timeout: 20_000 });
      await screen.click('#alerts-button');
      expect(await screen.textContent('#alerts-button')).toBe('Alerts: on');
      const shown = () =>
        screen.evaluate('window.shownNotifications') as Promise<Array<{ title: string; body?: string }>>;

      alarms.raise({
        originator: 'vessel:574000103',
        type: 'loitering',
        severity: 'WARNING',
        ts: Date.now(),
        details: {},
      }); // below MAJOR: quiet
      alarms.raise({
        originator: 'vessel:574000102',
        type: 'closed_area',
        severity: 'CRITICAL',
        ts: Date.now(),
        details: { name: 'Minh Khang 02' },
      });
      await expect.poll(async () => (await shown()).length).toBe(1);
      expect(await shown()).toEqual([
        { title: 'CRITICAL Closed area', body: 'Minh Khang 02 (vessel:574000102)' },
      ]);
      await expect.poll(() => screen.title()).toBe('(1) Lookout · Ca Mau');
    } finally {
      await screen.close();
    }
  });
});

describe('dashboard MQTT user is read-only', () => {
  it('may subscribe under lookout/v1/ only and may not publish', async () => {
    await expect(
      mqtt.connectAsync(cloud.addresses.mqtt, {
        username: DASHBOARD_USER.username,
        password: 'wrong',
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow();
    const client = await mqtt.connectAsync(cloud.addresses.ws, {
      username: DASHBOARD_USER.username,
      password: DASHBOARD_USER.password,
      reconnectPeriod: 0,
    });
    const granted = await client.subscribeAsync(['lookout/v1/cloud/alarms/#', 'lookout/v1/edge/+/status'], {
      qos: 0,
    });
    expect(granted.map((g) => [g.topic, g.qos])).toEqual([
      ['lookout/v1/cloud/alarms/#', 0],
      ['lookout/v1/edge/+/status', 0],
    ]);
    // mqtt.js rejects a SUBACK with return code 128 (refused).
    for (const filter of ['#', '$SYS/#', 'other/topic'])
      await expect(client.subscribeAsync(filter, { qos: 0 }), filter).rejects.toThrow();
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const forged: VesselPositionBatch = {
      edgeId: EDGE,
      seq: 999,
      positions: [at(574000777, Date.now(), 8.8, 104.4)],
    };
    void client
      .publishAsync(topics.vesselPositions(EDGE), JSON.stringify(forged), { qos: 1 })
      .catch(() => undefined);
    await closed;
    client.end(true);
    const { vessels } = await api<{ vessels: Array<{ mmsi: number }> }>('/api/v1/vessels');
    expect(vessels.map((v) => v.mmsi)).not.toContain(574000777);
  });

  it('serves only the dashboard files', async () => {
    const bundle = await fetch(`${cloud.addresses.http}/dashboard/vendor/mqtt.js`);
    expect(bundle.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    const page = await fetch(`${cloud.addresses.http}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    for (const bad of [
      '/dashboard/..%2Fpackage.json',
      '/dashboard/index.ts',
      '/dashboard/nothing.js',
      '/dashboard/%2e%2e%2fcore.ts',
      '/dashboard/vendor/package.json',
      '/dashboard/vendor/..%2F..%2Fpackage.json',
      '/dashboard/i18n/index.ts',
    ]) {
      expect((await fetch(`${cloud.addresses.http}${bad}`)).status, bad).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('API documentation', () => {
  it('gives every route of the OpenAPI document a summary and a description', async () => {
    const openapi = await api<{
      paths: Record<string, Record<string, { summary?: string; description?: string }>>;
    }>('/api/v1/openapi.json');
    const operations = Object.entries(openapi.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        route: `${method.toUpperCase()} ${path}`,
        ...operation,
      })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(10);
    expect(operations.filter((o) => !o.summary || !o.description).map((o) => o.route)).toEqual([]);
  });

  it('serves a docs page from the cloud itself, and error bodies say what is wrong', async () => {
    const docs = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const origin = new URL(cloud.addresses.http).origin;
    const elsewhere: string[] = [];
    docs.on('request', (request) => {
      if (!request.url().startsWith(origin) && !request.url().startsWith('data:'))
        elsewhere.push(request.url());
    });
    try {
      await docs.goto(`${cloud.addresses.http}/api/v1/docs`);
      await docs.waitForSelector('.swagger-ui .opblock-summary-description', { timeout: 20_000 });
      expect(await docs.textContent('.swagger-ui')).toContain('Acknowledge an alarm');
      await docs.screenshot({ path: '/tmp/api-docs.png' });
      expect(elsewhere).toEqual([]);
    } finally {
      await docs.close();
    }
    const bad = await fetch(`${cloud.addresses.http}/api/v1/alarms?status=nonsense`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/status/);
    const missing = await fetch(`${cloud.addresses.http}/api/v1/alarms/nope/ack`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: OPERATOR }),
    });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/nope/);
  });
  it('opens pages by address: an unknown one says so and leads back to the live overview', async () => {
    const visitor = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    try {
      await visitor.goto(`${cloud.addresses.http}/#/no-such-page/1`);
      await visitor.waitForSelector('#page:not([hidden]) .page-message');
      expect(await visitor.textContent('#page .page-message p')).toBe('There is no page #/no-such-page/1.');
      expect(await visitor.isHidden('#overview')).toBe(true);
      await visitor.click('#page .page-message a');
      await visitor.waitForSelector('#overview:not([hidden])');
      expect(await visitor.isHidden('#page')).toBe(true);
      expect(await visitor.getAttribute('#views-nav a[data-view=""]', 'aria-current')).toBe('page');
      // The map came back at its size, and the browser's Back button returns to the page left.
      await expect.poll(() => visitor.locator('#vessels-body tr[data-mmsi]').count()).toBe(VESSELS);
      await visitor.goBack();
      await visitor.waitForSelector('#page:not([hidden]) .page-message');
    } finally {
      await visitor.close();
    }
  });
  it('shows a fire of the past in the situation at its moment: the tower red, its alarm as it stood', async () => {
    const { alarms: fires } = await api<{ alarms: Alarm[] }>('/api/v1/alarms?type=fire');
    const fire = fires.find((alarm) => alarm.clearTs !== undefined && alarm.clearTs > alarm.startTs)!;
    expect(fire).toBeDefined();
    const reviewer = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    try {
      await reviewer.goto(`${cloud.addresses.http}/#/situation/${fire.startTs}`);
      await reviewer.waitForSelector(`#situation-alarms li[data-alarm-id="${fire.id}"]`);
      expect(await reviewer.textContent(`#situation-alarms li[data-alarm-id="${fire.id}"] .alarm-type`)).toBe(
        'Fire / smoke',
      );
      const tower = fire.originator.replace(/^camera:/, '');
      await reviewer.waitForSelector(`#situation-map path.fov.cam-fire[data-camera="${tower}"]`, {
        state: 'attached',
      });
      // A moment after it was cleared, the tower is back to normal and the alarm gone.
      await reviewer.goto(`${cloud.addresses.http}/#/situation/${fire.clearTs! + 1}`);
      await reviewer.waitForSelector('#situation-summary:not(:empty)');
      await expect
        .poll(() => reviewer.locator(`#situation-alarms li[data-alarm-id="${fire.id}"]`).count())
        .toBe(0);
      await reviewer.waitForSelector(`#situation-map path.fov:not(.cam-fire)[data-camera="${tower}"]`, {
        state: 'attached',
      });
    } finally {
      await reviewer.close();
    }
  });
});
