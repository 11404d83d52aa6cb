import { readdir } from 'node:fs/promises';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { fisheriesFeature } from '../../cloud/fisheries/feature.js';
import { notifyFeature } from '../../cloud/notify/feature.js';
import { officeFeature, type OfficeFeature } from '../../cloud/office/feature.js';
import { registryFeature } from '../../cloud/registry/feature.js';
import type { ReportNotification } from '../../protocols/api/notifications.js';
import { SimClock } from '../../simulators/fleet/clock.js';
import { WebhookReceiver } from '../../simulators/notifications/webhook-receiver.js';
import { capturingLogger, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { startTestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

/**
 * The office's reports on a schedule, in simulated time, through a real cloud (PGlite registry, InfluxDB, the
 * notify webhooks): written at `dailyAt` Vietnam time, the week's on a Monday and the month's on the 1st, announced
 * once on a webhook in Vietnamese; and a report of a day before the 2025 reform grouped by district.
 */
const scope = scopeForFile();
/** Sunday 15 June 2025, 10:00 in Vietnam: before the reform, districts still exist. */
const clock = new SimClock(Date.parse('2025-06-15T03:00:00Z'));
let cloud: Cloud;
let office: OfficeFeature;
let reportsDir: string;
const hook = new WebhookReceiver();

const vietnam = (iso: string) => Date.parse(`${iso}+07:00`);

async function api<T>(
  urlPath: string,
  init?: { method?: string; body?: unknown },
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${cloud.addresses.http}${urlPath}`, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as T };
}

const announcements = () =>
  hook.received
    .map((r) => JSON.parse(r.body) as { kind: string })
    .filter((n): n is ReportNotification => n.kind === 'reports');

beforeAll(async () => {
  const influx = await scope.use(startTestInfluxd(), (i) => i.cleanup());
  const dataDir = await scope.use(tempDir('office-schedule'), removeDir);
  reportsDir = path.join(dataDir, 'office-reports');
  await scope.use(hook.start(), () => hook.stop());
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'office_schedule' },
    buffer: { fsync: 'never' },
    dataDir,
    fisheries: { tickIntervalS: 3600 },
    office: { tickIntervalS: 3600, reports: { dailyAt: '07:00', dir: reportsDir, formats: ['xlsx', 'csv'] } },
    notify: { webhooks: [{ name: 'office', url: hook.url, format: 'json', reports: true }] },
  });
  const now = () => clock.now();
  const registry = registryFeature({ clock: now });
  const alarms = alarmsFeature({ clock: now });
  const fisheries = fisheriesFeature(config.fisheries, { alarms, registry, clock: now });
  office = officeFeature({ registry, fisheries, alarms, clock: now });
  cloud = createCloud(config, {
    log: capturingLogger('warn').log,
    features: [registry, alarms, fisheries, office, notifyFeature(config.notify)],
  });
  await scope.use(cloud.start(), () => cloud.stop());
  await waitFor(() => fisheries.part.isReady, 30_000, 'fisheries ready');

  // The hierarchy as data: a district and its commune until 30 June 2025, the commune that replaced it after.
  const units = await api('/api/v1/registry/admin-units', {
    method: 'PUT',
    body: {
      units: [
        {
          code: 'D-TVT',
          kind: 'district',
          name: 'Trần Văn Thời',
          parentCode: '96',
          validFrom: '1997-01-01',
          validTo: '2025-06-30',
        },
        { code: 'C-SD', kind: 'commune', name: 'Sông Đốc', parentCode: '96', validFrom: '2025-07-01' },
        { code: 'C-DM', kind: 'commune', name: 'Đất Mũi', parentCode: '96', validFrom: '2025-07-01' },
        {
          code: 'X-TTSD',
          kind: 'commune',
          name: 'Thị trấn Sông Đốc',
          parentCode: 'D-TVT',
          validFrom: '1997-01-01',
          validTo: '2025-06-30',
          replacedBy: 'C-SD',
        },
      ],
    },
  });
  expect(units.status).toBe(200);
  for (const [registration, communeCode, lengthM] of [
    ['CM-91001-TS', 'C-SD', 16],
    ['CM-91002-TS', 'C-SD', 13],
    ['CM-91003-TS', 'C-DM', 11],
  ] as const) {
    const created = await api('/api/v1/registry/vessels', {
      method: 'POST',
      body: { registration, name: registration, lengthM, communeCode, by: 'officer.lan' },
    });
    expect(created.status).toBe(201);
  }
});

describe('reports on a schedule (simulated time)', () => {
  it('groups a day before 1 July 2025 by district, refuses districts after it', async () => {
    await office.part.snapshot(); // 15 June 2025: the fleet's counts by commune
    const report = await api<{
      groupedBy: string;
      summary: Array<{ key: string; name: string; counts: { registered: number } }>;
    }>('/api/v1/reports?period=day&day=2025-06-15&groupBy=district&format=json');
    expect(report.status).toBe(200);
    expect(report.body.groupedBy).toBe('district');
    // Sông Đốc's two vessels lay in Trần Văn Thời (through the commune Sông Đốc replaced); Đất Mũi's predecessor
    // is not in the data, so its row stays the commune.
    expect(report.body.summary.map((r) => [r.key, r.name, r.counts.registered])).toEqual([
      ['C-DM', 'Đất Mũi', 1],
      ['D-TVT', 'Trần Văn Thời', 2],
    ]);
    // The day's kept counts read the same way: by district for a day before the reform.
    const daily = await api<{ rows: Array<{ key: string; name: string; counts: { registered: number } }> }>(
      '/api/v1/fleet/daily?from=2025-06-15&to=2025-06-15&groupBy=district',
    );
    expect(daily.body.rows.map((r) => [r.key, r.name, r.counts.registered])).toEqual([
      ['C-DM', 'Đất Mũi', 1],
      ['D-TVT', 'Trần Văn Thời', 2],
    ]);
    const xlsx = await fetch(
      `${cloud.addresses.http}/api/v1/reports?period=day&day=2025-06-15&groupBy=district`,
    );
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await xlsx.arrayBuffer());
    expect(JSON.stringify(book.getWorksheet('Tổng hợp')!.getSheetValues())).toContain(
      'Huyện / thị xã / thành phố',
    );

    clock.set(vietnam('2026-05-31T12:00:00'));
    const after = await api<{ error: string }>('/api/v1/reports?period=day&groupBy=district&format=json');
    expect(after.status).toBe(400);
    expect(after.body.error).toMatch(/no district was in force on 2026-05-31/);
    const dailyAfter = await api('/api/v1/fleet/daily?from=2026-05-31&to=2026-05-31&groupBy=district');
    expect(dailyAfter.status).toBe(400);
    // A commune abolished by the reform is no longer given to a vessel; the message names its successor.
    const abolished = await api<{ problems: Array<{ column: string; message: string }> }>(
      '/api/v1/registry/vessels',
      {
        method: 'POST',
        body: {
          registration: 'CM-91004-TS',
          name: 'Cũ',
          lengthM: 9,
          communeCode: 'X-TTSD',
          by: 'officer.lan',
        },
      },
    );
    expect(abolished.status).toBe(422);
    expect(abolished.body.problems).toEqual([
      {
        row: 0,
        column: 'communeCode',
        message: expect.stringMatching(/abolished after 2025-06-30: now C-SD/),
      },
    ]);
  });

  it('writes the day, week and month reports at 07:00 on Monday 1 June and announces them once', async () => {
    await office.part.snapshot(); // Sunday 31 May 2026: the day, week and month end
    clock.set(vietnam('2026-06-01T06:59:00'));
    await office.part.tick();
    expect(announcements()).toEqual([]);

    clock.set(vietnam('2026-06-01T07:00:00'));
    await office.part.tick();
    await waitFor(() => announcements().length === 1, 30_000, 'the reports announced');
    const folder = path.join(reportsDir, '2026-05-31');
    const expected = ['day-2026-05-31', 'week-2026-05-25', 'month-2026-05-01'].flatMap((period) =>
      ['96', 'C-DM', 'C-SD'].flatMap((unit) => ['xlsx', 'csv'].map((f) => `bao-cao-${unit}-${period}.${f}`)),
    );
    expect((await readdir(folder)).sort()).toEqual([...expected].sort());
    const [announced] = announcements();
    expect(announced).toMatchObject({ id: 'reports:2026-05-31', day: '2026-05-31', folder });
    expect(announced!.files.sort()).toEqual([...expected].sort());
    expect(announced!.reports.map((r) => [r.period, r.first, r.last, r.totals.registered])).toEqual([
      ['day', '2026-05-31', '2026-05-31', 3],
      ['week', '2026-05-25', '2026-05-31', 3],
      ['month', '2026-05-01', '2026-05-31', 3],
    ]);
    expect(announced!.text).toContain('Báo cáo tàu cá theo ngày 31/05/2026 (Cà Mau): 3 tàu đăng ký');
    expect(announced!.text).toContain('Báo cáo tàu cá theo tháng 01/05/2026 – 31/05/2026');
    expect(announced!.text).toContain('bao-cao-96-month-2026-05-01.xlsx');
    // The province's day report holds the three vessels from the day's snapshot.
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(path.join(folder, 'bao-cao-96-day-2026-05-31.xlsx'));
    const summary = book.getWorksheet('Tổng hợp')!;
    const totals = summary.getRow(summary.rowCount).values as unknown[];
    expect(totals).toContain('Tổng Cà Mau');
    expect(totals).toContain(3);

    // Later the same morning: nothing again.
    clock.set(vietnam('2026-06-01T09:00:00'));
    await office.part.tick();
    // Tuesday: only the day's reports, announced.
    clock.set(vietnam('2026-06-02T07:30:00'));
    await office.part.tick();
    await waitFor(() => announcements().length === 2, 30_000, 'Monday’s reports announced');
    expect(announcements()[1]!.reports.map((r) => r.period)).toEqual(['day']);
    expect(announcements()[1]!.files).toHaveLength(6);
  });
});
