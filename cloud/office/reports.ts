import type { Alarm } from '../../protocols/api/alarms.js';
import {
  COUNT_NAMES,
  type FleetCounts,
  type PortEvent,
  type SignalCase,
  type FleetVessel,
} from '../../protocols/api/office.js';
import type { RegisteredVessel } from '../../protocols/api/registry.js';
import type { Sheet } from '../registry/tabular.js';
import { addCounts, emptyCounts } from './stats.js';
import { periodOf, type Period } from '../registry/days.js';

/** Vietnamese column headings of the counts (báo cáo gửi Chi cục Thủy sản / Sở Nông nghiệp và Môi trường). */
export const COUNT_HEADINGS: Record<keyof FleetCounts, string> = {
  registered: 'Tàu đăng ký',
  atSea: 'Đang trên biển',
  inPort: 'Trong cảng',
  noPosition: 'Chưa có vị trí',
  silentOver6h: 'Mất kết nối > 6 giờ',
  silentOver10d: 'Mất kết nối > 10 ngày',
  inViolation: 'Đang vi phạm',
  licenceExpired: 'Giấy phép hết hạn',
  withoutLicence: 'Không có giấy phép',
  withoutVms: 'Chưa lắp VMS (≥ 15 m)',
  openCases: 'Vụ mất kết nối đang theo dõi',
};

export const ALARM_LABELS: Record<string, string> = {
  boundary_crossing: 'Vượt ranh giới vùng biển',
  closed_area: 'Vào vùng cấm khai thác',
  zone_by_length: 'Khai thác sai vùng theo chiều dài tàu',
  signal_loss: 'Mất tín hiệu giám sát hành trình',
  encounter: 'Cập mạn / chuyển tải trên biển',
  loitering: 'Neo đậu bất thường xa bờ',
  licence_invalid: 'Giấy phép hết hạn hoặc không có',
  licence_zone: 'Khai thác sai vùng ghi trong giấy phép',
  vms_missing: 'Tàu ≥ 15 m hoạt động không có VMS',
};

const SEVERITY_LABELS: Record<string, string> = {
  CRITICAL: 'Nghiêm trọng',
  MAJOR: 'Cao',
  MINOR: 'Trung bình',
  WARNING: 'Cảnh báo',
  INDETERMINATE: 'Chưa xác định',
};

const CASE_STATE_LABELS: Record<SignalCase['state'], string> = {
  open: 'Đang theo dõi (báo cáo đúng hạn)',
  awaiting_report: 'Chờ báo cáo vị trí',
  must_return: 'Phải về bến',
  closed: 'Đã đóng',
};

export interface SummaryRow {
  key: string;
  name: string;
  counts: FleetCounts;
  departures: number;
  arrivals: number;
  departuresWithoutLicence: number;
  violations: number;
}

export interface FleetReport {
  scope: { kind: 'province' | 'commune'; code: string; name: string };
  period: { kind: Period; first: string; last: string };
  /** What the summary's rows are: communes, or (a period before the 2025 reform) districts. */
  groupedBy: 'commune' | 'district';
  generatedAt: number;
  /** Where the counts come from: the live fleet, or the day's snapshot (`fleet_daily`). */
  countsFrom: 'live' | 'snapshot' | 'none';
  summary: SummaryRow[];
  totals: SummaryRow;
  silent: Array<Record<string, unknown>>;
  violations: Array<Record<string, unknown>>;
  departuresWithoutLicence: Array<Record<string, unknown>>;
}

export interface ReportInputs {
  scope: FleetReport['scope'];
  period: Period;
  day: string;
  now: number;
  /** Counts per commune (code → name, counts) at the end of the period. */
  communeCounts: ReadonlyArray<{ key: string; name?: string; counts: FleetCounts }>;
  countsFrom: FleetReport['countsFrom'];
  vessels: ReadonlyMap<string, RegisteredVessel>;
  byMmsi: (mmsi: number) => RegisteredVessel | undefined;
  portEvents: readonly PortEvent[];
  alarms: readonly Alarm[];
  cases: readonly SignalCase[];
  /** Vessels silent now (registration → since), when the period holds today. */
  silentNow: ReadonlyArray<{ vessel: RegisteredVessel; sinceTs: number }>;
  portName: (id: string) => string;
}

const time = (ms: number | undefined) =>
  ms === undefined ? '' : new Date(ms + 7 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

/** The numbers and lists of a commune's or the province's report for a day, week or month. */
export function buildReport(inputs: ReportInputs): FleetReport {
  const { first, last, startMs, endMs } = periodOf(inputs.period, inputs.day);
  const inScope = (v: RegisteredVessel | undefined): v is RegisteredVessel =>
    v !== undefined && (inputs.scope.kind === 'province' || v.communeCode === inputs.scope.code);
  const communeOf = (v: RegisteredVessel | undefined) => v?.communeCode ?? 'unknown';
  const rows = new Map<string, SummaryRow>();
  const row = (key: string, name?: string): SummaryRow => {
    let r = rows.get(key);
    if (!r)
      rows.set(
        key,
        (r = {
          key,
          name: name ?? key,
          counts: emptyCounts(),
          departures: 0,
          arrivals: 0,
          departuresWithoutLicence: 0,
          violations: 0,
        }),
      );
    return r;
  };
  for (const group of inputs.communeCounts)
    if (inputs.scope.kind === 'province' || group.key === inputs.scope.code)
      addCounts(row(group.key, group.name).counts, group.counts);

  const departuresWithoutLicence: FleetReport['departuresWithoutLicence'] = [];
  for (const event of inputs.portEvents) {
    const vessel = inputs.byMmsi(event.mmsi);
    if (!inScope(vessel) || event.ts < startMs || event.ts >= endMs) continue;
    const r = row(communeOf(vessel));
    if (event.kind === 'arrival') r.arrivals++;
    else r.departures++;
    if (event.kind !== 'departure' || !event.withoutLicence) continue;
    r.departuresWithoutLicence++;
    departuresWithoutLicence.push({
      registration: vessel.registration,
      name: vessel.name,
      commune: vessel.communeCode ?? '',
      port: inputs.portName(event.portId),
      time: time(event.ts),
      licenceNumber: vessel.licenceNumber ?? '',
      licenceValidTo: vessel.licenceValidTo ?? '',
      ownerName: vessel.ownerName ?? '',
      ownerPhone: vessel.ownerPhone ?? '',
    });
  }

  const violations: FleetReport['violations'] = [];
  for (const alarm of inputs.alarms) {
    const mmsi = Number(/^vessel:(\d+)$/.exec(alarm.originator)?.[1]);
    const vessel = inputs.byMmsi(mmsi);
    const activeInPeriod = alarm.startTs < endMs && (alarm.clearTs === undefined || alarm.clearTs >= startMs);
    if (!inScope(vessel) || !activeInPeriod) continue;
    row(communeOf(vessel)).violations++;
    violations.push({
      registration: vessel.registration,
      name: vessel.name,
      commune: vessel.communeCode ?? '',
      type: ALARM_LABELS[alarm.type] ?? alarm.type,
      severity: SEVERITY_LABELS[alarm.severity] ?? alarm.severity,
      start: time(alarm.startTs),
      status: alarm.status.startsWith('ACTIVE') ? 'Đang xảy ra' : `Đã kết thúc ${time(alarm.clearTs)}`,
      ownerPhone: vessel.ownerPhone ?? '',
    });
  }

  const silent: FleetReport['silent'] = [];
  const listed = new Set<string>();
  const silentRow = (vessel: RegisteredVessel, sinceTs: number, state: string) => {
    listed.add(vessel.registration);
    silent.push({
      registration: vessel.registration,
      name: vessel.name,
      mmsi: vessel.mmsi ?? '',
      commune: vessel.communeCode ?? '',
      since: time(sinceTs),
      state,
      ownerName: vessel.ownerName ?? '',
      ownerPhone: vessel.ownerPhone ?? '',
      captainName: vessel.captainName ?? '',
      captainPhone: vessel.captainPhone ?? '',
    });
  };
  for (const c of inputs.cases) {
    const vessel = inputs.vessels.get(c.registration);
    if (!inScope(vessel) || c.openedAt >= endMs || (c.closedAt !== undefined && c.closedAt < startMs))
      continue;
    silentRow(vessel, c.lastPositionTs, CASE_STATE_LABELS[c.state]);
  }
  if (inputs.now >= startMs && inputs.now < endMs)
    for (const { vessel, sinceTs } of inputs.silentNow)
      if (inScope(vessel) && !listed.has(vessel.registration))
        silentRow(vessel, sinceTs, 'Mất kết nối (chưa mở vụ việc)');

  const summary = [...rows.values()].sort((a, b) => a.key.localeCompare(b.key));
  const totals: SummaryRow = {
    key: inputs.scope.code,
    name: `Tổng ${inputs.scope.name}`,
    counts: emptyCounts(),
    departures: 0,
    arrivals: 0,
    departuresWithoutLicence: 0,
    violations: 0,
  };
  for (const r of summary) {
    addCounts(totals.counts, r.counts);
    totals.departures += r.departures;
    totals.arrivals += r.arrivals;
    totals.departuresWithoutLicence += r.departuresWithoutLicence;
    totals.violations += r.violations;
  }
  return {
    scope: inputs.scope,
    period: { kind: inputs.period, first, last },
    groupedBy: 'commune',
    generatedAt: inputs.now,
    countsFrom: inputs.countsFrom,
    summary,
    totals,
    silent,
    violations,
    departuresWithoutLicence,
  };
}

/**
 * The report's summary regrouped by the district each commune row lay in (`districtOf`, from the administrative
 * units as they were during the period); rows without a known district stay as they are.
 */
export function groupByDistrict(
  report: FleetReport,
  districtOf: (communeCode: string) => { code: string; name: string } | undefined,
): FleetReport {
  const rows = new Map<string, SummaryRow>();
  for (const r of report.summary) {
    const district = districtOf(r.key);
    const key = district?.code ?? r.key;
    let into = rows.get(key);
    if (!into)
      rows.set(
        key,
        (into = {
          ...r,
          key,
          name: district?.name ?? r.name,
          counts: emptyCounts(),
          departures: 0,
          arrivals: 0,
          departuresWithoutLicence: 0,
          violations: 0,
        }),
      );
    addCounts(into.counts, r.counts);
    into.departures += r.departures;
    into.arrivals += r.arrivals;
    into.departuresWithoutLicence += r.departuresWithoutLicence;
    into.violations += r.violations;
  }
  const summary = [...rows.values()].sort((a, b) => a.key.localeCompare(b.key));
  return { ...report, groupedBy: 'district', summary };
}

const PERIOD_LABELS: Record<Period, string> = { day: 'ngày', week: 'tuần', month: 'tháng' };
const vnDate = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;

/** The report as worksheets with Vietnamese headings: summary (with the totals row) and the three lists. */
export function reportSheets(report: FleetReport): Sheet[] {
  const { period, scope } = report;
  const title = [
    `BÁO CÁO TÌNH HÌNH TÀU CÁ THEO ${PERIOD_LABELS[period.kind].toUpperCase()} — ${scope.kind === 'province' ? 'TỈNH' : 'XÃ'} ${scope.name.toUpperCase()}`,
    period.first === period.last
      ? `Ngày ${vnDate(period.first)}`
      : `Từ ngày ${vnDate(period.first)} đến ngày ${vnDate(period.last)}`,
    `Lập lúc ${time(report.generatedAt)} (giờ Việt Nam); số liệu tàu: ${report.countsFrom === 'live' ? 'hiện tại' : report.countsFrom === 'snapshot' ? 'cuối kỳ (bản ghi hằng ngày)' : 'không có bản ghi'}`,
  ];
  const summaryRows = [...report.summary, report.totals].map((r) => ({
    key: r.key,
    name: r.name,
    ...r.counts,
    departures: r.departures,
    arrivals: r.arrivals,
    departuresWithoutLicence: r.departuresWithoutLicence,
    violations: r.violations,
  }));
  return [
    {
      name: 'Tổng hợp',
      title,
      columns: [
        { key: 'key', header: 'Mã đơn vị' },
        {
          key: 'name',
          header: report.groupedBy === 'district' ? 'Huyện / thị xã / thành phố' : 'Xã / phường / đặc khu',
          width: 28,
        },
        ...COUNT_NAMES.map((n) => ({ key: n, header: COUNT_HEADINGS[n] })),
        { key: 'departures', header: 'Lượt xuất bến' },
        { key: 'arrivals', header: 'Lượt cập bến' },
        { key: 'departuresWithoutLicence', header: 'Xuất bến không giấy phép hợp lệ' },
        { key: 'violations', header: 'Vi phạm trong kỳ' },
      ],
      rows: summaryRows,
    },
    {
      name: 'Tàu mất kết nối',
      title,
      columns: [
        { key: 'registration', header: 'Số đăng ký' },
        { key: 'name', header: 'Tên tàu', width: 22 },
        { key: 'mmsi', header: 'MMSI' },
        { key: 'commune', header: 'Mã xã' },
        { key: 'since', header: 'Mất kết nối từ', width: 18 },
        { key: 'state', header: 'Tình trạng', width: 30 },
        { key: 'ownerName', header: 'Chủ tàu', width: 22 },
        { key: 'ownerPhone', header: 'Điện thoại chủ tàu', width: 18 },
        { key: 'captainName', header: 'Thuyền trưởng', width: 22 },
        { key: 'captainPhone', header: 'Điện thoại thuyền trưởng', width: 18 },
      ],
      rows: report.silent,
    },
    {
      name: 'Tàu vi phạm',
      title,
      columns: [
        { key: 'registration', header: 'Số đăng ký' },
        { key: 'name', header: 'Tên tàu', width: 22 },
        { key: 'commune', header: 'Mã xã' },
        { key: 'type', header: 'Hành vi vi phạm', width: 36 },
        { key: 'severity', header: 'Mức độ' },
        { key: 'start', header: 'Bắt đầu', width: 18 },
        { key: 'status', header: 'Tình trạng', width: 28 },
        { key: 'ownerPhone', header: 'Điện thoại chủ tàu', width: 18 },
      ],
      rows: report.violations,
    },
    {
      name: 'Xuất bến không giấy phép',
      title,
      columns: [
        { key: 'registration', header: 'Số đăng ký' },
        { key: 'name', header: 'Tên tàu', width: 22 },
        { key: 'commune', header: 'Mã xã' },
        { key: 'port', header: 'Cảng xuất bến', width: 20 },
        { key: 'time', header: 'Thời gian', width: 18 },
        { key: 'licenceNumber', header: 'Số giấy phép' },
        { key: 'licenceValidTo', header: 'Giấy phép hiệu lực đến' },
        { key: 'ownerName', header: 'Chủ tàu', width: 22 },
        { key: 'ownerPhone', header: 'Điện thoại chủ tàu', width: 18 },
      ],
      rows: report.departuresWithoutLicence,
    },
  ];
}

const STATUS_LABELS: Record<FleetVessel['status'], string> = {
  at_sea: 'Trên biển',
  in_port: 'Trong cảng',
  silent: 'Mất kết nối',
  must_return: 'Mất kết nối > 10 ngày (phải về bến)',
  no_position: 'Chưa có vị trí',
};

/** The vessel list as a sheet with Vietnamese headings (CSV/XLSX export). */
export function fleetVesselSheet(vessels: readonly FleetVessel[]): Sheet {
  return {
    name: 'Danh sách tàu',
    columns: [
      { key: 'registration', header: 'Số đăng ký' },
      { key: 'name', header: 'Tên tàu', width: 22 },
      { key: 'mmsi', header: 'MMSI' },
      { key: 'lengthM', header: 'Chiều dài (m)' },
      { key: 'gear', header: 'Nghề khai thác', width: 22 },
      { key: 'communeCode', header: 'Mã xã' },
      { key: 'homePort', header: 'Cảng cá' },
      { key: 'status', header: 'Trạng thái', width: 24 },
      { key: 'lastTime', header: 'Vị trí cuối lúc', width: 18 },
      { key: 'lat', header: 'Vĩ độ' },
      { key: 'lon', header: 'Kinh độ' },
      { key: 'activeAlarms', header: 'Cảnh báo đang mở' },
      { key: 'licenceValidTo', header: 'Giấy phép hiệu lực đến' },
      { key: 'vmsDeviceId', header: 'Thiết bị VMS' },
    ],
    rows: vessels.map((v) => ({ ...v, status: STATUS_LABELS[v.status], lastTime: time(v.lastTs) })),
  };
}

export const REPORT_LISTS = { summary: 0, silent: 1, violations: 2, departures: 3 } as const;
