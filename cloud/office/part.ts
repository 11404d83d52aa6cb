import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import type {
  DailyQuery,
  DailyRow,
  FleetStats,
  FleetVessel,
  FleetVesselQuery,
  ReportQuery,
} from '../../protocols/api/office.js';
import type { RegisteredVessel } from '../../protocols/api/registry.js';
import { Counter, type Registry } from '../../runtime/metrics.js';
import type { Logger } from '../../runtime/logger.js';
import type { Part } from '../../runtime/service.js';
import type { CloudBus } from '../events.js';
import type { AlarmService } from '../alarms/alarms-part.js';
import type { Leadership } from '../cluster/leadership.js';
import type { RulesConfig } from '../fisheries/config.js';
import type { FisheriesPart } from '../fisheries/part.js';
import type { RegistryConfig } from '../registry/config.js';
import type { RegistryPart } from '../registry/part.js';
import { writeCsv, writeXlsx } from '../registry/tabular.js';
import type { OfficeConfig } from './config.js';
import { listPortEvents, PortCalls } from './port-calls.js';
import { buildReport, groupByDistrict, REPORT_LISTS, reportSheets, type FleetReport } from './reports.js';
import { districtOn, hasDistrictsOn } from '../registry/hierarchy.js';
import { SignalCases, type HeardVessel } from './signal-cases.js';
import { readDaily, sumByDistrict, writeDailySnapshot } from './snapshots.js';
import { fleetStatistics, type LastPosition } from './stats.js';
import { addDays, periodOf, vietnamDay, type Period } from '../registry/days.js';
import type { ReportsWritten, WrittenReport } from '../../protocols/api/notifications.js';

export interface OfficePartOptions {
  config: OfficeConfig;
  /** Cluster mode: the timed work (cases, snapshots, scheduled reports) runs on the leader only. */
  leadership?: Leadership;
  /** In-port radius and length classes, as the rules use them. */
  rules: Pick<RulesConfig, 'inPortRadiusKm' | 'zoneByLength'>;
  vms: RegistryConfig['vms'];
  registry: RegistryPart;
  fisheries: FisheriesPart;
  alarms: AlarmService;
  bus: CloudBus;
  dataDir: string;
  log: Logger;
  metrics: Registry;
  clock?: () => number;
}

const H = 3_600_000;

/**
 * The fisheries office: fleet statistics (live and a daily snapshot), reports, port visits and voyages, and
 * signal-loss cases, all over the registry's database and what the fisheries rules know of each vessel.
 */
export class OfficePart implements Part {
  readonly name = 'office';
  #portCalls: PortCalls | undefined;
  #cases: SignalCases | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #ticking: Promise<void> = Promise.resolve();
  #lastSnapshot = -Infinity;
  #lastReportDay: string | undefined;
  #lastTickError: string | undefined;
  readonly #caseEvents: Counter;
  readonly #portEvents: Counter;
  readonly #failures: Counter;

  constructor(private readonly options: OfficePartOptions) {
    const registers = [options.metrics];
    this.#caseEvents = new Counter({
      name: 'lookout_cloud_office_case_events_total',
      help: 'Signal-loss case events, by kind (opened, reminder, must_return, closed, ...)',
      labelNames: ['kind'],
      registers,
    });
    this.#portEvents = new Counter({
      name: 'lookout_cloud_office_port_events_total',
      help: 'Port departures and arrivals derived from positions, by kind',
      labelNames: ['kind'],
      registers,
    });
    this.#failures = new Counter({
      name: 'lookout_cloud_office_failures_total',
      help: 'Office work that failed (database), by what (port_calls, tick, report)',
      labelNames: ['what'],
      registers,
    });
  }

  now(): number {
    return (this.options.clock ?? Date.now)();
  }

  get portCalls(): PortCalls {
    if (!this.#portCalls) throw new Error('office part is not started');
    return this.#portCalls;
  }

  get cases(): SignalCases {
    if (!this.#cases) throw new Error('office part is not started');
    return this.#cases;
  }

  get db() {
    return this.options.registry.store.db;
  }

  async start(): Promise<void> {
    const { fisheries, registry, log, bus, config } = this.options;
    const store = registry.store;
    const radiusM = this.options.rules.inPortRadiusKm * 1000;
    this.#portCalls = new PortCalls({
      db: store.db,
      locate: (lon, lat) => {
        const nearest = fisheries.zones.nearestPort(lon, lat);
        return nearest && nearest.distanceM <= radiusM ? nearest.port.id : undefined;
      },
      lookup: (mmsi) => store.byMmsi(mmsi),
      onEvent: (event) => {
        this.#portEvents.inc({ kind: event.kind });
        if (event.withoutLicence) log.warn({ event }, 'departure without a valid licence');
      },
    });
    await this.#portCalls.load();
    this.#cases = new SignalCases({
      db: store.db,
      vms: this.options.vms,
      clock: () => this.now(),
      onEvent: (c, event) => {
        this.#caseEvents.inc({ kind: event.kind });
        log.info({ case: c.id, registration: c.registration, event }, `signal-loss case ${event.kind}`);
      },
    });
    const portCalls = this.#portCalls;
    const { leadership } = this.options;
    // In a cluster the leader records every instance's positions (peerPositions): one writer of the voyages.
    const record = (positions: VesselPosition[]) => {
      if (leadership && !leadership.leader) return;
      void portCalls.ingest(positions, (error) => {
        this.#failures.inc({ what: 'port_calls' });
        log.error({ err: error }, 'port calls: a batch of positions could not be recorded');
      });
    };
    const unsubscribe = [
      bus.on('positions', (event) => record(event.positions)),
      bus.on('peerPositions', (event) => record(event.positions)),
      ...(leadership
        ? [
            leadership.onChange((state) => {
              if (state.leader)
                void portCalls.reload().catch((error: unknown) => {
                  this.#failures.inc({ what: 'port_calls' });
                  log.error({ err: error }, 'port calls: open voyages not read back on taking the lead');
                });
            }),
          ]
        : []),
    ];
    this.#unsubscribe = () => unsubscribe.forEach((stop) => stop());
    this.#timer = setInterval(() => void this.tick(), config.tickIntervalS * 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    await this.#portCalls?.idle();
    await this.#ticking;
  }

  health(): { status: 'ok' | 'degraded'; portCallFailures: number; lastTickError?: string } {
    const report: ReturnType<OfficePart['health']> = {
      status: this.#lastTickError === undefined ? 'ok' : 'degraded',
      portCallFailures: this.#portCalls?.failures ?? 0,
    };
    if (this.#lastTickError !== undefined) report.lastTickError = this.#lastTickError;
    return report;
  }

  /** Cases followed up, the daily snapshot and scheduled reports when due; one at a time. */
  tick(): Promise<void> {
    this.#ticking = this.#ticking.then(async () => {
      // Before the rules have rebuilt vessel state, a vessel not heard yet would look silent (or at sea).
      if (!this.options.fisheries.isReady) return;
      // In a cluster only the leader follows cases and writes snapshots and reports (once, not per instance).
      if (this.options.leadership && !this.options.leadership.leader) return;
      try {
        await this.cases.tick(this.#heardVessels());
        const now = this.now();
        if (now - this.#lastSnapshot >= this.options.config.snapshotEveryMin * 60_000) await this.snapshot();
        await this.#scheduledReports(now);
        this.#lastTickError = undefined;
      } catch (error) {
        this.#lastTickError = (error as Error).message;
        this.#failures.inc({ what: 'tick' });
        this.options.log.error({ err: error }, 'fisheries office tick failed');
      }
    });
    return this.#ticking;
  }

  async liveStats(): Promise<FleetStats> {
    const now = this.now();
    const store = this.options.registry.store;
    const positions = new Map<number, LastPosition>();
    for (const state of this.options.fisheries.vesselStates(now).vessels)
      positions.set(state.mmsi, { ts: state.ts, inPort: state.status === 'in_port' });
    const violating = new Set<number>();
    for (const alarm of this.options.alarms.store.list({ status: 'active' })) {
      const mmsi = /^vessel:(\d+)$/.exec(alarm.originator)?.[1];
      if (mmsi) violating.add(Number(mmsi));
    }
    return fleetStatistics({
      vessels: store.inService(),
      positions,
      violating,
      openCases: await this.cases.openRegistrations(),
      now,
      vms: this.options.vms,
      lengthLimits: this.options.rules.zoneByLength,
      unitName: (code) => store.unit(code)?.name,
    });
  }

  /** Registered vessels with where they were last heard, filtered (MonitorFish's vessel list). */
  async fleetVessels(
    query: Omit<FleetVesselQuery, 'format' | 'heardSince'> & { heardSince?: number },
  ): Promise<FleetVessel[]> {
    const now = this.now();
    const { reportEveryH, returnToPortAfterD } = this.options.vms;
    const states = new Map(this.options.fisheries.vesselStates(now).vessels.map((s) => [s.mmsi, s]));
    const alarms = new Map<number, number>();
    for (const alarm of this.options.alarms.store.list({ status: 'active' })) {
      const mmsi = Number(/^vessel:(\d+)$/.exec(alarm.originator)?.[1]);
      if (Number.isInteger(mmsi)) alarms.set(mmsi, (alarms.get(mmsi) ?? 0) + 1);
    }
    const vessels = await this.options.registry.store.list({
      commune: query.commune,
      province: query.province,
      homePort: query.homePort,
      minLengthM: query.minLengthM,
      maxLengthM: query.maxLengthM,
    });
    const out: FleetVessel[] = [];
    for (const v of vessels) {
      const state = v.mmsi === undefined ? undefined : states.get(v.mmsi);
      const silentMs = state ? now - state.ts : 0;
      const status: FleetVessel['status'] = !state
        ? 'no_position'
        : state.status === 'in_port'
          ? 'in_port'
          : silentMs >= returnToPortAfterD * 24 * H
            ? 'must_return'
            : silentMs >= reportEveryH * H
              ? 'silent'
              : 'at_sea';
      if (query.status !== undefined && status !== query.status) continue;
      if (query.heardSince !== undefined && !(state && state.ts >= query.heardSince)) continue;
      const row: FleetVessel = {
        registration: v.registration,
        name: v.name,
        lengthM: v.lengthM,
        status,
        activeAlarms: v.mmsi === undefined ? 0 : (alarms.get(v.mmsi) ?? 0),
      };
      for (const key of [
        'mmsi',
        'gear',
        'communeCode',
        'provinceCode',
        'homePort',
        'licenceValidTo',
        'vmsDeviceId',
      ] as const)
        if (v[key] !== undefined) Object.assign(row, { [key]: v[key] });
      if (state) Object.assign(row, { lastTs: state.ts, lon: state.lon, lat: state.lat });
      out.push(row);
    }
    return out;
  }

  /** The daily counts kept; by district (the commune rows summed) for days when districts existed. */
  async daily(query: DailyQuery): Promise<DailyRow[]> {
    if (query.groupBy !== 'district') return readDaily(this.db, query);
    const units = this.options.registry.store.allUnits();
    if (!hasDistrictsOn(units, query.from))
      throw new RangeError(
        `no district was in force on ${query.from} (administrative units): the counts since then go by commune`,
      );
    const rows = await readDaily(this.db, { ...query, groupBy: 'commune', key: undefined });
    const summed = sumByDistrict(rows, (code, day) => districtOn(units, code, day));
    return query.key === undefined ? summed : summed.filter((r) => r.key === query.key);
  }

  /** Writes today's counts (Vietnam day) to `fleet_daily`. */
  async snapshot(): Promise<number> {
    const stats = await this.liveStats();
    this.#lastSnapshot = stats.at;
    return writeDailySnapshot(this.db, stats);
  }

  async report(query: Omit<ReportQuery, 'format' | 'list'>): Promise<FleetReport> {
    const now = this.now();
    const store = this.options.registry.store;
    const day = query.day ?? vietnamDay(now);
    const { first, last, startMs, endMs } = periodOf(query.period, day);
    const live = now >= startMs && now < endMs;
    let countsFrom: FleetReport['countsFrom'] = 'live';
    let communeCounts: FleetStats['groups']['commune'] = [];
    let silentNow: Array<{ vessel: RegisteredVessel; sinceTs: number }> = [];
    if (live) {
      communeCounts = (await this.liveStats()).groups.commune;
      silentNow = this.#silentNow(now);
    } else {
      const rows = await readDaily(this.db, { from: first, to: last, groupBy: 'commune' });
      const lastDay = rows.at(-1)?.day;
      communeCounts = rows.filter((r) => r.day === lastDay);
      countsFrom = lastDay ? 'snapshot' : 'none';
    }
    const scope: FleetReport['scope'] =
      query.commune === undefined
        ? {
            kind: 'province',
            code: this.options.config.provinceCode,
            name: store.unit(this.options.config.provinceCode)?.name ?? this.options.config.provinceCode,
          }
        : { kind: 'commune', code: query.commune, name: store.unit(query.commune)?.name ?? query.commune };
    const all = await store.list();
    const retired = await store.list({ retired: true });
    const byRegistration = new Map([...retired, ...all].map((v) => [v.registration, v]));
    const byMmsi = new Map<number, RegisteredVessel>();
    for (const v of [...retired, ...all]) if (v.mmsi !== undefined) byMmsi.set(v.mmsi, v);
    const units = store.allUnits();
    if (query.groupBy === 'district' && !hasDistrictsOn(units, first))
      throw new RangeError(
        `no district was in force on ${first} (administrative units): reports since then go commune → province`,
      );
    const report = buildReport({
      scope,
      period: query.period,
      day,
      now,
      communeCounts: communeCounts.map((g) => ({ ...g, name: g.name ?? store.unit(g.key)?.name })),
      countsFrom,
      vessels: byRegistration,
      byMmsi: (mmsi) => byMmsi.get(mmsi),
      portEvents: await listPortEvents(this.db, { from: startMs, to: endMs, limit: 10_000 }),
      alarms: this.options.alarms.store.list(),
      cases: await this.cases.list(),
      silentNow,
      portName: (id) => this.options.fisheries.zones.ports.find((p) => p.id === id)?.name ?? id,
    });
    return query.groupBy === 'district'
      ? groupByDistrict(report, (code) => districtOn(units, code, first))
      : report;
  }

  /** The report as a file: XLSX (every sheet) or CSV (one list). */
  async reportFile(
    report: FleetReport,
    format: 'xlsx' | 'csv',
    list: keyof typeof REPORT_LISTS = 'summary',
  ): Promise<Buffer> {
    const sheets = reportSheets(report);
    return format === 'xlsx' ? writeXlsx(sheets) : writeCsv(sheets[REPORT_LISTS[list]]!);
  }

  #heardVessels(): HeardVessel[] {
    const now = this.now();
    const states = new Map(this.options.fisheries.vesselStates(now).vessels.map((s) => [s.mmsi, s]));
    const heard: HeardVessel[] = [];
    for (const vessel of this.options.registry.store.inService()) {
      if (vessel.mmsi === undefined) continue;
      const state = states.get(vessel.mmsi);
      heard.push({
        vessel: { ...vessel, mmsi: vessel.mmsi },
        last: state && { ts: state.ts, lon: state.lon, lat: state.lat, inPort: state.status === 'in_port' },
      });
    }
    return heard;
  }

  #silentNow(now: number): Array<{ vessel: RegisteredVessel; sinceTs: number }> {
    const limitMs = this.options.vms.reportEveryH * H;
    return this.#heardVessels()
      .filter(({ last }) => last && !last.inPort && now - last.ts >= limitMs)
      .map(({ vessel, last }) => ({ vessel, sinceTs: last!.ts }));
  }

  /**
   * At `reports.dailyAt` (Vietnam time), yesterday's province and commune reports go to `<dir>/<day>/`; on a
   * Monday also last week's, on the 1st also last month's. Announced on the bus (`reportsWritten`, the notify
   * webhooks with `reports: true`). A folder that already holds the province's day report was done (a restart).
   */
  async #scheduledReports(now: number): Promise<void> {
    const { dailyAt, dir } = this.options.config.reports;
    if (!dailyAt) return;
    const today = vietnamDay(now);
    const clock = new Date(now + 7 * H).toISOString().slice(11, 16);
    if (clock < dailyAt || this.#lastReportDay === today) return;
    this.#lastReportDay = today;
    const day = addDays(today, -1);
    const folder = path.resolve(dir ?? path.join(this.options.dataDir, 'reports'), day);
    const { provinceCode, reports } = this.options.config;
    if (existsSync(path.join(folder, reportFileName(provinceCode, 'day', day, reports.formats[0] ?? 'xlsx'))))
      return;
    try {
      await this.writeScheduledReports(day, folder);
    } catch (error) {
      this.#lastReportDay = undefined;
      this.#failures.inc({ what: 'report' });
      throw error;
    }
  }

  /** The scheduled reports of a day (and of its week / month when it ends one) written to a folder, announced. */
  async writeScheduledReports(day: string, folder: string): Promise<ReportsWritten> {
    const { formats } = this.options.config.reports;
    await mkdir(folder, { recursive: true });
    const periods: Period[] = ['day'];
    if (periodOf('week', day).last === day) periods.push('week');
    if (periodOf('month', day).last === day) periods.push('month');
    const communes = [
      ...new Set(
        this.options.registry.store
          .inService()
          .map((v) => v.communeCode)
          .filter((c): c is string => c !== undefined),
      ),
    ].sort();
    const files: string[] = [];
    const reports: WrittenReport[] = [];
    for (const period of periods)
      for (const commune of [undefined, ...communes]) {
        const report = await this.report({ period, day, commune });
        if (commune === undefined) {
          const { totals } = report;
          reports.push({
            period,
            first: report.period.first,
            last: report.period.last,
            scope: { code: report.scope.code, name: report.scope.name },
            totals: totals.counts,
            departures: totals.departures,
            arrivals: totals.arrivals,
            departuresWithoutLicence: totals.departuresWithoutLicence,
            violations: totals.violations,
          });
        }
        for (const format of formats) {
          const name = reportFileName(report.scope.code, period, report.period.first, format);
          // Written aside then renamed: a reader of the folder never sees half a file.
          await writeFile(path.join(folder, `.${name}.part`), await this.reportFile(report, format));
          await rename(path.join(folder, `.${name}.part`), path.join(folder, name));
          files.push(name);
        }
      }
    const written: ReportsWritten = { day, folder, files, reports };
    this.options.log.info(
      { day, folder, files: files.length, periods },
      'scheduled fisheries reports written',
    );
    this.options.bus.emit('reportsWritten', written);
    return written;
  }
}

/** `bao-cao-<unit>-<period>-<first day>.<format>`: the same name the API's download gives. */
export function reportFileName(unit: string, period: Period, first: string, format: string): string {
  return `bao-cao-${unit}-${period}-${first}.${format}`;
}
