/**
 * The fisheries office's pages (#/office, #/registry, #/cases) in Debian's Chromium against a real cloud: the
 * registry in PGlite, positions over MQTT into the rules, a signal-loss case opened by the office, influxd. At a
 * 1366×768 control-room screen and a 390×844 phone, nothing scrolls sideways.
 */
import { existsSync } from 'node:fs';
import ExcelJS from 'exceljs';
import mqtt, { type MqttClient } from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cloud } from '../../cloud/core.js';
import { dashboardFeature } from '../../cloud/dashboard/index.js';
import type { FisheriesFeature } from '../../cloud/fisheries/feature.js';
import type { OfficeFeature } from '../../cloud/office/feature.js';
import { readDaily } from '../../cloud/office/snapshots.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { edgeClientId, topics } from '../../protocols/mqtt/topics.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';
import { startOfficeCloud } from '../support/office-cloud.js';

const CHROMIUM = '/usr/bin/chromium';
const EDGE = 'edge-office-pages';
const OPERATOR = 'Cán bộ Lan';
const H = 3_600_000;
const scope = scopeForFile();
let cloud: Cloud;
let fisheries: FisheriesFeature;
let office: OfficeFeature;
let edge: MqttClient;
let browser: Browser;
let seq = 0;
const consoleErrors: string[] = [];

async function post(path: string, body: unknown, method = 'POST'): Promise<void> {
  const response = await fetch(`${cloud.addresses.http}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, `${path}: ${await response.clone().text()}`).toBeLessThan(300);
}

async function publish(positions: VesselPosition[]): Promise<void> {
  const stats = fisheries.part.engine.stats;
  const before = stats.positions;
  await edge.publishAsync(
    topics.vesselPositions(EDGE),
    JSON.stringify({ edgeId: EDGE, seq: seq++, positions }),
    { qos: 1 },
  );
  await waitFor(() => stats.positions - before >= positions.length, 20_000, 'positions evaluated');
  await office.part.portCalls.idle();
}

const at = (mmsi: number, ts: number, lat: number, lon: number, sog = 7): VesselPosition => ({
  mmsi,
  ts,
  lat,
  lon,
  sog,
  cog: 200,
  msgType: 1,
});

async function openPage(
  size: { width: number; height: number },
  phone = false,
  locale = 'vi-VN',
): Promise<Page> {
  const page = await browser.newPage({
    viewport: size,
    locale,
    ...(phone ? { isMobile: true, hasTouch: true } : {}),
  });
  await page.addInitScript(`localStorage.setItem('lookout.operator', ${JSON.stringify(OPERATOR)})`);
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  return page;
}

async function noSidewaysScroll(page: Page, width: number): Promise<void> {
  const overflow = (await page.evaluate(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  )) as { scrollWidth: number; innerWidth: number };
  expect(overflow.innerWidth).toBe(width);
  expect(overflow.scrollWidth).toBeLessThanOrEqual(width);
}

beforeAll(async () => {
  await waitFor(() => existsSync(CHROMIUM), 30_000, `${CHROMIUM} (Debian chromium package)`);
  ({ cloud, fisheries, office } = await startOfficeCloud(scope, {
    database: 'office_pages',
    extra: [dashboardFeature({ vesselPollMs: 1000 })],
  }));
  await waitFor(() => fisheries.part.isReady, 30_000, 'fisheries ready');
  edge = await scope.use(
    mqtt.connectAsync(cloud.addresses.mqtt, { clientId: edgeClientId(EDGE), reconnectPeriod: 0 }),
    (c) => c.endAsync(true),
  );

  await post(
    '/api/v1/registry/admin-units',
    {
      units: [
        { code: 'C-SD', kind: 'commune', name: 'Sông Đốc', parentCode: '96', validFrom: '2025-07-01' },
        { code: 'C-DM', kind: 'commune', name: 'Đất Mũi', parentCode: '96', validFrom: '2025-07-01' },
      ],
    },
    'PUT',
  );
  const vessel = (registration: string, mmsi: number, lengthM: number, communeCode: string, more = {}) =>
    post('/api/v1/registry/vessels', {
      registration,
      name: `Phúc Lộc ${registration.slice(3, 8)}`,
      mmsi,
      lengthM,
      communeCode,
      gear: lengthM >= 15 ? 'lưới kéo' : 'lưới rê',
      by: 'seed',
      ...more,
    });
  await vessel('CM-92001-TS', 574920001, 18, 'C-SD', {
    vmsDeviceId: 'VMS-1',
    licenceNumber: 'GP-1',
    licenceZoneClass: 'offshore',
    licenceValidTo: '2099-12-31',
  });
  await vessel('CM-92002-TS', 574920002, 11, 'C-SD');
  await vessel('CM-92003-TS', 574920003, 16, 'C-DM', { vmsDeviceId: 'VMS-3' });
  const now = Date.now();
  // At sea now; in the port of Sông Đốc; silent at sea for 7 hours (the office opens a case).
  await publish([
    at(574920003, now - 7 * H - 60_000, 8.6, 104.3),
    at(574920003, now - 7 * H, 8.601, 104.301),
    at(574920001, now - 60_000, 8.9, 104.35),
    at(574920002, now - 60_000, 9.036, 104.822, 0),
  ]);
  await office.part.tick();
  await office.part.snapshot();

  browser = await scope.use(
    chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
      ],
    }),
    (b) => b.close(),
  );
});

describe('the fisheries office pages in Chromium', () => {
  it('shows the fleet statistics at 1366×768: counts, group-by switch, the day history, an XLSX report', async () => {
    const page = await openPage({ width: 1366, height: 768 });
    await page.goto(`${cloud.addresses.http}/#/office`);
    const card = (name: string) => page.locator(`#office-totals [data-count="${name}"] dd`);
    await expect.poll(() => card('registered').textContent(), { timeout: 20_000 }).toBe('3');
    expect(await card('atSea').textContent()).toBe('1');
    expect(await card('inPort').textContent()).toBe('1');
    expect(await card('silentOver6h').textContent()).toBe('1');
    expect(await card('withoutVms').textContent()).toBe('0');
    expect(await page.textContent('#views-nav a[aria-current="page"]')).toBe('Thống kê đội tàu');
    // By commune (default): names from the registry's units, each a link to its vessels.
    const row = (key: string) => page.locator(`#office-groups tr[data-key="${key}"]`);
    expect(await row('C-SD').locator('th a').textContent()).toBe('Sông Đốc');
    expect(await row('C-SD').locator('td').first().textContent()).toBe('2');
    await page.click('#office-group-by button[data-group-by="lengthClass"]');
    await expect.poll(() => row('offshore').locator('th').textContent()).toBe('Từ 15 m (vùng khơi)');
    expect(await row('offshore').locator('td').first().textContent()).toBe('2');

    // The day's snapshot (the Vietnam day it was taken, read back: the test may run across midnight in Vietnam):
    // commune Đất Mũi had one vessel silent over 6 h.
    const [kept] = await readDaily(office.part.db, { from: '2000-01-01', to: '2100-01-01' });
    await page.fill('#office-day', kept!.day);
    await page.dispatchEvent('#office-day', 'change');
    const history = page.locator('#office-history tr[data-key="C-DM"] td');
    await expect.poll(() => history.nth(3).textContent()).toBe('1');

    await page.selectOption('#report-period', 'month');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#report-links a[data-format="xlsx"]'),
    ]);
    expect(download.suggestedFilename()).toMatch(/^bao-cao-96-month-\d{4}-\d{2}-01\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile((await download.path())!);
    expect(book.worksheets.map((w) => w.name)).toEqual([
      'Tổng hợp',
      'Tàu mất kết nối',
      'Tàu vi phạm',
      'Xuất bến không giấy phép',
    ]);
    const summary = book.getWorksheet('Tổng hợp')!;
    expect(summary.getRow(summary.rowCount).values).toContain('Tổng Cà Mau');
    expect(await page.getAttribute('#report-links a[data-format="csv"]', 'href')).toContain('format=csv');

    await noSidewaysScroll(page, 1366);
    await page.screenshot({ path: '/tmp/office.png', fullPage: true });
    await page.close();
  });

  it('speaks English to an English browser', async () => {
    const page = await openPage({ width: 1366, height: 768 }, false, 'en-GB');
    await page.goto(`${cloud.addresses.http}/#/office`);
    await page.waitForSelector('#office-totals [data-count="registered"]');
    expect(await page.textContent('.page-title')).toBe('Fishing fleet statistics');
    expect(await page.textContent('#office-totals [data-count="silentOver6h"] dt')).toBe('Silent > 6 h');
    expect(await page.textContent('#report-links a[data-format="xlsx"]')).toBe('Download XLSX report');
    await page.goto(`${cloud.addresses.http}/#/cases`);
    await page.waitForSelector('#cases-board .kanban-column');
    expect(
      await page.$$eval('#cases-board .kanban-column h3', (hs) =>
        hs.map((h) => h.textContent!.replace(/ \(\d+\)$/, '')),
      ),
    ).toEqual([
      'Awaiting position report',
      'Position reported (radio / phone)',
      'Must return to port',
      'Closed',
    ]);
    await page.close();
  });

  it('fits a phone at 390×844 on every office page', async () => {
    const phone = await openPage({ width: 390, height: 844 }, true);
    for (const [hash, ready] of [
      ['#/office', '#office-totals [data-count="registered"]'],
      ['#/registry', '#registry-table tbody tr'],
      ['#/cases', '#cases-board .case-card'],
    ] as const) {
      await phone.goto(`${cloud.addresses.http}/${hash}`);
      await phone.waitForSelector(ready, { timeout: 20_000 });
      await noSidewaysScroll(phone, 390);
      await phone.screenshot({ path: `/tmp/office-phone-${hash.slice(2)}.png`, fullPage: true });
    }
    await phone.close();
  });

  it('registers, edits and retires a vessel with each problem next to its field, and keeps who did it', async () => {
    const page = await openPage({ width: 1366, height: 768 });
    await page.goto(`${cloud.addresses.http}/#/registry`);
    await page.waitForSelector('#registry-table tbody tr');
    expect(await page.textContent('#registry-count')).toBe('3 / 3 tàu');
    await page.fill('#registry-search', 'phuc loc 92003');
    await expect.poll(() => page.textContent('#registry-count')).toBe('1 / 3 tàu');
    await page.fill('#registry-search', '');
    await page.selectOption('#registry-licence', 'valid');
    await expect.poll(() => page.textContent('#registry-count')).toBe('1 / 3 tàu');
    await page.selectOption('#registry-licence', '');

    await page.click('#registry-new');
    await page.fill('#vessel-registration', 'cm-1');
    await page.fill('#vessel-name', 'Tân Phát 9');
    await page.fill('#vessel-lengthM', '14');
    await page.fill('#vessel-licenceNumber', 'GP-9');
    await page.click('#vessel-form button[type="submit"]');
    await expect.poll(() => page.isVisible('#vessel-registration-error')).toBe(true);
    expect(await page.textContent('#vessel-registration-error')).toMatch(
      /^Không hợp lệ \(dạng CM-90123-TS.*\): .*(pattern|match)/i,
    );
    await page.fill('#vessel-registration', 'CM-92009-TS');
    await page.click('#vessel-form button[type="submit"]');
    // The store's meaning checks: a licence needs its zone class and last day.
    await expect.poll(() => page.textContent('#vessel-licenceNumber-error')).toMatch(/licenceZoneClass/);
    await page.fill('#vessel-licenceNumber', '');
    await page.selectOption('#vessel-communeCode', 'C-DM');
    await page.click('#vessel-form button[type="submit"]');
    await page.waitForSelector('#registry-record-heading:text("Tân Phát 9 (CM-92009-TS)")');
    expect(await page.textContent('#registry-history li[data-audit="create"]')).toContain(OPERATOR);

    await page.click('#registry-edit');
    await page.fill('#vessel-ownerName', 'Nguyễn Văn Hải');
    await page.click('#vessel-form button[type="submit"]');
    await page.waitForSelector('#registry-history li[data-audit="update"]');
    const edit = await page.textContent('#registry-history li[data-audit="update"]');
    expect(edit).toContain(OPERATOR);
    expect(edit).toContain('Chủ tàu: – → Nguyễn Văn Hải');

    await page.click('#registry-retire');
    await page.fill('#retire-reason', 'giải bản');
    await page.click('#retire-form button[type="submit"]');
    await page.waitForSelector('#registry-history li[data-audit="retire"]');
    expect(await page.textContent('#registry-history li[data-audit="retire"]')).toContain('giải bản');
    await expect.poll(() => page.textContent('#registry-count')).toBe('3 / 3 tàu');
    await page.close();
  });

  it('refuses a bad import whole, naming each bad row, and imports a good one', async () => {
    const page = await openPage({ width: 1366, height: 768 });
    await page.goto(`${cloud.addresses.http}/#/registry/commune/C-SD`);
    await page.waitForSelector('#registry-table tbody tr');
    expect(await page.textContent('#registry-count')).toBe('2 / 3 tàu');
    const bad = [
      'registration,name,lengthM,communeCode',
      'CM-92010-TS,Good One,12,C-SD',
      'CM-92011-TS,Bad Commune,12,X-NONE',
      'CM-92012-TS,Bad Length,-3,C-SD',
    ].join('\n');
    await page.setInputFiles('#registry-file', {
      name: 'tau.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(bad),
    });
    await page.click('#registry-import button[type="submit"]');
    await page.waitForSelector('#registry-import-problems');
    const problems = await page.$$eval('#registry-import-problems tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent).slice(0, 2)),
    );
    expect(problems).toEqual([
      ['3', 'Xã / phường / đặc khu'],
      ['4', 'Chiều dài (m)'],
    ]);
    expect(await page.textContent('#registry-import-result [role="alert"]')).toContain(
      'không dòng nào được ghi',
    );
    const listed = await fetch(`${cloud.addresses.http}/api/v1/registry/vessels/CM-92010-TS`);
    expect(listed.status).toBe(404);

    const good = ['registration,name,lengthM,communeCode', 'CM-92010-TS,Good One,12,C-SD'].join('\n');
    await page.setInputFiles('#registry-file', {
      name: 'tau.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(good),
    });
    await page.click('#registry-import button[type="submit"]');
    await expect
      .poll(() => page.textContent('#registry-import-result'))
      .toBe('Đã nhập tau.csv: thêm 1, cập nhật 0, không đổi 0.');
    await expect.poll(() => page.textContent('#registry-count')).toBe('3 / 4 tàu');
    await page.close();
  });

  it('follows a signal-loss case on the board from awaiting a report to closed, naming who moved it', async () => {
    const page = await openPage({ width: 1366, height: 768 });
    await page.goto(`${cloud.addresses.http}/#/cases`);
    const card = page.locator('.case-card[data-registration="CM-92003-TS"]');
    await card.waitFor({ timeout: 20_000 });
    const column = () => card.evaluate((c) => c.closest('.kanban-column')!.getAttribute('data-state'));
    expect(await column()).toBe('awaiting_report');
    expect(await card.getAttribute('data-state')).toBe('awaiting_report');
    expect(await card.locator('a[href="#/vessel/574920003"]').count()).toBe(1);

    await card.locator('button[data-action="report"]').click();
    await card.locator('input[id$="-lat"]').fill('8.55');
    await card.locator('input[id$="-lon"]').fill('104.25');
    await card.locator('input[id$="-how"]').fill('bộ đàm');
    await card.locator('form button[type="submit"]').click();
    await expect.poll(column).toBe('open');
    expect(await card.locator('.last-known').textContent()).toMatch(/^8°33′00″ B, 104°15′00″ Đ /);
    expect(await card.locator('.moved-by').textContent()).toContain(OPERATOR);

    await card.locator('button[data-action="must-return"]').click();
    await card.locator('form input').fill('không báo vị trí đúng hạn');
    await card.locator('form button[type="submit"]').click();
    await expect.poll(column).toBe('must_return');

    await card.locator('button[data-action="comment"]').click();
    await card.locator('form input').fill('đã gọi chủ tàu');
    await card.locator('form button[type="submit"]').click();
    await expect.poll(() => card.locator('.case-events li[data-kind="comment"]').count()).toBe(1);

    await card.locator('button[data-action="close"]').click();
    await card.locator('form input').fill('tàu đã về bến Sông Đốc');
    await card.locator('form button[type="submit"]').click();
    await expect.poll(column).toBe('closed');
    const events = await card
      .locator('.case-events li')
      .evaluateAll((items) => items.map((li) => li.getAttribute('data-kind')));
    expect(events).toEqual(['opened', 'report', 'must_return', 'comment', 'closed']);
    expect(await card.locator('.case-events li[data-kind="closed"]').textContent()).toContain(OPERATOR);
    await noSidewaysScroll(page, 1366);
    await page.screenshot({ path: '/tmp/office-cases.png', fullPage: true });
    await page.close();
    // The browser logs each refused form and import (422) it was shown; nothing else may fail.
    expect(consoleErrors.filter((e) => !/status of 422/.test(e))).toEqual([]);
  });
});
