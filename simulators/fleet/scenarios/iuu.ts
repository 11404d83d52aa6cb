import type { VesselPosition } from '../../../protocols/mqtt/payloads.js';
import type { VesselRegistration } from '../../../protocols/api/vessels.js';
import { Voyage, seededRandom, type Point } from './voyage.js';

/**
 * The IUU acceptance scenario off Cà Mau: a compliant fleet (each length class fishing in its own zone, a
 * foreign merchant ship passing through) and one case of each violation. Deterministic for a seed. Geometry
 * matches the demo zones shipped in cloud/fisheries/zones/ (the 1997 Thailand–Vietnam line, the offshore test
 * zone, Hòn Khoai closed area, the inshore and coastal demo bands off Sông Đốc).
 */

export type ScenarioAlarmType =
  'boundary_crossing' | 'closed_area' | 'zone_by_length' | 'signal_loss' | 'encounter' | 'loitering';

export interface ExpectedAlarm {
  mmsi: number;
  type: ScenarioAlarmType;
  /** Simulated time at which the violation is established (e.g. the crossing, 2 h into the encounter). */
  dueTs: number;
  /** Bound: the alarm must exist by dueTs + withinMs of simulated time. */
  withinMs: number;
}

export interface IuuScenario {
  startTs: number;
  endTs: number;
  /** The registry the cloud should be configured with (the merchant ship is not in it). */
  registry: VesselRegistration[];
  compliant: number[];
  expected: ExpectedAlarm[];
  /** Every position of every vessel, sorted by time. */
  positions: VesselPosition[];
}

export interface IuuScenarioOptions {
  seed?: number;
  startTs?: number;
  durationH?: number;
  reportEveryS?: number;
  /** Compliant vessels per length class (offshore, inshore, coastal). */
  compliantPerClass?: number;
}

const H = 3_600_000;
const MIN = 60_000;

/** Centre line of the demo bands off Sông Đốc at a latitude (they lean east going north). */
const inshoreLon = (lat: number) => 104.7325 + ((lat - 8.95) / 0.3) * 0.0125;
const coastalLon = (lat: number) => 104.78 + ((lat - 8.95) / 0.3) * 0.0125;

export function iuuScenario(options: IuuScenarioOptions = {}): IuuScenario {
  const seed = options.seed ?? 7;
  const startTs = options.startTs ?? Date.UTC(2026, 2, 1, 0, 0, 0);
  const endTs = startTs + (options.durationH ?? 20) * H;
  const everyMs = (options.reportEveryS ?? 180) * 1000;
  const perClass = options.compliantPerClass ?? 4;
  const random = seededRandom(seed);
  const registry: VesselRegistration[] = [];
  const voyages: Voyage[] = [];
  const compliant: number[] = [];
  const expected: ExpectedAlarm[] = [];
  let serial = 0;

  const vessel = (lengthM: number, name: string, start: Point, registered = true): Voyage => {
    serial++;
    const mmsi = 574_300_000 + serial;
    if (registered) {
      registry.push({
        mmsi,
        registration: `CM-${String(90_000 + serial).padStart(5, '0')}-TS`,
        name,
        lengthM,
        homePort: 'port-song-doc',
        owner: { name: `Owner ${serial}`, phone: `+84 290 000 ${String(serial).padStart(4, '0')}` },
      });
    }
    const voyage = new Voyage(mmsi, start, startTs);
    voyages.push(voyage);
    return voyage;
  };

  // Compliant fleet: each class fishes (3-4.5 kn) in its own zone for the whole scenario.
  for (let i = 0; i < perClass; i++) {
    const centre: Point = [103.8 + 0.15 * i + random() * 0.05, 8.0 + 0.25 * i + random() * 0.1];
    const box: Point[] = [
      [centre[0] + 0.05, centre[1]],
      [centre[0] + 0.05, centre[1] + 0.05],
      [centre[0], centre[1] + 0.05],
      centre,
    ];
    compliant.push(
      vessel(16 + i * 2, `Offshore ${i + 1}`, centre).patrol(box, 3.5 + random(), endTs + H).mmsi,
    );
  }
  for (let i = 0; i < perClass; i++) {
    const offset = (i - (perClass - 1) / 2) * 0.006;
    const south = 9.0 + random() * 0.02;
    const north = 9.2 - random() * 0.02;
    const start: Point = [inshoreLon(south) + offset, south];
    compliant.push(
      vessel(12 + i * 0.7, `Inshore ${i + 1}`, start).patrol(
        [[inshoreLon(north) + offset, north], start],
        3 + random(),
        endTs + H,
      ).mmsi,
    );
  }
  for (let i = 0; i < perClass; i++) {
    const offset = (i - (perClass - 1) / 2) * 0.003;
    const south = 8.98 + random() * 0.02;
    const north = 9.22 - random() * 0.02;
    const start: Point = [coastalLon(south) + offset, south];
    compliant.push(
      vessel(7 + i, `Coastal ${i + 1}`, start).patrol(
        [[coastalLon(north) + offset, north], start],
        3 + random(),
        endTs + H,
      ).mmsi,
    );
  }
  // A foreign merchant ship passing through at 12 kn: unregistered, tracked, no alarm.
  compliant.push(
    vessel(180, 'Merchant', [104.4, 7.9], false)
      .to([105.6, 8.6], 12)
      .to([106.5, 9.2], 12)
      .to([107.5, 9.8], 12)
      .to([109, 10.6], 12).mmsi,
  );

  // 1. Boundary crossing: west across the 1997 Thailand-Vietnam treaty line, then fishing in Thai waters.
  const crosser = vessel(20, 'Crosser', [103.2, 8.05]).to([102.6, 8.1], 7);
  crosser.patrol(
    [
      [102.55, 8.15],
      [102.5, 8.1],
      [102.6, 8.1],
    ],
    3.5,
    endTs + H,
  );
  // The line at 8.07 N lies at about 102.811 E: crossing time by interpolation along the first leg.
  const crossFraction = (103.2 - 102.811) / (103.2 - 102.6);
  const firstLegMs = legMs([103.2, 8.05], [102.6, 8.1], 7);
  expected.push({
    mmsi: crosser.mmsi,
    type: 'boundary_crossing',
    dueTs: startTs + crossFraction * firstLegMs,
    withinMs: 20 * MIN,
  });

  // 2. Closed area: into the Hòn Khoai circle for an hour, then back to sea.
  const intruder = vessel(18, 'Intruder', [104.6, 8.2]).to([104.75, 8.33], 5);
  const entryTs =
    intruder.now +
    legMs([104.75, 8.33], [104.82, 8.42], 3) *
      fractionUntilWithin([104.75, 8.33], [104.82, 8.42], [104.83, 8.43], 5000);
  intruder
    .to([104.82, 8.42], 3)
    .to([104.86, 8.44], 3)
    .to([104.95, 8.3], 5)
    .patrol(
      [
        [104.9, 8.25],
        [104.95, 8.3],
      ],
      4,
      endTs + H,
    );
  expected.push({ mmsi: intruder.mmsi, type: 'closed_area', dueTs: entryTs, withinMs: 30 * MIN });

  // 3. Zone by length: a 10 m boat fishing in the offshore zone (coastal only for its length).
  const small = vessel(10, 'Small Offshore', [104.3, 8.7]).patrol(
    [
      [104.35, 8.7],
      [104.35, 8.75],
      [104.3, 8.75],
      [104.3, 8.7],
    ],
    3,
    endTs + H,
  );
  expected.push({ mmsi: small.mmsi, type: 'zone_by_length', dueTs: startTs + 30 * MIN, withinMs: 15 * MIN });

  // 4. Signal loss: the transponder goes off at sea after 3 h.
  const silentTs = startTs + 3 * H;
  const silent = vessel(22, 'Dark', [104.0, 8.6])
    .patrol(
      [
        [104.05, 8.6],
        [104.05, 8.65],
        [104.0, 8.65],
        [104.0, 8.6],
      ],
      4,
      endTs + H,
    )
    .silentFrom(silentTs);
  expected.push({ mmsi: silent.mmsi, type: 'signal_loss', dueTs: silentTs + 6 * H, withinMs: 15 * MIN });

  // 5. Encounter: two vessels meet at sea, drift side by side at 1 kn for 3 h, then part.
  const meetTs = startTs + 2 * H;
  const meet: Point = [103.9, 8.3];
  const a = vessel(24, 'Carrier A', [meet[0] - speedDeg(6, 2), meet[1]])
    .to(meet, 6)
    .drift(90, 1, 3);
  a.to([103.7, 8.1], 6).patrol(
    [
      [103.65, 8.1],
      [103.7, 8.1],
    ],
    4,
    endTs + H,
  );
  const bStart: Point = [meet[0] + speedDeg(6, 2), meet[1] + 0.002];
  const b = vessel(19, 'Fisher B', bStart)
    .to([meet[0], meet[1] + 0.002], 6)
    .drift(90, 1, 3);
  b.to([104.2, 8.5], 6).patrol(
    [
      [104.25, 8.5],
      [104.2, 8.5],
    ],
    4,
    endTs + H,
  );
  for (const v of [a, b])
    expected.push({ mmsi: v.mmsi, type: 'encounter', dueTs: meetTs + 2 * H, withinMs: 30 * MIN });

  // 6. Loitering: drifting at 1 kn far offshore for 8 h.
  const loiterer = vessel(26, 'Loiterer', [103.7, 8.9]).drift(200, 1, 8);
  loiterer.to([103.9, 9.0], 4).patrol(
    [
      [103.95, 9.0],
      [103.9, 9.0],
    ],
    4,
    endTs + H,
  );
  expected.push({ mmsi: loiterer.mmsi, type: 'loitering', dueTs: startTs + 6 * H, withinMs: 15 * MIN });

  const positions = voyages
    .flatMap((v) => v.positions(startTs, endTs, everyMs, random))
    .sort((x, y) => x.ts - y.ts || x.mmsi - y.mmsi);
  return { startTs, endTs, registry, compliant, expected, positions };
}

function legMs(from: Point, to: Point, kn: number): number {
  const x = (to[0] - from[0]) * Math.cos((((from[1] + to[1]) / 2) * Math.PI) / 180);
  const y = to[1] - from[1];
  return ((Math.sqrt(x * x + y * y) * 111_195) / (kn * 1852)) * H;
}

/** Fraction of the leg from→to after which the vessel is first within `radiusM` of `centre`. */
function fractionUntilWithin(from: Point, to: Point, centre: Point, radiusM: number): number {
  for (let f = 0; f <= 1; f += 0.001) {
    const p: Point = [from[0] + (to[0] - from[0]) * f, from[1] + (to[1] - from[1]) * f];
    if ((legMs(p, centre, 1) / H) * 1852 <= radiusM) return f;
  }
  return 1;
}

/** Degrees of longitude covered at `kn` in `hours` near 8.3 N. */
function speedDeg(kn: number, hours: number): number {
  return (kn * 1852 * hours) / (111_195 * Math.cos((8.3 * Math.PI) / 180));
}

/**
 * The same positions delivered late and out of order (store-and-forward after an outage, duplicates): a
 * deterministic shuffle of all of them.
 */
export function lateReplay(positions: readonly VesselPosition[], seed = 99): VesselPosition[] {
  const random = seededRandom(seed);
  const copy = [...positions];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
