import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import type { VesselPosition } from '../../protocols/mqtt/payloads.js';
import type { VesselRegistration } from '../../protocols/api/vessels.js';
import { FisheriesConfig } from './config.js';
import {
  RuleEngine,
  type BoundaryEvent,
  type VesselAlarmRequest,
  type VesselAlarmResolution,
} from './engine.js';
import { VesselRegistry, type VesselFacts } from './registry.js';
import { ZoneSet, loadZones } from './zones.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const H = 3_600_000;
const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 10, 0, 0, 0);

let zones: ZoneSet;
const config = Value.Default(FisheriesConfig, {}) as FisheriesConfig;

beforeAll(async () => {
  zones = new ZoneSet(await loadZones(config.zoneFiles, repoRoot), config.gridCellDeg);
});

const vessels: VesselRegistration[] = [
  { mmsi: 574000001, registration: 'CM-90001-TS', name: 'Big One', lengthM: 20, homePort: 'port-song-doc' },
  { mmsi: 574000002, registration: 'CM-90002-TS', name: 'Mid Two', lengthM: 13 },
  { mmsi: 574000003, registration: 'CM-90003-TS', name: 'Small Three', lengthM: 9 },
  { mmsi: 574000004, registration: 'CM-90004-TS', name: 'Big Four', lengthM: 24 },
];

function setup() {
  const requests: VesselAlarmRequest[] = [];
  const events: BoundaryEvent[] = [];
  const resolutions: VesselAlarmResolution[] = [];
  const engine = new RuleEngine({
    zones,
    registry: new VesselRegistry(vessels),
    rules: config.rules,
    history: config.history,
    raise: (r) => requests.push(r),
    resolve: (r) => resolutions.push(r),
    onBoundaryEvent: (e) => events.push(e),
  });
  return { engine, requests, events, resolutions };
}

const pos = (mmsi: number, ts: number, lon: number, lat: number, sog = 5, cog = 0): VesselPosition => ({
  mmsi,
  ts,
  lon,
  lat,
  sog,
  cog,
  msgType: 1,
});

/** Positions every `stepMin` minutes along a straight line. */
function leg(
  mmsi: number,
  start: number,
  from: [number, number],
  to: [number, number],
  minutes: number,
  stepMin: number,
  sog: number,
): VesselPosition[] {
  const out: VesselPosition[] = [];
  for (let m = 0; m <= minutes; m += stepMin) {
    const f = m / minutes;
    out.push(
      pos(mmsi, start + m * MIN, from[0] + (to[0] - from[0]) * f, from[1] + (to[1] - from[1]) * f, sog),
    );
  }
  return out;
}

const types = (requests: VesselAlarmRequest[]) =>
  requests.map((r) => `${r.originator} ${r.type} ${r.severity}`);

describe('boundary crossing', () => {
  const westward = () => leg(574000001, T0, [103.3, 8.0], [102.7, 8.0], 240, 20, 9);

  it('an EXI across the treaty line raises once, with the crossing point and its interpolated time', () => {
    const { engine, requests, events } = setup();
    for (const p of westward()) engine.ingest(p);
    expect(types(requests)).toEqual(['vessel:574000001 boundary_crossing MAJOR']);
    const details = requests[0]!.details;
    expect(details).toMatchObject({
      direction: 'EXI',
      zoneId: 'eez_boundaries.155',
      registration: 'CM-90001-TS',
    });
    expect(details.lat as number).toBeCloseTo(8.0, 6);
    expect(details.lon as number).toBeCloseTo(102.87089, 4);
    // 0.6 degrees in 240 min: the line at 103.3 - 0.4291 => 171.6 min after start
    expect(Math.abs((requests[0]!.ts - T0) / MIN - 171.6)).toBeLessThan(0.2);
    expect(events.map((e) => e.direction)).toEqual(['EXI']);
  });

  it('replays and out-of-order copies raise nothing new; a shuffled first delivery raises exactly once', () => {
    const { engine, requests, events } = setup();
    const track = westward();
    for (const p of track) engine.ingest(p);
    for (const p of [...track].reverse()) engine.ingest(p);
    expect(requests).toHaveLength(1);
    expect(events).toHaveLength(1);
    expect(engine.stats.duplicates).toBe(track.length);

    const other = setup();
    const shuffled = [track[5]!, track[12]!, track[0]!, track[9]!, track[8]!, ...track];
    for (const p of shuffled) other.engine.ingest(p);
    expect(types(other.requests)).toEqual(['vessel:574000001 boundary_crossing MAJOR']);
    expect(other.events).toHaveLength(1);
  });

  it('a late position inside a known crossing segment refines it without a second event', () => {
    const { engine, requests, events } = setup();
    engine.ingest(pos(574000001, T0, 103.3, 8.0));
    engine.ingest(pos(574000001, T0 + 2 * H, 102.7, 8.0));
    engine.ingest(pos(574000001, T0 + H, 102.95, 8.0)); // already across
    expect(requests).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  it('a late position revealing an out-and-back trip raises it', () => {
    const { engine, requests, events } = setup();
    engine.ingest(pos(574000001, T0, 103.2, 8.0));
    engine.ingest(pos(574000001, T0 + 4 * H, 103.1, 8.0));
    expect(requests).toHaveLength(0);
    engine.ingest(pos(574000001, T0 + 2 * H, 102.6, 8.0)); // store-and-forward: it was in Thai waters
    expect(events.map((e) => e.direction)).toEqual(['EXI', 'ENT']);
    expect(types(requests)).toEqual(['vessel:574000001 boundary_crossing MAJOR']);
  });

  it('escalates once if the vessel is not back after 12 h, not if it came back', () => {
    const gone = setup();
    for (const p of westward()) gone.engine.ingest(p);
    const crossingTs = gone.requests[0]!.ts;
    const crossings = () => gone.requests.filter((r) => r.type === 'boundary_crossing');
    gone.engine.tick(crossingTs + 11 * H);
    expect(crossings()).toHaveLength(1);
    gone.engine.tick(crossingTs + 12 * H);
    gone.engine.tick(crossingTs + 13 * H);
    expect(types(crossings())).toEqual([
      'vessel:574000001 boundary_crossing MAJOR',
      'vessel:574000001 boundary_crossing CRITICAL',
    ]);
    expect(crossings()[1]!.details).toMatchObject({ escalated: true, crossingTs });

    const back = setup();
    for (const p of westward()) back.engine.ingest(p);
    for (const p of leg(574000001, T0 + 5 * H, [102.7, 8.0], [103.3, 8.0], 240, 20, 9)) back.engine.ingest(p);
    back.engine.tick(T0 + 30 * H);
    expect(back.events.map((e) => e.direction)).toEqual(['EXI', 'ENT']);
    expect(back.requests.filter((r) => r.severity === 'CRITICAL')).toHaveLength(0);
  });
});

describe('closed area', () => {
  it('entering Hon Khoai raises once with the entry point on the circle; a second entry raises again', () => {
    const { engine, requests } = setup();
    const inbound = leg(574000004, T0, [104.83, 8.3], [104.83, 8.43], 120, 10, 4);
    for (const p of inbound) engine.ingest(p);
    for (const p of leg(574000004, T0 + 130 * MIN, [104.83, 8.43], [104.84, 8.44], 60, 10, 1))
      engine.ingest(p);
    expect(types(requests)).toEqual(['vessel:574000004 closed_area CRITICAL']);
    const d = requests[0]!.details;
    expect(d.zoneId).toBe('hon-khoai-closed-area');
    expect(d.lat as number).toBeCloseTo(8.38508, 3); // southern vertex of the 32-gon
    for (const p of inbound) engine.ingest(p);
    expect(requests).toHaveLength(1);
    // leave for open sea, come back
    for (const p of leg(574000004, T0 + 200 * MIN, [104.84, 8.44], [104.95, 8.3], 120, 10, 6))
      engine.ingest(p);
    for (const p of leg(574000004, T0 + 330 * MIN, [104.95, 8.3], [104.83, 8.42], 120, 10, 6))
      engine.ingest(p);
    expect(requests.map((r) => r.type)).toEqual(['closed_area', 'closed_area']);
  });
});

describe('zone by length class', () => {
  const inOffshore: [number, number] = [104.3, 8.9];
  it('a 9 m vessel fishing slowly in the offshore zone raises once after 30 min; in transit it does not', () => {
    const { engine, requests } = setup();
    for (const p of leg(574000003, T0, inOffshore, [104.32, 8.9], 25, 5, 3)) engine.ingest(p);
    expect(requests).toHaveLength(0);
    for (const p of leg(574000003, T0 + 30 * MIN, [104.32, 8.9], [104.34, 8.9], 60, 5, 3)) engine.ingest(p);
    expect(types(requests)).toEqual(['vessel:574000003 zone_by_length MINOR']);
    expect(requests[0]!.details).toMatchObject({
      zoneId: 'ca-mau-offshore-test-zone',
      allowedKind: 'coastal',
      lengthM: 9,
    });
    expect(requests[0]!.ts).toBe(T0 + 30 * MIN);

    const transit = setup();
    for (const p of leg(574000003, T0, inOffshore, [104.6, 8.9], 120, 5, 9)) transit.engine.ingest(p);
    expect(transit.requests).toHaveLength(0);
  });

  it('each class is fine in its own zone and flagged in another', () => {
    const { engine, requests } = setup();
    // 20 m offshore, 13 m inshore, 9 m coastal: compliant
    for (const p of leg(574000001, T0, [104.2, 8.8], [104.3, 8.8], 120, 5, 3)) engine.ingest(p);
    for (const p of leg(574000002, T0, [104.73, 9.0], [104.74, 9.2], 120, 5, 3)) engine.ingest(p);
    for (const p of leg(574000003, T0, [104.78, 9.0], [104.79, 9.2], 120, 5, 3)) engine.ingest(p);
    expect(requests).toHaveLength(0);
    // 20 m in the coastal band
    for (const p of leg(574000004, T0, [104.78, 9.0], [104.79, 9.2], 120, 5, 3)) engine.ingest(p);
    expect(types(requests)).toEqual(['vessel:574000004 zone_by_length MINOR']);
  });
});

describe('signal loss', () => {
  it('alarms at 6 h, escalates at 24 h, once per silence, on the clock passed in', () => {
    const { engine, requests } = setup();
    for (const p of leg(574000001, T0, [104.2, 8.8], [104.3, 8.8], 60, 10, 5)) engine.ingest(p);
    const last = T0 + H;
    engine.tick(last + 5.9 * H);
    expect(requests).toHaveLength(0);
    expect(engine.state(574000001, last + 5.9 * H)!.status).toBe('at_sea');
    engine.tick(last + 6 * H);
    engine.tick(last + 7 * H);
    expect(types(requests)).toEqual(['vessel:574000001 signal_loss MAJOR']);
    expect(requests[0]!.ts).toBe(last + 6 * H);
    expect(engine.state(574000001, last + 7 * H)!.status).toBe('silent');
    // old data arriving does not restart the silence
    engine.ingest(pos(574000001, T0 + 30 * MIN + 1, 104.25, 8.8));
    engine.tick(last + 8 * H);
    engine.tick(last + 24 * H);
    engine.tick(last + 30 * H);
    expect(types(requests)).toEqual([
      'vessel:574000001 signal_loss MAJOR',
      'vessel:574000001 signal_loss CRITICAL',
    ]);
    // a new position ends it; a new silence raises again
    engine.ingest(pos(574000001, last + 31 * H, 104.3, 8.8));
    engine.tick(last + 37 * H);
    expect(requests.map((r) => r.type)).toEqual(['signal_loss', 'signal_loss', 'signal_loss']);
  });

  it('resolves the alarm when the vessel is heard again, saying whether it was only late data', () => {
    const { engine, requests, resolutions } = setup();
    for (const p of leg(574000001, T0, [104.2, 8.8], [104.3, 8.8], 60, 10, 5)) engine.ingest(p);
    const last = T0 + H;
    engine.tick(last + 7 * H);
    expect(types(requests)).toEqual(['vessel:574000001 signal_loss MAJOR']);
    expect(resolutions).toHaveLength(0);
    // The edge's backlog arrives: the vessel reported every 20 min all along, it was only delivered late.
    for (const p of leg(574000001, last + 20 * MIN, [104.3, 8.8], [104.4, 8.8], 6 * 60, 20, 5))
      engine.ingest(p);
    expect(resolutions).toHaveLength(1);
    expect(resolutions[0]).toMatchObject({
      originator: 'vessel:574000001',
      type: 'signal_loss',
      ts: last + 20 * MIN,
      details: { lastTs: last, lateData: true },
    });
    // A real silence, heard again after 9 h: resolved too, and not late data.
    engine.tick(last + 20 * H);
    const heardAt = last + 6 * H + 20 * MIN + 9 * H;
    engine.ingest(pos(574000001, heardAt, 104.4, 8.8));
    expect(types(requests)).toEqual([
      'vessel:574000001 signal_loss MAJOR',
      'vessel:574000001 signal_loss MAJOR',
    ]);
    expect(resolutions[1]).toMatchObject({ ts: heardAt, details: { lateData: false, gapH: 9 } });
  });

  it('is not raised while a backlog of the vessel is still arriving (hours old positions, arriving now), only once arrivals stop', () => {
    const { engine, requests } = setup();
    const wallStart = T0 + 20 * H; // an edge back from a long outage sends what it stored since T0
    const backlog = leg(574000001, T0, [104.2, 8.8], [104.5, 8.8], 10 * 60, 10, 5);
    const graceMs = config.rules.signalLoss.arrivalGraceS * 1000;
    backlog.forEach((p, i) => {
      const arrivedAt = wallStart + i * 1000; // one position a second
      engine.ingest(p, arrivedAt);
      if (i % 5 === 0) engine.tick(arrivedAt); // the rules' clock keeps ticking meanwhile
    });
    expect(requests).toHaveLength(0);
    const lastArrival = wallStart + (backlog.length - 1) * 1000;
    engine.tick(lastArrival + graceMs - 1);
    expect(requests).toHaveLength(0);
    // Nothing more arrives: the vessel's newest position is 10 h old, and now nothing is coming.
    engine.tick(lastArrival + graceMs);
    expect(types(requests)).toEqual(['vessel:574000001 signal_loss MAJOR']);
    expect(requests[0]!.ts).toBe(backlog.at(-1)!.ts + 6 * H);
  });

  it('is not raised while the vessel is in port', () => {
    const { engine, requests } = setup();
    engine.ingest(pos(574000001, T0, 104.82, 9.04, 0));
    engine.tick(T0 + 100 * H);
    expect(requests).toHaveLength(0);
    expect(engine.state(574000001, T0 + 100 * H)!.status).toBe('in_port');
  });
});

describe('encounter and loitering', () => {
  const meet = (mmsi: number, dLat: number, minutes: number) =>
    leg(mmsi, T0, [104.0, 8.2 + dLat], [104.005, 8.2 + dLat], minutes, 5, 1);

  it('two vessels within 500 m at < 2 kn for 2 h far from port: one encounter alarm each, once', () => {
    const { engine, requests } = setup();
    const a = meet(574000001, 0, 150);
    const b = meet(574000004, 0.003, 150); // ~330 m apart
    for (let i = 0; i < a.length; i++) {
      engine.ingest(a[i]!);
      engine.ingest(b[i]!);
    }
    expect(types(requests).sort()).toEqual([
      'vessel:574000001 encounter MAJOR',
      'vessel:574000004 encounter MAJOR',
    ]);
    expect(requests.find((r) => r.originator === 'vessel:574000001')!.details.otherMmsi).toBe(574000004);
    expect(requests[0]!.ts).toBe(T0 + 2 * H);
    for (const p of [...b].reverse()) engine.ingest(p);
    expect(requests).toHaveLength(2);
  });

  it('not for 1.5 h, not 1 km apart, not near a port', () => {
    const short = setup();
    const a = meet(574000001, 0, 90);
    const b = meet(574000004, 0.003, 90);
    a.forEach((p, i) => (short.engine.ingest(p), short.engine.ingest(b[i]!)));
    expect(short.requests).toHaveLength(0);

    const far = setup();
    const c = meet(574000001, 0, 150);
    const d = meet(574000004, 0.009, 150);
    c.forEach((p, i) => (far.engine.ingest(p), far.engine.ingest(d[i]!)));
    expect(far.requests).toHaveLength(0);

    const port = setup();
    // off Ca Mau city port, outside every zone, about 5 km from the port point
    const e = leg(574000001, T0, [105.2, 9.15], [105.201, 9.15], 150, 5, 1);
    const f = leg(574000004, T0, [105.2, 9.152], [105.201, 9.152], 150, 5, 1);
    e.forEach((p, i) => (port.engine.ingest(p), port.engine.ingest(f[i]!)));
    expect(port.requests).toHaveLength(0);
  });

  it('loitering: < 2 kn for 6 h far offshore raises once; near port it does not', () => {
    const { engine, requests } = setup();
    const drift = leg(574000001, T0, [104.0, 8.2], [104.02, 8.2], 7 * 60, 10, 1.5);
    for (const p of drift) engine.ingest(p);
    expect(types(requests)).toEqual(['vessel:574000001 loitering WARNING']);
    expect(requests[0]!.ts).toBe(T0 + 6 * H);
    for (const p of drift) engine.ingest(p);
    expect(requests).toHaveLength(1);

    const near = setup();
    for (const p of leg(574000001, T0, [105.2, 9.1], [105.21, 9.1], 7 * 60, 10, 1.5)) near.engine.ingest(p);
    expect(near.requests).toHaveLength(0);
  });
});

describe('vessel state', () => {
  it('tracks unregistered vessels, flags them, and gives zones and nearest port', () => {
    const { engine } = setup();
    engine.ingest(pos(999000111, T0, 104.83, 8.43, 3));
    engine.ingest(pos(574000001, T0, 104.3, 8.8, 3));
    const unknown = engine.state(999000111, T0)!;
    expect(unknown).toMatchObject({
      registered: false,
      zones: ['ca-mau-offshore-test-zone', 'hon-khoai-closed-area'],
      status: 'at_sea',
    });
    expect(unknown.registration).toBeUndefined();
    expect(engine.state(574000001, T0)).toMatchObject({
      registered: true,
      registration: 'CM-90001-TS',
      lengthM: 20,
      sog: 3,
    });
    expect(engine.stats).toMatchObject({ vessels: 2, unregistered: 1 });
    expect(engine.states(T0)).toHaveLength(2);
  });

  it('after restore, alarms that exist already keep the clock rules from raising them again', () => {
    const first = setup();
    const track = leg(574000001, T0, [103.3, 8.0], [102.7, 8.0], 240, 20, 9);
    for (const p of track) first.engine.ingest(p);
    first.engine.tick(T0 + 30 * H);
    const raised = first.requests.filter((r) => r.type === 'signal_loss' || r.details.escalated === true);
    // one tick 26 h into the silence goes straight to the highest step reached: one raise, CRITICAL
    expect(types(raised).sort()).toEqual([
      'vessel:574000001 boundary_crossing CRITICAL',
      'vessel:574000001 signal_loss CRITICAL',
    ]);

    const restarted = setup();
    restarted.engine.restore(track);
    for (const r of first.requests) restarted.engine.noteExistingAlarm(r.type, 574000001, r.details);
    restarted.engine.tick(T0 + 31 * H);
    expect(restarted.requests).toEqual([]);
    // without that knowledge the same tick would raise them again
    const naive = setup();
    naive.engine.restore(track);
    naive.engine.tick(T0 + 31 * H);
    expect(naive.requests.length).toBeGreaterThan(0);
  });

  it('ignores positions older than the kept window, and restore() raises nothing', () => {
    const { engine, requests } = setup();
    engine.ingest(pos(574000001, T0 + 100 * H, 104.3, 8.8));
    engine.ingest(pos(574000001, T0, 104.3, 8.8));
    expect(engine.stats.tooLate).toBe(1);
    engine.restore([pos(574000004, T0, 104.83, 8.3), pos(574000004, T0 + H, 104.83, 8.43)]);
    expect(requests).toHaveLength(0);
    engine.ingest(pos(574000004, T0 + 2 * H, 104.831, 8.431, 1));
    expect(requests).toHaveLength(0);
  });
});

describe('registry rules (licence, VMS)', () => {
  // T0 is 10 January 2026: licences valid to the 9th have expired, to the 10th are still valid.
  const facts: Record<number, VesselFacts> = {
    574000001: {
      registration: 'CM-90001-TS',
      name: 'Licensed',
      lengthM: 20,
      vmsDeviceId: 'VMS-1',
      licenceNumber: 'L1',
      licenceZoneClass: 'offshore',
      licenceValidTo: '2026-01-10',
    },
    574000002: {
      registration: 'CM-90002-TS',
      name: 'Expired',
      lengthM: 20,
      vmsDeviceId: 'VMS-2',
      licenceNumber: 'L2',
      licenceZoneClass: 'offshore',
      licenceValidTo: '2026-01-09',
    },
    574000003: {
      registration: 'CM-90003-TS',
      name: 'No beacon',
      lengthM: 16,
      licenceNumber: 'L3',
      licenceZoneClass: 'offshore',
      licenceValidTo: '2027-01-01',
    },
    574000004: {
      registration: 'CM-90004-TS',
      name: 'Coastal licence',
      lengthM: 11,
      licenceNumber: 'L4',
      licenceZoneClass: 'inshore',
      licenceValidTo: '2027-01-01',
    },
  };
  function registrySetup(registryRules: { vmsRequiredFromLengthM: number } | undefined) {
    const requests: VesselAlarmRequest[] = [];
    const engine = new RuleEngine({
      zones,
      registry: { get: (mmsi) => facts[mmsi] },
      registryRules,
      rules: config.rules,
      history: config.history,
      raise: (r) => requests.push(r),
    });
    return { engine, requests };
  }
  const offshore = (mmsi: number) => leg(mmsi, T0, [104.2, 8.8], [104.3, 8.8], 120, 5, 3);

  it('raises once per trip: no valid licence at sea, ≥ 15 m without VMS, fishing outside the licence’s class', () => {
    const { engine, requests } = registrySetup({ vmsRequiredFromLengthM: 15 });
    for (const mmsi of [574000001, 574000002, 574000003, 574000004])
      for (const p of offshore(mmsi)) engine.ingest(p);
    const raised = types(requests).filter((t) => !t.includes('zone_by_length'));
    expect(raised).toEqual([
      'vessel:574000002 licence_invalid MAJOR',
      'vessel:574000003 vms_missing MAJOR',
      'vessel:574000004 licence_zone MAJOR',
    ]);
    expect(requests.find((r) => r.type === 'licence_invalid')!.details).toMatchObject({
      licenceValidTo: '2026-01-09',
      sinceTs: T0,
    });
    expect(requests.find((r) => r.type === 'licence_zone')!.ts).toBe(T0 + 30 * MIN);
  });

  it('is off when the vessel list has no licences (the config list)', () => {
    const { engine, requests } = registrySetup(undefined);
    for (const mmsi of [574000002, 574000003]) for (const p of offshore(mmsi)) engine.ingest(p);
    expect(requests).toEqual([]);
  });

  it('uses the registry as it is now: a renewed licence stops the next trip’s alarm', () => {
    const { engine, requests } = registrySetup({ vmsRequiredFromLengthM: 15 });
    for (const p of offshore(574000002)) engine.ingest(p);
    facts[574000002] = { ...facts[574000002]!, licenceValidTo: '2027-01-09' };
    engine.refreshRegistration(574000002);
    for (const p of leg(574000002, T0 + 6 * H, [104.3, 8.8], [104.2, 8.8], 120, 5, 3)) engine.ingest(p);
    expect(types(requests)).toEqual(['vessel:574000002 licence_invalid MAJOR']);
  });
});
