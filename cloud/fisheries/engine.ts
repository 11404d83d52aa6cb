import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import type { SeverityName } from '../../protocols/api/alarms.js';
import type { VesselState, VesselStatus } from '../../protocols/api/vessels.js';
import type { RulesConfig } from './config.js';
import { SpaceTimeIndex } from './geometry.js';
import {
  lengthClassOf,
  licensedOn,
  type LengthClass,
  type VesselFacts,
  type VesselLookup,
} from './registry.js';
import type { AreaZone, ZoneSet } from './zones.js';

export const ALARM_TYPES = [
  'boundary_crossing',
  'closed_area',
  'zone_by_length',
  'signal_loss',
  'encounter',
  'loitering',
  'licence_invalid',
  'licence_zone',
  'vms_missing',
] as const;
export type VesselAlarmType = (typeof ALARM_TYPES)[number];

/** What the engine asks of the alarm lifecycle (AlarmStore.raise fits). */
export interface VesselAlarmRequest {
  originator: string;
  type: VesselAlarmType;
  severity: SeverityName;
  ts: number;
  details: Record<string, unknown>;
}

/** The condition behind an active alarm is over (e.g. the signal is back): the lifecycle may clear it. */
export interface VesselAlarmResolution {
  originator: string;
  type: VesselAlarmType;
  /** Position time at which the condition ended. */
  ts: number;
  details: Record<string, unknown>;
}

/** A boundary event in the ENT/EXI sense, with the crossing point and its time (interpolated). */
export interface BoundaryEvent {
  mmsi: number;
  direction: 'ENT' | 'EXI';
  zoneId: string;
  zoneKind: 'boundary' | 'allowed';
  ts: number;
  lon: number;
  lat: number;
}

export interface EngineStats {
  positions: number;
  duplicates: number;
  outOfOrder: number;
  tooLate: number;
  vessels: number;
  unregistered: number;
}

export interface EngineOptions {
  zones: ZoneSet;
  registry: VesselLookup;
  rules: RulesConfig;
  history: { maxPoints: number; windowH: number };
  raise: (request: VesselAlarmRequest) => void;
  /** Called when a condition is over (signal back after a signal-loss alarm); default: nothing. */
  resolve?: (resolution: VesselAlarmResolution) => void;
  onBoundaryEvent?: (event: BoundaryEvent) => void;
  /**
   * The registry's rules, when the lookup is the registry (it knows licences and VMS beacons): at sea without a
   * valid licence, fishing in a zone class the licence does not permit, at least `vmsRequiredFromLengthM` long
   * without a VMS beacon. Absent (the config's vessel list): off.
   */
  registryRules?: { vmsRequiredFromLengthM: number };
}

interface TrackPoint {
  ts: number;
  lon: number;
  lat: number;
  sog: number;
  cog: number;
  areas: readonly number[];
  portDistanceM: number;
  nearestPortId: string | undefined;
  /** Zone index of the closed area the point is in, -1 when none. */
  closedZone: number;
  /** Zone index of a length-class zone this vessel may not fish in, -1 when none (or in transit). */
  wrongClassZone: number;
  /** Registry rules (else false / -1): at sea without a valid licence, without VMS, fishing outside the licence's class. */
  unlicensed: boolean;
  noVms: boolean;
  wrongLicenceZone: number;
  loitering: boolean;
  encounterCandidate: boolean;
  /** Start time of the run of consecutive points sharing the flag (NaN when the flag is off). */
  closedSince: number;
  wrongClassSince: number;
  loiteringSince: number;
  unlicensedSince: number;
  noVmsSince: number;
  wrongLicenceSince: number;
}

interface Interval {
  start: number;
  end: number;
}

interface Vessel {
  mmsi: number;
  originator: string;
  registration: VesselFacts | undefined;
  lengthClass: LengthClass | undefined;
  /** Sorted by time, at most history.maxPoints, within history.windowH of the newest. */
  track: TrackPoint[];
  /** What has been raised or recorded already, per rule and subject: never twice for the same time span. */
  seen: Map<string, Interval[]>;
  lastBoundary:
    | { direction: 'ENT' | 'EXI'; ts: number; zoneId: string; lon: number; lat: number; escalated: boolean }
    | undefined;
  signalLoss: { sinceTs: number; level: number } | undefined;
  /** When a position of it last arrived (the caller's clock), whatever its own time. */
  lastArrival: number | undefined;
  trims: number;
}

interface PairEpisode extends Interval {
  raised: boolean;
}

const H = 3_600_000;
const MIN = 60_000;
const CLASS_KINDS = new Set(['offshore', 'inshore', 'coastal']);

/**
 * The fisheries rules, evaluated on each position's own time. Pure: no I/O, no wall clock (signal loss and
 * escalations are evaluated by `tick(now)` with the clock the caller passes).
 *
 * Late and out-of-order positions are inserted into the vessel's recent track and the segments and runs they
 * change are evaluated again; what was raised is remembered as time spans per rule and subject, so data that
 * arrives again (replays, store-and-forward duplicates) or refines a known span never raises twice.
 */
export class RuleEngine {
  readonly stats: EngineStats = {
    positions: 0,
    duplicates: 0,
    outOfOrder: 0,
    tooLate: 0,
    vessels: 0,
    unregistered: 0,
  };
  readonly #vessels = new Map<number, Vessel>();
  readonly #encounterIndex: SpaceTimeIndex<number>;
  #encounterHorizon = -Infinity;
  readonly #pairs = new Map<string, PairEpisode[]>();
  readonly #zones: ZoneSet;
  readonly #registry: VesselLookup;
  readonly #rules: RulesConfig;
  readonly #raise: (request: VesselAlarmRequest) => void;
  readonly #resolve: (resolution: VesselAlarmResolution) => void;
  readonly #onBoundaryEvent: (event: BoundaryEvent) => void;
  readonly #maxPoints: number;
  readonly #windowMs: number;
  readonly #maxGapMs: number;
  readonly #inPortM: number;
  readonly #registryRules: EngineOptions['registryRules'];
  #silent = false;

  constructor(options: EngineOptions) {
    this.#zones = options.zones;
    this.#registry = options.registry;
    this.#rules = options.rules;
    this.#raise = options.raise;
    this.#resolve = options.resolve ?? (() => {});
    this.#onBoundaryEvent = options.onBoundaryEvent ?? (() => {});
    this.#maxPoints = options.history.maxPoints;
    this.#windowMs = options.history.windowH * H;
    this.#maxGapMs = options.rules.maxGapMin * MIN;
    this.#inPortM = options.rules.inPortRadiusKm * 1000;
    this.#registryRules = options.registryRules;
    // Slow positions away from port, in cells a little larger than the encounter distance (a query looks at
    // 3×3 cells at most) and time buckets of the pairing tolerance.
    this.#encounterIndex = new SpaceTimeIndex<number>(
      Math.max(0.002, (options.rules.encounter.maxDistanceM * 2) / 111_000),
      Math.max(MIN, options.rules.encounter.maxTimeDiffMin * MIN),
    );
  }

  /**
   * Rebuild after a restart: positions go through every rule so the engine knows what was already seen, but
   * nothing is raised (the alarms themselves are restored from their own store).
   */
  restore(positions: Iterable<VesselPosition>): void {
    this.#silent = true;
    try {
      for (const position of positions) this.ingest(position);
    } finally {
      this.#silent = false;
    }
  }

  /**
   * After `restore`: tells the engine about an alarm that exists already (from the alarm store), so the clock
   * rules do not raise again what was raised before the restart (signal-loss steps, boundary escalations).
   */
  noteExistingAlarm(type: string, mmsi: number, details: Record<string, unknown>): void {
    const vessel = this.#vessels.get(mmsi);
    const newest = vessel?.track[vessel.track.length - 1];
    if (!vessel || !newest) return;
    if (type === 'signal_loss' && details.lastTs === newest.ts && typeof details.step === 'number') {
      vessel.signalLoss = {
        sinceTs: newest.ts,
        level: Math.max(details.step, vessel.signalLoss?.level ?? 0),
      };
    }
    const last = vessel.lastBoundary;
    if (type === 'boundary_crossing' && details.escalated === true && last && details.crossingTs === last.ts)
      last.escalated = true;
  }

  /** `arrivedAt`: when it reached the cloud (the clock `tick` gets); without it signal loss has no arrival grace. */
  ingest(position: VesselPosition, arrivedAt?: number): void {
    const vessel = this.#vessel(position.mmsi);
    if (arrivedAt !== undefined && !(arrivedAt <= (vessel.lastArrival ?? -Infinity)))
      vessel.lastArrival = arrivedAt;
    const track = vessel.track;
    const newest = track[track.length - 1];
    if (newest && position.ts < newest.ts - this.#windowMs) {
      this.stats.tooLate++;
      return;
    }
    const index =
      newest === undefined || position.ts > newest.ts ? track.length : insertionIndex(track, position.ts);
    if (index === 0 && track.length >= this.#maxPoints) {
      // Older than everything kept: it would be trimmed at once (and would cut the runs it precedes).
      this.stats.tooLate++;
      return;
    }
    if (index < track.length && track[index]!.ts === position.ts) {
      this.stats.duplicates++;
      return;
    }
    if (index > 0 && track[index - 1]!.ts === position.ts) {
      this.stats.duplicates++;
      return;
    }
    this.stats.positions++;
    const point = this.#point(vessel, position);
    if (index === track.length) {
      if (vessel.signalLoss && point.ts > vessel.signalLoss.sinceTs) this.#signalBack(vessel, point.ts);
      track.push(point);
      this.#updateRuns(track, index);
      this.#evaluateSegment(vessel, track[index - 1], point);
      this.#evaluateRuns(vessel, index);
      if (point.encounterCandidate) this.#evaluateEncounter(vessel, point);
    } else {
      this.stats.outOfOrder++;
      track.splice(index, 0, point);
      for (let i = index; i < track.length; i++) this.#updateRuns(track, i);
      this.#evaluateSegment(vessel, track[index - 1], point);
      this.#evaluateSegment(vessel, point, track[index + 1]);
      for (let i = index; i < track.length; i++) this.#evaluateRuns(vessel, i);
      if (point.encounterCandidate) this.#evaluateEncounter(vessel, point);
    }
    this.#trim(vessel);
  }

  /** Signal loss and boundary escalation, against the clock the caller passes (ms since epoch). */
  tick(now: number): void {
    const steps = this.#rules.signalLoss.steps;
    const graceMs = this.#rules.signalLoss.arrivalGraceS * 1000;
    const escalateAfterMs = this.#rules.boundary.escalateAfterH * H;
    for (const vessel of this.#vessels.values()) {
      const newest = vessel.track[vessel.track.length - 1];
      if (!newest) continue;
      const stillArriving = vessel.lastArrival !== undefined && now - vessel.lastArrival < graceMs;
      if (newest.portDistanceM > this.#inPortM && !stillArriving) {
        const silenceMs = now - newest.ts;
        let level = 0;
        while (level < steps.length && silenceMs >= steps[level]!.afterH * H) level++;
        const previous = vessel.signalLoss;
        if (level > 0 && (previous?.sinceTs !== newest.ts || level > previous.level)) {
          vessel.signalLoss = { sinceTs: newest.ts, level };
          const step = steps[level - 1]!;
          this.#emit(vessel, 'signal_loss', step.severity, newest.ts + step.afterH * H, {
            lastTs: newest.ts,
            silentForH: step.afterH,
            step: level,
            lon: newest.lon,
            lat: newest.lat,
          });
        }
      }
      const exit = vessel.lastBoundary;
      if (exit && exit.direction === 'EXI' && !exit.escalated && now - exit.ts >= escalateAfterMs) {
        exit.escalated = true;
        this.#emit(
          vessel,
          'boundary_crossing',
          this.#rules.boundary.escalatedSeverity,
          exit.ts + escalateAfterMs,
          {
            escalated: true,
            direction: 'EXI',
            zoneId: exit.zoneId,
            crossingTs: exit.ts,
            lon: exit.lon,
            lat: exit.lat,
            notBackAfterH: this.#rules.boundary.escalateAfterH,
          },
        );
      }
    }
  }

  /** Latest state of every vessel seen (the newest position's time, not the arrival time). */
  states(now: number): VesselState[] {
    const out: VesselState[] = [];
    for (const vessel of this.#vessels.values()) {
      const state = this.state(vessel.mmsi, now);
      if (state) out.push(state);
    }
    return out;
  }

  state(mmsi: number, now: number): VesselState | undefined {
    const vessel = this.#vessels.get(mmsi);
    const newest = vessel?.track[vessel.track.length - 1];
    if (!vessel || !newest) return undefined;
    const registration = vessel.registration;
    const firstStepMs = (this.#rules.signalLoss.steps[0]?.afterH ?? Infinity) * H;
    const status: VesselStatus =
      newest.portDistanceM <= this.#inPortM
        ? 'in_port'
        : now - newest.ts >= firstStepMs
          ? 'silent'
          : 'at_sea';
    const state: VesselState = {
      mmsi: vessel.mmsi,
      registered: registration !== undefined,
      ts: newest.ts,
      lat: newest.lat,
      lon: newest.lon,
      zones: newest.areas.map((i) => this.#zones.zone(i).id),
      status,
    };
    if (registration) {
      state.registration = registration.registration;
      state.name = registration.name;
      state.lengthM = registration.lengthM;
      if (registration.homePort !== undefined) state.homePort = registration.homePort;
    }
    if (!Number.isNaN(newest.sog)) state.sog = newest.sog;
    if (!Number.isNaN(newest.cog)) state.cog = newest.cog;
    if (newest.nearestPortId !== undefined) {
      state.nearestPort = { id: newest.nearestPortId, distanceKm: Math.round(newest.portDistanceM) / 1000 };
    }
    return state;
  }

  /** The registry changed for this MMSI (created, edited, retired): later positions use the new facts. */
  refreshRegistration(mmsi: number): void {
    const vessel = this.#vessels.get(mmsi);
    if (!vessel) return;
    const wasRegistered = vessel.registration !== undefined;
    vessel.registration = this.#registry.get(mmsi);
    vessel.lengthClass = vessel.registration
      ? lengthClassOf(vessel.registration.lengthM, this.#rules.zoneByLength)
      : undefined;
    if (wasRegistered !== (vessel.registration !== undefined))
      this.stats.unregistered += wasRegistered ? 1 : -1;
  }

  get vesselCount(): number {
    return this.#vessels.size;
  }

  #vessel(mmsi: number): Vessel {
    let vessel = this.#vessels.get(mmsi);
    if (vessel) return vessel;
    const registration = this.#registry.get(mmsi);
    vessel = {
      mmsi,
      originator: `vessel:${mmsi}`,
      registration,
      lengthClass: registration ? lengthClassOf(registration.lengthM, this.#rules.zoneByLength) : undefined,
      track: [],
      seen: new Map(),
      lastBoundary: undefined,
      signalLoss: undefined,
      lastArrival: undefined,
      trims: 0,
    };
    this.#vessels.set(mmsi, vessel);
    this.stats.vessels++;
    if (!registration) this.stats.unregistered++;
    return vessel;
  }

  #point(vessel: Vessel, p: VesselPosition): TrackPoint {
    const zones = this.#zones;
    const rules = this.#rules;
    const areas = zones.areasAt(p.lon, p.lat);
    const port = zones.ports.length > 0 ? zones.nearestPort(p.lon, p.lat) : undefined;
    const portDistanceM = port ? port.distanceM : Infinity;
    const sog = p.sog ?? NaN;
    let closedZone = -1;
    let wrongClassZone = -1;
    let wrongLicenceZone = -1;
    const fishing = !(sog > rules.zoneByLength.transitSpeedKn);
    const licenceClass = this.#registryRules ? vessel.registration?.licenceZoneClass : undefined;
    if (areas.length > 0) {
      let inOwnClass = false;
      let otherClass = -1;
      for (const index of areas) {
        const kind = zones.zone(index).kind;
        if (kind === 'closed') {
          if (closedZone < 0) closedZone = index;
        } else if (CLASS_KINDS.has(kind)) {
          if (kind === vessel.lengthClass) inOwnClass = true;
          else if (otherClass < 0) otherClass = index;
          if (licenceClass !== undefined && kind !== licenceClass && fishing && wrongLicenceZone < 0)
            wrongLicenceZone = index;
        }
      }
      if (vessel.lengthClass && fishing && !inOwnClass && otherClass >= 0) wrongClassZone = otherClass;
    }
    const facts = this.#registryRules ? vessel.registration : undefined;
    const atSea = portDistanceM > this.#inPortM;
    return {
      ts: p.ts,
      lon: p.lon,
      lat: p.lat,
      sog,
      cog: p.cog ?? NaN,
      areas,
      portDistanceM,
      nearestPortId: port?.port.id,
      closedZone,
      wrongClassZone,
      unlicensed: facts !== undefined && atSea && !licensedOn(facts, p.ts),
      noVms:
        facts !== undefined &&
        atSea &&
        facts.vmsDeviceId === undefined &&
        facts.lengthM >= this.#registryRules!.vmsRequiredFromLengthM,
      wrongLicenceZone,
      loitering:
        sog < rules.loitering.maxSpeedKn && portDistanceM >= rules.loitering.minPortDistanceKm * 1000,
      encounterCandidate:
        sog < rules.encounter.maxSpeedKn && portDistanceM >= rules.encounter.minPortDistanceKm * 1000,
      closedSince: NaN,
      wrongClassSince: NaN,
      loiteringSince: NaN,
      unlicensedSince: NaN,
      noVmsSince: NaN,
      wrongLicenceSince: NaN,
    };
  }

  /** Run starts of point i from its predecessor: a run continues while the flag holds and no gap exceeds maxGap. */
  #updateRuns(track: TrackPoint[], i: number): void {
    const point = track[i]!;
    const previous = track[i - 1];
    const continues = previous !== undefined && point.ts - previous.ts <= this.#maxGapMs;
    point.closedSince =
      point.closedZone < 0
        ? NaN
        : continues && previous.closedZone === point.closedZone
          ? previous.closedSince
          : point.ts;
    point.wrongClassSince =
      point.wrongClassZone < 0
        ? NaN
        : continues && previous.wrongClassZone >= 0
          ? previous.wrongClassSince
          : point.ts;
    point.loiteringSince = !point.loitering
      ? NaN
      : continues && previous.loitering
        ? previous.loiteringSince
        : point.ts;
    point.unlicensedSince = !point.unlicensed
      ? NaN
      : continues && previous.unlicensed
        ? previous.unlicensedSince
        : point.ts;
    point.noVmsSince = !point.noVms ? NaN : continues && previous.noVms ? previous.noVmsSince : point.ts;
    point.wrongLicenceSince =
      point.wrongLicenceZone < 0
        ? NaN
        : continues && previous.wrongLicenceZone >= 0
          ? previous.wrongLicenceSince
          : point.ts;
  }

  #evaluateRuns(vessel: Vessel, i: number): void {
    const point = vessel.track[i]!;
    const rules = this.#rules;
    if (point.closedZone >= 0) {
      const zone = this.#zones.zone(point.closedZone);
      this.#runRule(
        vessel,
        'closed_area',
        zone.id,
        point.closedSince,
        point.ts,
        0,
        rules.closedArea.severity,
        () => {
          const entry = this.#entryOf(vessel, point.closedSince, zone as AreaZone);
          return { zoneId: zone.id, zoneName: zone.name, entryTs: entry.ts, lon: entry.lon, lat: entry.lat };
        },
      );
    }
    if (point.wrongClassZone >= 0) {
      const zone = this.#zones.zone(point.wrongClassZone);
      const minMs = rules.zoneByLength.minDurationMin * MIN;
      this.#runRule(
        vessel,
        'zone_by_length',
        '',
        point.wrongClassSince,
        point.ts,
        minMs,
        rules.zoneByLength.severity,
        () => ({
          zoneId: zone.id,
          zoneKind: zone.kind,
          allowedKind: vessel.lengthClass,
          lengthM: vessel.registration?.lengthM,
          sinceTs: point.wrongClassSince,
          lon: point.lon,
          lat: point.lat,
        }),
      );
    }
    this.#evaluateRegistryRuns(vessel, point);
    if (point.loitering) {
      const minMs = rules.loitering.minDurationH * H;
      this.#runRule(
        vessel,
        'loitering',
        '',
        point.loiteringSince,
        point.ts,
        minMs,
        rules.loitering.severity,
        () => ({
          sinceTs: point.loiteringSince,
          hours: Math.round(((point.ts - point.loiteringSince) / H) * 10) / 10,
          lon: point.lon,
          lat: point.lat,
        }),
      );
    }
  }

  /** The registry's rules on a run of positions at sea: one alarm per run (zone: after zoneByLength.minDurationMin). */
  #evaluateRegistryRuns(vessel: Vessel, point: TrackPoint): void {
    const facts = vessel.registration;
    const severity = this.#rules.licence.severity;
    if (!facts) return;
    const where = { lon: point.lon, lat: point.lat };
    if (point.unlicensed)
      this.#runRule(vessel, 'licence_invalid', '', point.unlicensedSince, point.ts, 0, severity, () => ({
        licenceNumber: facts.licenceNumber ?? null,
        licenceValidFrom: facts.licenceValidFrom ?? null,
        licenceValidTo: facts.licenceValidTo ?? null,
        sinceTs: point.unlicensedSince,
        ...where,
      }));
    if (point.noVms)
      this.#runRule(
        vessel,
        'vms_missing',
        '',
        point.noVmsSince,
        point.ts,
        0,
        this.#rules.licence.vmsSeverity,
        () => ({
          lengthM: facts.lengthM,
          requiredFromLengthM: this.#registryRules!.vmsRequiredFromLengthM,
          sinceTs: point.noVmsSince,
          ...where,
        }),
      );
    if (point.wrongLicenceZone >= 0) {
      const zone = this.#zones.zone(point.wrongLicenceZone);
      const minMs = this.#rules.zoneByLength.minDurationMin * MIN;
      this.#runRule(vessel, 'licence_zone', '', point.wrongLicenceSince, point.ts, minMs, severity, () => ({
        zoneId: zone.id,
        zoneKind: zone.kind,
        licenceZoneClass: facts.licenceZoneClass,
        licenceNumber: facts.licenceNumber,
        sinceTs: point.wrongLicenceSince,
        ...where,
      }));
    }
  }

  /**
   * A run-based rule: raise once the run [start, end] lasts `minMs`, unless a span already raised for this rule
   * and subject overlaps it (then that span grows instead).
   */
  #runRule(
    vessel: Vessel,
    type: VesselAlarmType,
    subject: string,
    start: number,
    end: number,
    minMs: number,
    severity: SeverityName,
    details: () => Record<string, unknown>,
  ): void {
    const spans = this.#spans(vessel, `${type}|${subject}`);
    const known = spans.find((s) => start <= s.end && end >= s.start);
    if (known) {
      known.start = Math.min(known.start, start);
      known.end = Math.max(known.end, end);
      return;
    }
    if (end - start < minMs) return;
    spans.push({ start, end });
    this.#emit(vessel, type, severity, start + minMs, details());
  }

  /** Where the vessel entered the area for the run starting at `since`: interpolated from the point before. */
  #entryOf(vessel: Vessel, since: number, zone: AreaZone): { ts: number; lon: number; lat: number } {
    const track = vessel.track;
    const i = insertionIndex(track, since);
    const first = track[i];
    const before = track[i - 1];
    if (first && before) {
      const crossing = this.#zones.areaCrossing(zone, [before.lon, before.lat], [first.lon, first.lat]);
      if (crossing)
        return {
          ts: Math.round(before.ts + crossing.t * (first.ts - before.ts)),
          lon: crossing.lon,
          lat: crossing.lat,
        };
    }
    return first ? { ts: first.ts, lon: first.lon, lat: first.lat } : { ts: since, lon: NaN, lat: NaN };
  }

  #evaluateSegment(vessel: Vessel, a: TrackPoint | undefined, b: TrackPoint | undefined): void {
    if (!a || !b) return;
    const zones = this.#zones;
    if (zones.lines.length > 0) {
      for (const crossing of zones.lineCrossings([a.lon, a.lat], [b.lon, b.lat])) {
        if (!crossing.direction) continue;
        const ts = Math.round(a.ts + crossing.t * (b.ts - a.ts));
        this.#boundaryEvent(vessel, a, b, {
          mmsi: vessel.mmsi,
          direction: crossing.direction,
          zoneId: crossing.zone.id,
          zoneKind: 'boundary',
          ts,
          lon: crossing.lon,
          lat: crossing.lat,
        });
      }
    }
    if (a.areas !== b.areas && (a.areas.length > 0 || b.areas.length > 0)) {
      for (const index of a.areas)
        if (!b.areas.includes(index)) this.#allowedAreaEvent(vessel, a, b, index, 'EXI');
      for (const index of b.areas)
        if (!a.areas.includes(index)) this.#allowedAreaEvent(vessel, a, b, index, 'ENT');
    }
  }

  #allowedAreaEvent(
    vessel: Vessel,
    a: TrackPoint,
    b: TrackPoint,
    index: number,
    direction: 'ENT' | 'EXI',
  ): void {
    const zone = this.#zones.zone(index);
    if (zone.kind !== 'allowed') return;
    const crossing = this.#zones.areaCrossing(zone, [a.lon, a.lat], [b.lon, b.lat]);
    const t = crossing?.t ?? 1;
    this.#boundaryEvent(vessel, a, b, {
      mmsi: vessel.mmsi,
      direction,
      zoneId: zone.id,
      zoneKind: 'allowed',
      ts: Math.round(a.ts + t * (b.ts - a.ts)),
      lon: crossing?.lon ?? b.lon,
      lat: crossing?.lat ?? b.lat,
    });
  }

  /** One ENT/EXI event per crossing: a segment overlapping a known crossing's segment is the same crossing. */
  #boundaryEvent(vessel: Vessel, a: TrackPoint, b: TrackPoint, event: BoundaryEvent): void {
    const spans = this.#spans(vessel, `crossing|${event.zoneId}|${event.direction}`);
    if (spans.some((s) => a.ts < s.end && b.ts > s.start)) return;
    spans.push({ start: a.ts, end: b.ts });
    if (!this.#silent) this.#onBoundaryEvent(event);
    const last = vessel.lastBoundary;
    if (!last || event.ts > last.ts) {
      vessel.lastBoundary = {
        direction: event.direction,
        ts: event.ts,
        zoneId: event.zoneId,
        lon: event.lon,
        lat: event.lat,
        escalated: false,
      };
    }
    if (event.direction === 'EXI') {
      this.#emit(vessel, 'boundary_crossing', this.#rules.boundary.severity, event.ts, {
        direction: 'EXI',
        zoneId: event.zoneId,
        zoneKind: event.zoneKind,
        crossingTs: event.ts,
        lon: event.lon,
        lat: event.lat,
      });
    }
  }

  /** Pairs this slow position with other vessels' slow positions near in space and time (late data too). */
  #evaluateEncounter(vessel: Vessel, point: TrackPoint): void {
    const rules = this.#rules.encounter;
    const index = this.#encounterIndex;
    for (const q of index.near(
      point.lon,
      point.lat,
      point.ts,
      rules.maxDistanceM,
      rules.maxTimeDiffMin * MIN,
    )) {
      if (q.id === vessel.mmsi) continue;
      this.#pairObservation(
        vessel,
        this.#vessels.get(q.id)!,
        Math.min(point.ts, q.ts),
        Math.max(point.ts, q.ts),
        point,
      );
    }
    index.add({ id: vessel.mmsi, ts: point.ts, lon: point.lon, lat: point.lat });
    if (point.ts - this.#windowMs > this.#encounterHorizon + H) {
      this.#encounterHorizon = point.ts - this.#windowMs;
      index.dropBefore(this.#encounterHorizon);
    }
  }

  #pairObservation(a: Vessel, b: Vessel, start: number, end: number, where: TrackPoint): void {
    const key = a.mmsi < b.mmsi ? `${a.mmsi}-${b.mmsi}` : `${b.mmsi}-${a.mmsi}`;
    let episodes = this.#pairs.get(key);
    if (!episodes) this.#pairs.set(key, (episodes = []));
    const gap = this.#maxGapMs;
    const touching = episodes.filter((e) => start <= e.end + gap && end >= e.start - gap);
    const merged: PairEpisode = { start, end, raised: false };
    for (const e of touching) {
      merged.start = Math.min(merged.start, e.start);
      merged.end = Math.max(merged.end, e.end);
      merged.raised ||= e.raised;
    }
    const rest = episodes.filter((e) => !touching.includes(e));
    rest.push(merged);
    const horizon = merged.end - this.#windowMs;
    this.#pairs.set(
      key,
      rest.filter((e) => e.end >= horizon),
    );
    const minMs = this.#rules.encounter.minDurationH * H;
    if (merged.raised || merged.end - merged.start < minMs) return;
    merged.raised = true;
    for (const [self, other] of [
      [a, b],
      [b, a],
    ] as const) {
      this.#emit(self, 'encounter', this.#rules.encounter.severity, merged.start + minMs, {
        otherMmsi: other.mmsi,
        otherRegistration: other.registration?.registration,
        sinceTs: merged.start,
        lon: where.lon,
        lat: where.lat,
      });
    }
  }

  #spans(vessel: Vessel, key: string): Interval[] {
    let spans = vessel.seen.get(key);
    if (!spans) vessel.seen.set(key, (spans = []));
    return spans;
  }

  #trim(vessel: Vessel): void {
    const track = vessel.track;
    const newestTs = track[track.length - 1]!.ts;
    let drop = Math.max(0, track.length - this.#maxPoints);
    while (drop < track.length - 1 && track[drop]!.ts < newestTs - this.#windowMs) drop++;
    if (drop === 0) return;
    track.splice(0, drop);
    if (vessel.seen.size > 0 && ++vessel.trims % 32 === 0) this.#pruneSeen(vessel, newestTs - this.#windowMs);
  }

  #pruneSeen(vessel: Vessel, horizon: number): void {
    for (const [key, spans] of vessel.seen) {
      const kept = spans.filter((s) => s.end >= horizon);
      if (kept.length === 0) vessel.seen.delete(key);
      else if (kept.length !== spans.length) vessel.seen.set(key, kept);
    }
  }

  /**
   * A position newer than the one the signal-loss alarm was raised on: the vessel is heard again. The alarm's
   * condition is over; `lateData` says the gap in position time was shorter than the first step, i.e. the
   * positions were only delivered late (store-and-forward), and the vessel was never silent.
   */
  #signalBack(vessel: Vessel, ts: number): void {
    const lastTs = vessel.signalLoss!.sinceTs;
    vessel.signalLoss = undefined;
    if (this.#silent) return;
    const gapMs = ts - lastTs;
    const firstStepMs = (this.#rules.signalLoss.steps[0]?.afterH ?? Infinity) * H;
    this.#resolve({
      originator: vessel.originator,
      type: 'signal_loss',
      ts,
      details: {
        restoredTs: ts,
        lastTs,
        gapH: Math.round((gapMs / H) * 100) / 100,
        lateData: gapMs < firstStepMs,
      },
    });
  }

  #emit(
    vessel: Vessel,
    type: VesselAlarmType,
    severity: SeverityName,
    ts: number,
    details: Record<string, unknown>,
  ): void {
    if (this.#silent) return;
    const registration = vessel.registration;
    this.#raise({
      originator: vessel.originator,
      type,
      severity,
      ts: Math.round(ts),
      details: {
        mmsi: vessel.mmsi,
        registered: registration !== undefined,
        ...(registration ? { registration: registration.registration, name: registration.name } : {}),
        ...details,
      },
    });
  }
}

/** First index whose time is >= ts (binary search). */
function insertionIndex(track: readonly TrackPoint[], ts: number): number {
  let lo = 0;
  let hi = track.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (track[mid]!.ts < ts) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
