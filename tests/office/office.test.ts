import { beforeAll, describe, expect, it } from 'vitest';
import { scopeForFile } from '../support/scope.js';
import type { RegisteredVessel } from '../../protocols/api/registry.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import { Voyage, seededRandom } from '../../simulators/fleet/scenarios/voyage.js';
import { haversineM } from '../../cloud/fisheries/geometry.js';
import { migrate, openPglite, type Database } from '../../cloud/registry/database.js';
import { readXlsx, writeXlsx } from '../../cloud/registry/tabular.js';
import { listPortEvents, listVoyages, PortCalls } from '../../cloud/office/port-calls.js';
import { buildReport, reportSheets } from '../../cloud/office/reports.js';
import { SignalCases, type HeardVessel } from '../../cloud/office/signal-cases.js';
import { readDaily, writeDailySnapshot } from '../../cloud/office/snapshots.js';
import { fleetStatistics } from '../../cloud/office/stats.js';
import { dayStartMs, periodOf, vietnamDay } from '../../cloud/registry/days.js';

const scope = scopeForFile();
let db: Database;
const H = 3_600_000;
const VMS = { requiredFromLengthM: 15, reportEveryH: 6, returnToPortAfterD: 10 };
const LIMITS = { offshoreMinLengthM: 15, inshoreMinLengthM: 12 };

beforeAll(async () => {
  db = await scope.use(openPglite(), (d) => d.close());
  await migrate(db);
});

const vessel = (
  fields: Partial<RegisteredVessel> & { registration: string; lengthM: number },
): RegisteredVessel => ({
  name: fields.registration,
  demo: false,
  createdAt: 0,
  updatedAt: 0,
  ...fields,
});

describe('Vietnam days and periods', () => {
  it('counts days in UTC+7 and weeks from Monday', () => {
    expect(vietnamDay(Date.parse('2026-03-14T17:00:00Z'))).toBe('2026-03-15');
    expect(vietnamDay(Date.parse('2026-03-14T16:59:59Z'))).toBe('2026-03-14');
    expect(dayStartMs('2026-03-15')).toBe(Date.parse('2026-03-14T17:00:00Z'));
    expect(periodOf('week', '2026-03-15')).toMatchObject({ first: '2026-03-09', last: '2026-03-15' });
    expect(periodOf('month', '2026-02-10')).toMatchObject({ first: '2026-02-01', last: '2026-02-28' });
  });
});

describe('fleet statistics', () => {
  // A small fleet counted by hand (now: 15 March 2026, noon in Ca Mau).
  const now = Date.parse('2026-03-15T05:00:00Z');
  const fleet = [
    vessel({
      registration: 'CM-00001-TS',
      mmsi: 574000001,
      lengthM: 16,
      gear: 'trawl',
      communeCode: 'A',
      provinceCode: '96',
      licenceNumber: 'L1',
      licenceValidTo: '2026-12-31',
      vmsDeviceId: 'VMS-1',
    }),
    vessel({
      registration: 'CM-00002-TS',
      mmsi: 574000002,
      lengthM: 13,
      gear: 'gillnet',
      communeCode: 'A',
      provinceCode: '96',
      licenceNumber: 'L2',
      licenceValidTo: '2026-03-14',
    }),
    vessel({
      registration: 'CM-00003-TS',
      mmsi: 574000003,
      lengthM: 20,
      gear: 'trawl',
      communeCode: 'B',
      provinceCode: '96',
    }),
    vessel({
      registration: 'CM-00004-TS',
      mmsi: 574000004,
      lengthM: 18,
      gear: 'trawl',
      communeCode: 'B',
      provinceCode: '96',
      licenceNumber: 'L4',
      licenceValidTo: '2027-01-01',
      vmsDeviceId: 'VMS-4',
    }),
    vessel({ registration: 'CM-00005-TS', lengthM: 8 }),
    vessel({
      registration: 'CM-00006-TS',
      mmsi: 574000006,
      lengthM: 10,
      communeCode: 'A',
      provinceCode: '96',
      licenceNumber: 'L6',
      licenceValidTo: '2026-03-15',
    }),
  ];
  const stats = fleetStatistics({
    vessels: fleet,
    positions: new Map([
      [574000001, { ts: now - 1 * H, inPort: false }],
      [574000002, { ts: now - 30 * H, inPort: true }],
      [574000003, { ts: now - 7 * H, inPort: false }],
      [574000004, { ts: now - 11 * 24 * H, inPort: false }],
      [574999999, { ts: now, inPort: false }], // not registered: not counted
    ]),
    violating: new Set([574000003]),
    openCases: new Set(['CM-00004-TS']),
    now,
    vms: VMS,
    lengthLimits: LIMITS,
    unitName: (code) => ({ A: 'Sông Đốc', B: 'Đất Mũi', '96': 'Cà Mau' })[code],
  });

  it('counts the whole fleet', () => {
    expect(stats.day).toBe('2026-03-15');
    expect(stats.totals).toEqual({
      registered: 6,
      atSea: 1,
      inPort: 1,
      noPosition: 2,
      silentOver6h: 2,
      silentOver10d: 1,
      inViolation: 1,
      licenceExpired: 1,
      withoutLicence: 2,
      withoutVms: 1,
      openCases: 1,
    });
  });

  it('groups by commune, province, length class and gear', () => {
    const commune = Object.fromEntries(stats.groups.commune.map((g) => [g.key, g]));
    expect(commune.A).toMatchObject({
      name: 'Sông Đốc',
      counts: { registered: 3, atSea: 1, inPort: 1, noPosition: 1, licenceExpired: 1, silentOver6h: 0 },
    });
    expect(commune.B).toMatchObject({
      name: 'Đất Mũi',
      counts: {
        registered: 2,
        silentOver6h: 2,
        silentOver10d: 1,
        inViolation: 1,
        withoutLicence: 1,
        withoutVms: 1,
        openCases: 1,
        atSea: 0,
      },
    });
    expect(commune.unknown!.counts).toMatchObject({ registered: 1, noPosition: 1, withoutLicence: 1 });
    expect(stats.groups.province.map((g) => [g.key, g.counts.registered])).toEqual([
      ['96', 5],
      ['unknown', 1],
    ]);
    expect(stats.groups.lengthClass.map((g) => [g.key, g.counts.registered])).toEqual([
      ['coastal', 2],
      ['inshore', 1],
      ['offshore', 3],
    ]);
    expect(stats.groups.gear.map((g) => [g.key, g.counts.registered])).toEqual([
      ['gillnet', 1],
      ['trawl', 3],
      ['unknown', 2],
    ]);
  });

  it('keeps each day’s counts for later: "on 15 March, 1 vessel of Sông Đốc was at sea"', async () => {
    await writeDailySnapshot(db, stats);
    // A later snapshot the same day replaces the day's rows.
    const later = { ...stats, at: now + H, totals: { ...stats.totals, atSea: 0 } };
    await writeDailySnapshot(db, later);
    const [total] = await readDaily(db, { from: '2026-03-15', to: '2026-03-15' });
    expect(total).toMatchObject({
      day: '2026-03-15',
      key: 'all',
      takenAt: now + H,
      counts: { atSea: 0, registered: 6 },
    });
    const rows = await readDaily(db, { from: '2026-03-01', to: '2026-03-31', groupBy: 'commune', key: 'A' });
    expect(rows).toEqual([
      expect.objectContaining({
        day: '2026-03-15',
        name: 'Sông Đốc',
        counts: expect.objectContaining({ atSea: 1, registered: 3 }),
      }),
    ]);
  });
});

describe('port visits and voyages', () => {
  const PORT: [number, number] = [104.83, 9.04];
  const locate = (lon: number, lat: number) =>
    haversineM(lon, lat, PORT[0], PORT[1]) <= 3000 ? 'port-song-doc' : undefined;
  const licensed = vessel({
    registration: 'CM-90001-TS',
    mmsi: 574300001,
    lengthM: 16,
    licenceNumber: 'L',
    licenceZoneClass: 'offshore',
    licenceValidTo: '2027-01-01',
  });
  const unlicensed = vessel({ registration: 'CM-90002-TS', mmsi: 574300002, lengthM: 16 });
  const lookup = (mmsi: number) => [licensed, unlicensed].find((v) => v.mmsi === mmsi);

  it('records a scripted voyage: departure, arrival, duration and distance, also across a restart', async () => {
    const t0 = Date.parse('2026-03-15T00:00:00Z');
    const ground: [number, number] = [104.55, 8.95];
    const voyage = new Voyage(574300001, PORT, t0)
      .to([104.83, 9.039], 0.1)
      .to(ground, 8)
      .drift(200, 3, 4)
      .to(PORT, 8)
      .to([104.8301, 9.0401], 0.1);
    const positions = voyage.positions(t0, voyage.now, 10 * 60_000, seededRandom(7));
    const events: string[] = [];
    const first = new PortCalls({ db, locate, lookup, onEvent: (e) => events.push(e.kind) });
    await first.load();
    const half = Math.floor(positions.length / 2);
    for (let i = 0; i < half; i += 20) await first.ingest(positions.slice(i, Math.min(i + 20, half)));
    // Restart at sea: the open voyage goes on from the database.
    const second = new PortCalls({ db, locate, lookup, onEvent: (e) => events.push(e.kind) });
    await second.load();
    for (let i = half; i < positions.length; i += 20) await second.ingest(positions.slice(i, i + 20));
    await second.ingest(positions.slice(0, 30)); // late data again: nothing new
    expect(events).toEqual(['departure', 'arrival']);
    const [departure, arrival] = await listPortEvents(db, { mmsi: 574300001 });
    expect(departure).toMatchObject({
      kind: 'departure',
      portId: 'port-song-doc',
      registration: 'CM-90001-TS',
      withoutLicence: false,
    });
    expect(arrival).toMatchObject({ kind: 'arrival', portId: 'port-song-doc' });
    const [trip] = await listVoyages(db, { mmsi: 574300001 });
    expect(trip).toMatchObject({
      departurePort: 'port-song-doc',
      arrivalPort: 'port-song-doc',
      departureTs: departure!.ts,
      arrivalTs: arrival!.ts,
    });
    expect(trip!.durationH).toBeCloseTo((arrival!.ts - departure!.ts) / H, 2);
    // Along the positions: out, the drift, back; the parts inside the port circle are not the voyage.
    let along = 0;
    const atSea = positions.filter((p) => p.ts >= departure!.ts - 10 * 60_000 && p.ts <= arrival!.ts);
    for (let i = 1; i < atSea.length; i++)
      along += haversineM(atSea[i - 1]!.lon, atSea[i - 1]!.lat, atSea[i]!.lon, atSea[i]!.lat);
    expect(trip!.distanceKm).toBeCloseTo(along / 1000, 0);
    expect(trip!.distanceKm).toBeGreaterThan(2 * 25);
    expect((await listPortEvents(db, { port: 'port-song-doc', kind: 'departure' })).length).toBe(1);
  });

  it('marks a departure without a valid licence', async () => {
    const t0 = Date.parse('2026-03-16T00:00:00Z');
    const voyage = new Voyage(574300002, PORT, t0).to([104.83, 9.039], 0.1).to([104.6, 9.0], 8);
    const calls = new PortCalls({ db, locate, lookup });
    await calls.ingest(voyage.positions(t0, voyage.now, 10 * 60_000, seededRandom(8)));
    expect(await listPortEvents(db, { mmsi: 574300002 })).toEqual([
      expect.objectContaining({ kind: 'departure', withoutLicence: true, registration: 'CM-90002-TS' }),
    ]);
    expect(await listVoyages(db, { mmsi: 574300002 })).toEqual([
      expect.not.objectContaining({ arrivalTs: expect.anything() }),
    ]);
  });
});

describe('signal-loss cases (simulated time)', () => {
  it('opens after 6 h, asks for a report every 6 h, escalates at 10 days, closes in port', async () => {
    const t0 = Date.parse('2026-04-01T00:00:00Z');
    let now = t0;
    const events: string[] = [];
    const cases = new SignalCases({
      db,
      vms: VMS,
      clock: () => now,
      onEvent: (_c, e) => events.push(e.kind),
    });
    const big = { ...vessel({ registration: 'CM-95001-TS', lengthM: 17 }), mmsi: 574950001 };
    const small = { ...vessel({ registration: 'CM-95002-TS', lengthM: 9 }), mmsi: 574950002 };
    let heard: HeardVessel[] = [
      { vessel: big, last: { ts: t0, lon: 104.4, lat: 8.6, inPort: false } },
      { vessel: small, last: { ts: t0, lon: 104.5, lat: 8.6, inPort: false } },
    ];
    now = t0 + 5 * H;
    await cases.tick(heard);
    expect(await cases.list()).toEqual([]);

    now = t0 + 6 * H;
    await cases.tick(heard);
    let [c] = await cases.list();
    expect(c).toMatchObject({
      registration: 'CM-95001-TS',
      state: 'awaiting_report',
      lastPositionTs: t0,
      nextReportDueAt: t0 + 6 * H,
      mustReturnAt: t0 + 240 * H,
    });
    expect(await cases.openRegistrations()).toEqual(new Set(['CM-95001-TS']));

    now = t0 + 7 * H;
    c = await cases.report(c!.id, {
      ts: t0 + 6.5 * H,
      lon: 104.41,
      lat: 8.61,
      by: 'officer.lan',
      text: 'by radio',
    });
    expect(c).toMatchObject({ state: 'open', nextReportDueAt: t0 + 12.5 * H });
    await cases.comment(c.id, 'officer.minh', 'owner says the beacon antenna broke');

    now = t0 + 12.5 * H;
    await cases.tick(heard);
    await cases.tick(heard); // the same due report is reminded once
    c = await cases.get(c.id);
    expect(c.state).toBe('awaiting_report');

    now = t0 + 240 * H;
    await cases.tick(heard);
    c = await cases.get(c.id);
    expect(c.state).toBe('must_return');
    // Reports still come in while it sails home; it stays "must return".
    c = await cases.report(c.id, { ts: now, lon: 104.7, lat: 8.9, by: 'officer.lan' });
    expect(c.state).toBe('must_return');

    now = t0 + 250 * H;
    heard = [{ vessel: big, last: { ts: now - H, lon: 104.83, lat: 9.04, inPort: true } }];
    await cases.tick(heard);
    c = await cases.get(c.id);
    expect(c).toMatchObject({ state: 'closed', closedAt: now, closeReason: 'in port' });
    expect(c.events.map((e) => e.kind)).toEqual([
      'opened',
      'report',
      'comment',
      'reminder',
      'must_return',
      'report',
      'closed',
    ]);
    expect(events).toEqual(['opened', 'reminder', 'must_return', 'closed']);
    expect(await cases.openRegistrations()).toEqual(new Set());
    await expect(cases.report(c.id, { ts: now, lon: 0, lat: 0, by: 'x' })).rejects.toThrow(/is closed/);
  });
});

describe('reports', () => {
  it('has the province totals, the lists behind them and Vietnamese headings', async () => {
    const now = Date.parse('2026-03-15T05:00:00Z');
    const a = vessel({
      registration: 'CM-00001-TS',
      name: 'Phúc Lộc',
      mmsi: 574000001,
      lengthM: 16,
      communeCode: 'A',
      ownerPhone: '0912 345 678',
    });
    const b = vessel({ registration: 'CM-00002-TS', mmsi: 574000002, lengthM: 13, communeCode: 'B' });
    const counts = (atSea: number) => ({
      registered: 1,
      atSea,
      inPort: 1 - atSea,
      noPosition: 0,
      silentOver6h: 0,
      silentOver10d: 0,
      inViolation: 0,
      licenceExpired: 0,
      withoutLicence: 0,
      withoutVms: 0,
      openCases: 0,
    });
    const alarm: Alarm = {
      id: 'a1',
      originator: 'vessel:574000002',
      type: 'closed_area',
      severity: 'CRITICAL',
      status: 'ACTIVE_UNACK',
      startTs: now - 2 * H,
      lastTs: now - 2 * H,
      createdAt: now,
      updatedAt: now,
      count: 1,
      details: {},
    };
    const report = buildReport({
      scope: { kind: 'province', code: '96', name: 'Cà Mau' },
      period: 'day',
      day: '2026-03-15',
      now,
      communeCounts: [
        { key: 'A', name: 'Sông Đốc', counts: counts(1) },
        { key: 'B', name: 'Đất Mũi', counts: counts(0) },
      ],
      countsFrom: 'live',
      vessels: new Map([
        [a.registration, a],
        [b.registration, b],
      ]),
      byMmsi: (mmsi) => [a, b].find((v) => v.mmsi === mmsi),
      portEvents: [
        {
          id: 1,
          mmsi: 574000001,
          kind: 'departure',
          portId: 'port-song-doc',
          ts: now - 3 * H,
          lon: 0,
          lat: 0,
          withoutLicence: true,
        },
      ],
      alarms: [alarm],
      cases: [],
      silentNow: [{ vessel: a, sinceTs: now - 8 * H }],
      portName: () => 'Sông Đốc',
    });
    expect(report.totals).toMatchObject({
      name: 'Tổng Cà Mau',
      departures: 1,
      departuresWithoutLicence: 1,
      violations: 1,
      counts: { registered: 2, atSea: 1, inPort: 1 },
    });
    expect(report.summary.map((r) => [r.key, r.departures, r.violations])).toEqual([
      ['A', 1, 0],
      ['B', 0, 1],
    ]);
    const sheets = reportSheets(report);
    expect(sheets.map((s) => s.name)).toEqual([
      'Tổng hợp',
      'Tàu mất kết nối',
      'Tàu vi phạm',
      'Xuất bến không giấy phép',
    ]);
    expect(sheets[2]!.title![0]).toBe('BÁO CÁO TÌNH HÌNH TÀU CÁ THEO NGÀY — TỈNH CÀ MAU');
    const table = await readXlsx(await writeXlsx([{ ...sheets[2]!, title: [] }]));
    expect(table.header).toEqual([
      'Số đăng ký',
      'Tên tàu',
      'Mã xã',
      'Hành vi vi phạm',
      'Mức độ',
      'Bắt đầu',
      'Tình trạng',
      'Điện thoại chủ tàu',
    ]);
    expect(table.rows[0]!.cells).toMatchObject({
      'Số đăng ký': 'CM-00002-TS',
      'Hành vi vi phạm': 'Vào vùng cấm khai thác',
      'Mức độ': 'Nghiêm trọng',
    });
    expect(report.silent).toEqual([
      expect.objectContaining({ registration: 'CM-00001-TS', ownerPhone: '0912 345 678' }),
    ]);
    expect(report.departuresWithoutLicence).toEqual([
      expect.objectContaining({ registration: 'CM-00001-TS', port: 'Sông Đốc', time: '2026-03-15 09:00' }),
    ]);
  });
});
