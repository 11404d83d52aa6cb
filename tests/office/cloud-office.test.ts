import ExcelJS from 'exceljs';
import mqtt, { type MqttClient } from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Cloud } from '../../cloud/core.js';
import type { FisheriesFeature } from '../../cloud/fisheries/feature.js';
import type { OfficeFeature } from '../../cloud/office/feature.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import type {
  DailyRow,
  FleetStats,
  FleetVessel,
  PortEvent,
  SignalCase,
  Voyage as VoyageRow,
} from '../../protocols/api/office.js';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { Voyage, seededRandom } from '../../simulators/fleet/scenarios/voyage.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';
import { startOfficeCloud } from '../support/office-cloud.js';

/**
 * The fisheries office through the real cloud: the registry filled over the API (PGlite in the cloud's data
 * folder), positions over MQTT into the rules and the port calls, alarms from the registry, a signal-loss case
 * in simulated time, statistics, the daily history and the reports.
 */
const scope = scopeForFile();
const EDGE = 'edge-office';
const H = 3_600_000;
const T0 = Date.parse('2026-03-15T00:00:00Z');
const PORT: [number, number] = [104.83, 9.04];
let simNow = T0;
let cloud: Cloud;
let edge: MqttClient;
let fisheries: FisheriesFeature;
let office: OfficeFeature;
let seq = 0;

async function api<T>(
  path: string,
  init?: { method?: string; body?: unknown },
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${cloud.addresses.http}${path}`, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init?.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as T };
}

async function deliver(positions: VesselPosition[]): Promise<void> {
  const stats = fisheries.part.engine.stats;
  const before = stats.positions + stats.duplicates + stats.tooLate;
  const batch = { edgeId: EDGE, seq: seq++, positions };
  await edge.publishAsync(topics.vesselPositions(EDGE), JSON.stringify(batch), { qos: 1 });
  await waitFor(
    () => stats.positions + stats.duplicates + stats.tooLate - before >= positions.length,
    30_000,
    'positions evaluated',
  );
  await office.part.portCalls.idle();
}

beforeAll(async () => {
  ({ cloud, fisheries, office } = await startOfficeCloud(scope, {
    database: 'office_path',
    clock: () => simNow,
  }));
  edge = await scope.use(
    mqtt.connectAsync(cloud.addresses.mqtt, { clientId: EDGE, reconnectPeriod: 0 }),
    (c) => c.endAsync(true),
  );
});

describe('fisheries office through the cloud', () => {
  it('registers vessels over the API with who did it', async () => {
    const units = await api('/api/v1/registry/admin-units', {
      method: 'PUT',
      body: {
        units: [
          { code: 'C-SD', kind: 'commune', name: 'Sông Đốc', parentCode: '96', validFrom: '2025-07-01' },
          { code: 'C-DM', kind: 'commune', name: 'Đất Mũi', parentCode: '96', validFrom: '2025-07-01' },
        ],
      },
    });
    expect(units.status).toBe(200);
    const licensed = await api('/api/v1/registry/vessels', {
      method: 'POST',
      body: {
        registration: 'CM-90001-TS',
        name: 'Phúc Lộc 1',
        mmsi: 574300001,
        lengthM: 16,
        vmsDeviceId: 'VMS-1',
        licenceNumber: 'GP-1',
        licenceZoneClass: 'offshore',
        licenceValidTo: '2026-12-31',
        communeCode: 'C-SD',
        homePort: 'port-song-doc',
        gear: 'trawl',
        by: 'officer.lan',
      },
    });
    expect(licensed.status).toBe(201);
    const unlicensed = await api('/api/v1/registry/vessels', {
      method: 'POST',
      body: {
        registration: 'CM-90002-TS',
        name: 'Không Phép',
        mmsi: 574300002,
        lengthM: 17,
        communeCode: 'C-DM',
        homePort: 'port-song-doc',
        ownerName: 'Trần Văn B',
        ownerPhone: '0912 000 002',
        by: 'officer.lan',
      },
    });
    expect(unlicensed.body).toMatchObject({ provinceCode: '96', createdAt: T0 });
    const history = await api<{ entries: Array<{ actor: string; action: string }> }>(
      '/api/v1/registry/vessels/CM-90002-TS/history',
    );
    expect(history.body.entries).toEqual([
      expect.objectContaining({ actor: 'officer.lan', action: 'create' }),
    ]);
  });

  it('records departures, arrivals and voyages; raises the registry’s alarms', async () => {
    const trip = new Voyage(574300001, PORT, T0)
      .to([104.8301, 9.0399], 0.2)
      .to([104.5, 8.95], 8)
      .to(PORT, 8)
      .to([104.8301, 9.0401], 0.2);
    const gone = new Voyage(574300002, PORT, T0).to([104.8301, 9.0399], 0.2).to([104.45, 8.9], 8);
    const positions = [
      ...trip.positions(T0, trip.now, 10 * 60_000, seededRandom(1)),
      ...gone.positions(T0, gone.now, 10 * 60_000, seededRandom(2)),
    ].sort((a, b) => a.ts - b.ts);
    simNow = positions.at(-1)!.ts;
    for (let i = 0; i < positions.length; i += 25) await deliver(positions.slice(i, i + 25));
    const events = await api<{ events: PortEvent[] }>('/api/v1/port-events');
    expect(events.body.events.map((e) => [e.registration, e.kind, e.portId, e.withoutLicence])).toEqual([
      ['CM-90001-TS', 'departure', 'port-song-doc', false],
      ['CM-90002-TS', 'departure', 'port-song-doc', true],
      ['CM-90001-TS', 'arrival', 'port-song-doc', undefined],
    ]);
    const voyages = await api<{ voyages: VoyageRow[] }>('/api/v1/voyages?mmsi=574300001');
    expect(voyages.body.voyages).toEqual([
      expect.objectContaining({ arrivalPort: 'port-song-doc', durationH: expect.any(Number) }),
    ]);
    // About 37 km out and back, less the 3 km in-port radius at each end.
    expect(voyages.body.voyages[0]!.distanceKm).toBeGreaterThan(65);
    expect(voyages.body.voyages[0]!.distanceKm).toBeLessThan(75);
    const alarms = await api<{ alarms: Alarm[] }>('/api/v1/alarms?status=active');
    expect(alarms.body.alarms.map((a) => `${a.originator} ${a.type}`).sort()).toEqual([
      'vessel:574300002 licence_invalid',
      'vessel:574300002 vms_missing',
    ]);
  });

  it('opens a signal-loss case after 6 h silent, takes a reported position, counts it all', async () => {
    const lastTs = (await fisheries.part.vesselStates(simNow)).vessels.find((v) => v.mmsi === 574300002)!.ts;
    simNow = lastTs + 7 * H;
    await office.part.tick();
    const { body } = await api<{ cases: SignalCase[] }>('/api/v1/signal-cases?state=awaiting_report');
    expect(body.cases).toEqual([
      expect.objectContaining({ registration: 'CM-90002-TS', lastPositionTs: lastTs }),
    ]);
    const reported = await api<SignalCase>(`/api/v1/signal-cases/${body.cases[0]!.id}/reports`, {
      method: 'POST',
      body: {
        ts: new Date(simNow - H).toISOString(),
        lon: 104.3,
        lat: 8.8,
        text: 'radio',
        by: 'officer.minh',
      },
    });
    expect(reported.body).toMatchObject({ state: 'open', nextReportDueAt: simNow + 5 * H });

    const stats = await api<FleetStats>('/api/v1/fleet/stats');
    expect(stats.body.totals).toEqual({
      registered: 2,
      atSea: 0,
      inPort: 1,
      noPosition: 0,
      silentOver6h: 1,
      silentOver10d: 0,
      inViolation: 1,
      licenceExpired: 0,
      withoutLicence: 1,
      withoutVms: 1,
      openCases: 1,
    });
    expect(stats.body.groups.commune.map((g) => [g.key, g.name, g.counts.registered])).toEqual([
      ['C-DM', 'Đất Mũi', 1],
      ['C-SD', 'Sông Đốc', 1],
    ]);
    await api('/api/v1/fleet/daily/snapshot', { method: 'POST' });
    const day = new Date(simNow + 7 * H).toISOString().slice(0, 10);
    const daily = await api<{ rows: DailyRow[] }>(
      `/api/v1/fleet/daily?from=${day}&to=${day}&groupBy=commune&key=C-DM`,
    );
    expect(daily.body.rows).toEqual([
      expect.objectContaining({
        day,
        name: 'Đất Mũi',
        counts: expect.objectContaining({ silentOver6h: 1, openCases: 1 }),
      }),
    ]);
  });

  it('serves the province report as XLSX with Vietnamese sheets and one list as CSV', async () => {
    const response = await fetch(`${cloud.addresses.http}/api/v1/reports?period=day&format=xlsx`);
    expect(response.headers.get('content-disposition')).toMatch(/bao-cao-96-day-2026-03-15\.xlsx/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(await response.arrayBuffer());
    expect(workbook.worksheets.map((w) => w.name)).toEqual([
      'Tổng hợp',
      'Tàu mất kết nối',
      'Tàu vi phạm',
      'Xuất bến không giấy phép',
    ]);
    const summary = workbook.getWorksheet('Tổng hợp')!;
    const lastRow = summary.getRow(summary.rowCount).values as unknown[];
    expect(lastRow).toContain('Tổng Cà Mau');
    const csv = await api<string>('/api/v1/reports?period=week&commune=C-DM&format=csv&list=departures');
    expect(csv.body.split('\r\n')[0]).toMatch(/Số đăng ký,Tên tàu,Mã xã,Cảng xuất bến/);
    expect(csv.body).toContain('CM-90002-TS,Không Phép,C-DM,Sông Đốc');
    const silent = await api<{ vessels: FleetVessel[] }>('/api/v1/fleet/vessels?status=silent');
    expect(silent.body.vessels).toEqual([
      expect.objectContaining({ registration: 'CM-90002-TS', communeCode: 'C-DM', activeAlarms: 2 }),
    ]);
    const inPort = await api<string>('/api/v1/fleet/vessels?commune=C-SD&format=csv');
    expect(inPort.body.split('\r\n')[0]).toMatch(/^Số đăng ký,Tên tàu,MMSI,Chiều dài \(m\)/);
    expect(inPort.body).toContain('CM-90001-TS,Phúc Lộc 1,574300001,16,trawl,C-SD,port-song-doc,Trong cảng');
    const health = await api<{ features: Record<string, Record<string, unknown>> }>('/health');
    expect(health.body.features.office).toEqual({ status: 'ok', portCallFailures: 0 });
    expect(health.body.features.registry).toMatchObject({ status: 'ok', vessels: 2 });
    const { body: openapi } = await api<{ paths: Record<string, Record<string, { summary?: string }>> }>(
      '/api/v1/openapi.json',
    );
    expect(openapi.paths['/api/v1/registry/import']!.post!.summary).toBe('Import vessels from CSV or XLSX');
    expect(openapi.paths['/api/v1/signal-cases/{id}/reports']!.post!.summary).toMatch(/reported/);
  });
});
