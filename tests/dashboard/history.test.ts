/**
 * A vessel's history in a real browser (Debian's Chromium, playwright-core) against a real cloud: the registry
 * (PGlite) filled over the API, positions over MQTT into the rules, the port calls and InfluxDB, alarms raised by
 * the rules. The vessel page (identity, owner, licence, alarms, voyages, last positions), the track since the last
 * departure and over other ranges, its playback on the time slider, the situation at a moment, the links from the
 * overview (table, map popup, alarms), sorting, at 1366×768 in English and on a phone (390×844) in Vietnamese.
 */
import { existsSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { dashboardFeature } from '../../cloud/dashboard/index.js';
import { translator } from '../../cloud/i18n/index.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { Voyage as VoyageRow } from '../../protocols/api/office.js';
import type { Situation } from '../../protocols/api/situation.js';
import type { TrackFeature } from '../../protocols/api/vessels.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { Voyage, seededRandom, type Point } from '../../simulators/fleet/scenarios/voyage.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';
import type { AlarmsFeature } from '../../cloud/alarms/feature.js';
import type { Cloud } from '../../cloud/core.js';
import type { FisheriesFeature } from '../../cloud/fisheries/feature.js';
import type { OfficeFeature } from '../../cloud/office/feature.js';
import type { TestInfluxd } from '../support/influxd.js';
import { startOfficeCloud } from '../support/office-cloud.js';

const CHROMIUM = '/usr/bin/chromium';
const EDGE = 'edge-history';
const MIN = 60_000;
const H = 60 * MIN;
const PORT: Point = [104.83, 9.04];
const TRAWLER = 574300001;
const NEIGHBOUR = 574300002;
const STRANGER = 574999001;
const scope = scopeForFile();
const consoleErrors: string[] = [];

let cloud: Cloud;
let edge: MqttClient;
let fisheries: FisheriesFeature;
let office: OfficeFeature;
let alarms: AlarmsFeature;
let browser: Browser;
let seq = 0;
/** Every position sent, by vessel. */
const sent = new Map<number, VesselPosition[]>();

async function api<T>(path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const response = await fetch(`${cloud.addresses.http}${path}`, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const body = (await response.json()) as T;
  expect(response.status, `${path}: HTTP ${response.status} ${JSON.stringify(body)}`).toBeLessThan(300);
  return body;
}

async function deliver(positions: VesselPosition[]): Promise<void> {
  const stats = fisheries.part.engine.stats;
  const before = stats.positions + stats.duplicates + stats.tooLate;
  for (let i = 0; i < positions.length; i += 200) {
    const batch = { edgeId: EDGE, seq: seq++, positions: positions.slice(i, i + 200) };
    await edge.publishAsync(topics.vesselPositions(EDGE), JSON.stringify(batch), { qos: 1 });
  }
  await waitFor(
    () => stats.positions + stats.duplicates + stats.tooLate - before >= positions.length,
    30_000,
    'positions evaluated',
  );
  await office.part.portCalls.idle();
}

/** In port (still) every 10 min from `fromTs` until `toTs`. */
function inPort(mmsi: number, fromTs: number, toTs: number): VesselPosition[] {
  const out: VesselPosition[] = [];
  for (let ts = fromTs; ts < toTs; ts += 10 * MIN)
    out.push({ mmsi, ts, lon: PORT[0], lat: PORT[1], sog: 0, cog: 0, msgType: 1 });
  return out;
}

/** The trawler's day: in port, out to the fishing ground west of Sông Đốc, trawling there until a minute ago. */
function trawlerDay(now: number): VesselPosition[] {
  const plan = (startTs: number) =>
    new Voyage(TRAWLER, PORT, startTs)
      .to([104.8301, 9.0399], 0.2)
      .to([104.55, 8.97], 8)
      .patrol(
        [
          [104.5, 8.93],
          [104.45, 8.97],
          [104.52, 9.0],
        ],
        3,
        startTs + 8 * H,
      );
  const departure = Math.round(now - MIN - plan(0).now);
  const voyage = plan(departure);
  return [
    ...inPort(TRAWLER, departure - 4 * H, departure),
    ...voyage.positions(departure, voyage.now, 5 * MIN, seededRandom(7)),
  ];
}

function viewerPage(options: Parameters<Browser['newPage']>[0]): Promise<Page> {
  return browser.newPage(options).then((page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    return page;
  });
}

/** The marker's place and time as the page shows them. */
const marker = (page: Page) =>
  page.$eval('.lookout-map .playback-marker', (element) => ({
    ts: Number(element.getAttribute('data-ts')),
    lat: Number(element.getAttribute('data-lat')),
    lon: Number(element.getAttribute('data-lon')),
  }));

/** Where a vessel sailing straight and steadily between the track's vertices is at `ts` (history.js). */
function expectedAt(track: TrackFeature, ts: number): { lat: number; lon: number } {
  const times = track.properties.times;
  const i = times.findIndex((t, k) => t <= ts && ts <= (times[k + 1] ?? t));
  const j = Math.min(i + 1, times.length - 1);
  const share = j === i ? 0 : (ts - times[i]!) / (times[j]! - times[i]!);
  const [lon1, lat1] = track.geometry.coordinates[i]!;
  const [lon2, lat2] = track.geometry.coordinates[j]!;
  return { lat: lat1 + (lat2 - lat1) * share, lon: lon1 + (lon2 - lon1) * share };
}

/** `2026-12-03T14:05` in Vietnam's time, as a datetime-local field holds it. */
const dateField = (ms: number) => new Date(ms + 7 * H).toISOString().slice(0, 16);

let now: number;
let departureTs: number;
let licenceAlarm: Alarm;

beforeAll(async () => {
  await waitFor(() => existsSync(CHROMIUM), 30_000, `${CHROMIUM} (Debian chromium package)`);
  let influx: TestInfluxd;
  ({ cloud, influx, alarms, fisheries, office } = await startOfficeCloud(scope, {
    database: 'history',
    extra: [dashboardFeature({ vesselPollMs: 1000 })],
  }));
  edge = await scope.use(
    mqtt.connectAsync(cloud.addresses.mqtt, { clientId: EDGE, reconnectPeriod: 0 }),
    (c) => c.endAsync(true),
  );
  browser = await scope.use(chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }), (b) =>
    b.close(),
  );

  // A trawler whose licence ran out (its owner and captain on file), a licensed neighbour, a stranger.
  await api('/api/v1/registry/vessels', {
    method: 'POST',
    body: {
      registration: 'CM-90001-TS',
      name: 'Phúc Lộc 1',
      mmsi: TRAWLER,
      lengthM: 16.5,
      grossTonnage: 48,
      gear: 'trawl',
      vmsDeviceId: 'VMS-0001',
      licenceNumber: 'GP-96-0001',
      licenceZoneClass: 'offshore',
      licenceValidFrom: '2024-01-01',
      licenceValidTo: '2025-06-30',
      ownerName: 'Nguyễn Văn An',
      ownerPhone: '+84 912 345 678',
      captainName: 'Lê Văn Bình',
      captainPhone: '0913 222 333',
      homePort: 'port-song-doc',
      by: 'officer.lan',
    },
  });
  await api('/api/v1/registry/vessels', {
    method: 'POST',
    body: {
      registration: 'CM-90002-TS',
      name: 'Minh Khang 2',
      mmsi: NEIGHBOUR,
      lengthM: 11,
      licenceNumber: 'GP-96-0002',
      licenceZoneClass: 'coastal',
      licenceValidTo: '2099-12-31',
      homePort: 'port-song-doc',
      by: 'officer.lan',
    },
  });

  now = Date.now();
  const trawler = trawlerDay(now);
  const neighbour = new Voyage(NEIGHBOUR, [104.6, 8.8], now - 6 * H).drift(300, 2, 5.5);
  const stranger = new Voyage(STRANGER, [104.4, 8.7], now - 3 * H).drift(90, 6, 2.9);
  sent.set(TRAWLER, trawler);
  sent.set(NEIGHBOUR, neighbour.positions(now - 6 * H, neighbour.now, 10 * MIN, seededRandom(8)));
  sent.set(STRANGER, stranger.positions(now - 3 * H, stranger.now, 10 * MIN, seededRandom(9)));
  const all = [...sent.values()].flat().sort((a, b) => a.ts - b.ts);
  await deliver(all);
  await waitFor(
    async () => {
      const rows = await influx.client.query<{ count: number }>(
        'SELECT count("lat") AS "count" FROM "vessel_position"',
        { database: 'history' },
      );
      return rows[0]?.count === all.length;
    },
    20_000,
    'every position in InfluxDB',
  );
  await alarms.part.flushed();
  const { voyages } = await api<{ voyages: VoyageRow[] }>(`/api/v1/voyages?mmsi=${TRAWLER}`);
  expect(voyages).toHaveLength(1);
  departureTs = voyages[0]!.departureTs;
  const { alarms: raised } = await api<{ alarms: Alarm[] }>(`/api/v1/alarms?originator=vessel:${TRAWLER}`);
  expect(raised.map((a) => a.type)).toEqual(['licence_invalid']);
  licenceAlarm = raised[0]!;
});

describe('vessel history in Chromium', () => {
  it('opens the vessel page from the table: registry, licence, alarms, voyages, track since departure', async () => {
    const page = await viewerPage({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    try {
      await page.goto(`${cloud.addresses.http}/`);
      await page.click(`#vessels-body tr[data-mmsi="${TRAWLER}"] td[data-col="name"] a`);
      await page.waitForSelector('#page:not([hidden]) #vessel-identity');
      expect(page.url()).toMatch(new RegExp(`#/vessel/${TRAWLER}$`));
      expect(await page.textContent('#page .page-title')).toBe(`Vessel ${TRAWLER}`);
      await expect.poll(() => page.textContent('#vessel-name')).toBe('Phúc Lộc 1 · CM-90001-TS');
      const identity = await page.textContent('#vessel-identity');
      for (const text of ['CM-90001-TS', '16.5 m', 'trawl', 'Sông Đốc', 'VMS-0001', 'in service'])
        expect(identity).toContain(text);
      expect(await page.getAttribute('#vessel-contacts a[href^="tel:"]', 'href')).toBe('tel:+84912345678');
      expect(await page.textContent('#vessel-contacts')).toContain('Lê Văn Bình');
      expect(await page.textContent('#vessel-licence [data-licence]')).toBe('not valid today');
      expect(await page.textContent('#vessel-licence')).toContain('GP-96-0001');
      await expect
        .poll(() => page.textContent(`#vessel-alarms li[data-alarm-id="${licenceAlarm.id}"] .alarm-type`))
        .toBe('No valid licence');
      expect(await page.textContent('#voyages-table tbody')).toContain('at sea');
      expect(await page.locator('#voyages-table tbody tr').count()).toBe(1);
      // The last positions, newest first, with speed and course.
      const newest = sent.get(TRAWLER)!.at(-1)!;
      await page.waitForSelector('#positions-table tbody tr');
      expect(await page.locator('#positions-table tbody tr').count()).toBe(10);
      expect(await page.getAttribute('#positions-table tbody tr:first-child time', 'title')).toBe(
        translator('en').dateTime(newest.ts),
      );

      // The track opens since the last departure: every position from there, drawn and counted.
      const sinceDeparture = sent.get(TRAWLER)!.filter((p) => p.ts >= departureTs);
      await expect
        .poll(() => page.getAttribute('.lookout-map path.track', 'data-points'))
        .toBe(String(sinceDeparture.length));
      expect(await page.inputValue('#track-from')).toBe(dateField(departureTs));
      expect(await page.textContent('#track-message')).toBe(`${sinceDeparture.length} positions.`);
      expect((await marker(page)).ts).toBe(departureTs);
      expect(await page.textContent('#track-time')).toBe(translator('en').dateTime(departureTs));
      await page.screenshot({ path: '/tmp/vessel-page.png' });
    } finally {
      await page.close();
    }
  });

  it('plays the track back: the marker moves along it with its time, pauses, and seeks on the slider', async () => {
    const page = await viewerPage({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    try {
      await page.goto(`${cloud.addresses.http}/#/vessel/${TRAWLER}`);
      await page.waitForSelector('.lookout-map path.track[data-points]');
      const start = await marker(page);
      await page.click('#track-play');
      expect(await page.getAttribute('#track-play', 'data-state')).toBe('playing');
      // It moves: later, elsewhere, the time shown with it.
      await expect
        .poll(async () => (await marker(page)).ts, { timeout: 20_000 })
        .toBeGreaterThan(start.ts + H);
      const moving = await marker(page);
      expect([moving.lat, moving.lon]).not.toEqual([start.lat, start.lon]);
      await page.click('#track-play');
      expect(await page.getAttribute('#track-play', 'data-state')).toBe('paused');
      expect(await page.getAttribute('#track-play', 'aria-pressed')).toBe('false');

      // The slider puts the vessel where the track had it at that moment, between two positions.
      const track = await api<TrackFeature>(
        `/api/v1/vessels/${TRAWLER}/track?from=${departureTs}&to=${now}&maxPoints=2000`,
      );
      const times = track.properties.times;
      const step = Number(await page.getAttribute('#track-slider', 'step'));
      const target = times[0]! + Math.round((times[20]! + times[21]! - 2 * times[0]!) / 2 / step) * step;
      await page.evaluate(`(() => {
        const slider = document.getElementById('track-slider');
        slider.value = '${target}';
        slider.dispatchEvent(new Event('input', { bubbles: true }));
      })()`);
      const there = await marker(page);
      expect(there.ts).toBe(target);
      const expected = expectedAt(track, target);
      expect(there.lat).toBeCloseTo(expected.lat, 6);
      expect(there.lon).toBeCloseTo(expected.lon, 6);
      expect(await page.textContent('#track-time')).toBe(translator('en').dateTime(target));
      // Played to the end, it stops there.
      await page.selectOption('#track-speed', String(24 * 3600));
      await page.click('#track-play');
      await page.waitForSelector('#track-play[data-state="paused"]', { timeout: 20_000 });
      expect((await marker(page)).ts).toBe(times.at(-1));
      await page.screenshot({ path: '/tmp/vessel-playback.png' });
    } finally {
      await page.close();
    }
  });

  it('shows other ranges, and an alarm on the track and in the situation of its moment', async () => {
    const page = await viewerPage({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    try {
      await page.goto(`${cloud.addresses.http}/#/vessel/${TRAWLER}`);
      await page.waitForSelector('.lookout-map path.track[data-points]');
      // The last 24 h include the hours in port before the departure.
      await page.click('button[data-range="day"]');
      await expect
        .poll(() => page.getAttribute('.lookout-map path.track', 'data-points'))
        .toBe(String(sent.get(TRAWLER)!.length));
      // A range typed in (Vietnam's time): two hours after the departure.
      const from = Math.ceil((departureTs + H) / MIN) * MIN;
      await page.fill('#track-from', dateField(from));
      await page.fill('#track-to', dateField(from + 2 * H));
      await page.click('#track-load');
      const inRange = sent.get(TRAWLER)!.filter((p) => p.ts >= from && p.ts <= from + 2 * H);
      await expect
        .poll(() => page.getAttribute('.lookout-map path.track', 'data-points'))
        .toBe(String(inRange.length));
      expect((await marker(page)).ts).toBe(inRange[0]!.ts);
      // The alarm's moment is outside that range: the day around it is read and the marker put there.
      await page.click(
        `#vessel-alarms li[data-alarm-id="${licenceAlarm.id}"] button[data-action="show-time"]`,
      );
      await expect.poll(async () => (await marker(page)).ts).toBe(licenceAlarm.startTs);

      await page.click(`#vessel-alarms li[data-alarm-id="${licenceAlarm.id}"] a[href^="#/situation/"]`);
      await page.waitForSelector('#situation-alarms li');
      expect(page.url()).toMatch(new RegExp(`#/situation/${licenceAlarm.startTs}$`));
      const situation = await api<Situation>(`/api/v1/situation?at=${licenceAlarm.startTs}`);
      expect(situation.alarms.map((a) => a.id)).toEqual([licenceAlarm.id]);
      expect(
        await page.getAttribute(`#situation-alarms li[data-alarm-id="${licenceAlarm.id}"]`, 'data-status'),
      ).toBe('ACTIVE_UNACK');
      expect(await page.textContent('#situation-alarms')).toContain('Phúc Lộc 1 (CM-90001-TS');
      expect(await page.getAttribute('#situation-map', 'data-vessels')).toBe(
        String(situation.vessels.length),
      );
      expect(await page.locator('#situation-map .vessel[data-mmsi]').count()).toBe(situation.vessels.length);
      expect(await page.textContent('#situation-summary')).toBe(
        `At ${translator('en').dateTime(licenceAlarm.startTs)}: vessels with a position in the 6 h before: ${situation.vessels.length}; alarms active: 1.`,
      );
      expect(await page.inputValue('#situation-at')).toBe(dateField(licenceAlarm.startTs));
      await page.screenshot({ path: '/tmp/situation.png' });
      // An hour earlier the trawler was still in port with its licence alarm not raised yet.
      await page.click('#situation-back');
      await expect.poll(() => page.textContent('#situation-alarms')).toBe('No alarm was active then.');
      expect(page.url()).toMatch(new RegExp(`#/situation/${licenceAlarm.startTs - H}/6$`));
    } finally {
      await page.close();
    }
  });

  it('links the overview to the vessel page: map popup, alarm; sorts by length, speed and position', async () => {
    const page = await viewerPage({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    try {
      await page.goto(`${cloud.addresses.http}/`);
      await expect.poll(() => page.locator('#vessels-body tr[data-mmsi]').count()).toBe(3);
      const column = (col: string) =>
        page.$$eval(`#vessels-body tr[data-mmsi] td[data-col="${col}"]`, (tds) =>
          tds.map((td) => td.textContent),
        );
      const mmsis = () =>
        page.$$eval('#vessels-body tr[data-mmsi]', (trs) =>
          trs.map((tr) => Number(tr.getAttribute('data-mmsi'))),
        );
      await page.click('button[data-sort="length"]');
      await expect.poll(() => column('length')).toEqual(['11.0', '16.5', '—']);
      const speeds = (await api<{ vessels: Array<{ mmsi: number; sog: number }> }>('/api/v1/vessels'))
        .vessels;
      await page.click('button[data-sort="speed"]');
      await page.click('button[data-sort="speed"]');
      await expect.poll(mmsis).toEqual([...speeds].sort((a, b) => b.sog - a.sog).map((v) => v.mmsi));
      await page.click('button[data-sort="position"]');
      const latitudes = (
        await api<{ vessels: Array<{ mmsi: number; lat: number }> }>('/api/v1/vessels')
      ).vessels
        .sort((a, b) => b.lat - a.lat)
        .map((v) => v.mmsi);
      await expect.poll(mmsis).toEqual(latitudes);

      // Search, select, then the marker's popup leads to the vessel page.
      await page.fill('#search', 'phuc loc');
      await expect.poll(mmsis).toEqual([TRAWLER]);
      await page.press('#search', 'Enter');
      await page.waitForSelector(`.lookout-map .vessel.selected[data-mmsi="${TRAWLER}"]`);
      await page.click(`#map .vessel[data-mmsi="${TRAWLER}"]`);
      await page.click('#map .vessel-popup a');
      await page.waitForSelector('#page:not([hidden]) #vessel-identity');
      expect(page.url()).toMatch(new RegExp(`#/vessel/${TRAWLER}$`));
      // Back on the overview, the alarm names the vessel with a link to its page.
      await page.goBack();
      await page.click(`#alarms-list li[data-alarm-id="${licenceAlarm.id}"] .alarm-originator a`);
      await page.waitForSelector('#page:not([hidden]) #vessel-identity');
      expect(page.url()).toMatch(new RegExp(`#/vessel/${TRAWLER}$`));
    } finally {
      await page.close();
    }
  });

  it('fits a ranger’s phone in Vietnamese: nothing sideways, big controls, playback by touch', async () => {
    const page = await viewerPage({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      reducedMotion: 'reduce',
      locale: 'vi-VN',
    });
    const overflow = () =>
      page.evaluate(
        '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
      ) as Promise<{
        scrollWidth: number;
        innerWidth: number;
      }>;
    try {
      await page.goto(`${cloud.addresses.http}/#/vessel/${TRAWLER}`);
      await page.waitForSelector('.lookout-map path.track[data-points]');
      expect(await page.getAttribute('html', 'lang')).toBe('vi');
      expect(await page.textContent('#page .page-title')).toBe(`Tàu ${TRAWLER}`);
      expect(await page.textContent('#vessel-licence [data-licence]')).toBe('hết hiệu lực');
      expect(await page.textContent('#track-play')).toBe('▶ Phát');
      expect(await page.textContent('#track-time')).toBe(translator('vi').dateTime(departureTs));
      const { scrollWidth, innerWidth } = await overflow();
      expect(innerWidth).toBe(390);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      // Every control of the playback inside the screen (the page scrolls only downwards).
      for (const control of [
        '#track-from',
        '#track-to',
        '#track-load',
        '#track-play',
        '#track-speed',
        '#track-slider',
      ]) {
        const box = (await page.locator(control).boundingBox())!;
        expect(box.x, control).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, control).toBeLessThanOrEqual(390);
      }
      // Opened by its address, the page still names the ports (not their ids).
      await expect.poll(() => page.textContent('#voyages-table tbody')).toContain('Sông Đốc');
      expect(await page.textContent('#voyages-table tbody')).not.toContain('port-song-doc');
      const play = (await page.locator('#track-play').boundingBox())!;
      expect(play.height).toBeGreaterThanOrEqual(44);
      const map = (await page.locator('#vessel-map').boundingBox())!;
      expect(map.width).toBeGreaterThanOrEqual(350);
      await page.tap('#track-play');
      await expect
        .poll(async () => (await marker(page)).ts, { timeout: 20_000 })
        .toBeGreaterThan(departureTs + H);
      await page.tap('#track-play');
      await page.screenshot({ path: '/tmp/vessel-page-phone.png' });
      await page.locator('#vessel-positions').screenshot({ path: '/tmp/vessel-positions-phone.png' });
      await page.locator('#vessel-voyages').screenshot({ path: '/tmp/vessel-voyages-phone.png' });
      for (const table of ['#positions-table', '#voyages-table']) {
        const box = (await page.locator(table).boundingBox())!;
        expect(box.x + box.width, table).toBeLessThanOrEqual(390);
      }
      await page.screenshot({ path: '/tmp/vessel-page-phone-full.png', fullPage: true });

      await page.goto(`${cloud.addresses.http}/#/situation/${licenceAlarm.startTs}`);
      await page.waitForSelector('#situation-alarms li[data-alarm-id]');
      expect(await page.textContent('#situation-alarms .alarm-type')).toBe('Không có giấy phép hợp lệ');
      const situation = await overflow();
      expect(situation.scrollWidth).toBeLessThanOrEqual(situation.innerWidth);
      await page.screenshot({ path: '/tmp/situation-phone.png', fullPage: true });

      // The language switch re-opens the page in English.
      await page.tap('#lang-button');
      await expect.poll(() => page.textContent('#page .page-title')).toBe('Situation at a moment');
      expect(await page.textContent('#situation-alarms .alarm-type')).toBe('No valid licence');
      expect(consoleErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
