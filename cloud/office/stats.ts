import type { FleetCounts, FleetGroup, FleetStats, GroupBy } from '../../protocols/api/office.js';
import { GROUP_BYS } from '../../protocols/api/office.js';
import type { RegisteredVessel } from '../../protocols/api/registry.js';
import { lengthClassOf, type LengthClassLimits } from '../fisheries/registry.js';
import type { RegistryConfig } from '../registry/config.js';
import { vietnamDay } from '../registry/days.js';

const H = 3_600_000;

/** Where a vessel was last heard, as the fisheries rules see it. */
export interface LastPosition {
  ts: number;
  inPort: boolean;
}

export interface FleetInputs {
  vessels: readonly RegisteredVessel[];
  positions: ReadonlyMap<number, LastPosition>;
  /** MMSIs with an active alarm. */
  violating: ReadonlySet<number>;
  /** Registrations with an open signal-loss case. */
  openCases: ReadonlySet<string>;
  now: number;
  vms: RegistryConfig['vms'];
  lengthLimits: LengthClassLimits;
  /** Name of an administrative unit by code. */
  unitName: (code: string) => string | undefined;
}

export function emptyCounts(): FleetCounts {
  return {
    registered: 0,
    atSea: 0,
    inPort: 0,
    noPosition: 0,
    silentOver6h: 0,
    silentOver10d: 0,
    inViolation: 0,
    licenceExpired: 0,
    withoutLicence: 0,
    withoutVms: 0,
    openCases: 0,
  };
}

/** Which counts one vessel adds to (each 0 or 1). */
export function vesselCounts(vessel: RegisteredVessel, inputs: FleetInputs): FleetCounts {
  const counts = emptyCounts();
  const { vms, now } = inputs;
  const today = vietnamDay(now);
  counts.registered = 1;
  const last = vessel.mmsi === undefined ? undefined : inputs.positions.get(vessel.mmsi);
  if (!last) counts.noPosition = 1;
  else if (last.inPort) counts.inPort = 1;
  else {
    const silentMs = now - last.ts;
    if (silentMs >= vms.returnToPortAfterD * 24 * H) counts.silentOver10d = 1;
    if (silentMs >= vms.reportEveryH * H) counts.silentOver6h = 1;
    else counts.atSea = 1;
  }
  if (vessel.mmsi !== undefined && inputs.violating.has(vessel.mmsi)) counts.inViolation = 1;
  if (vessel.licenceNumber === undefined) counts.withoutLicence = 1;
  else if (vessel.licenceValidTo !== undefined && vessel.licenceValidTo < today) counts.licenceExpired = 1;
  if (vessel.lengthM >= vms.requiredFromLengthM && vessel.vmsDeviceId === undefined) counts.withoutVms = 1;
  if (inputs.openCases.has(vessel.registration)) counts.openCases = 1;
  return counts;
}

export function addCounts(into: FleetCounts, counts: FleetCounts): void {
  for (const key of Object.keys(into) as Array<keyof FleetCounts>) into[key] += counts[key];
}

function groupKey(vessel: RegisteredVessel, by: GroupBy, limits: LengthClassLimits): string {
  switch (by) {
    case 'province':
      return vessel.provinceCode ?? 'unknown';
    case 'commune':
      return vessel.communeCode ?? 'unknown';
    case 'homePort':
      return vessel.homePort ?? 'unknown';
    case 'lengthClass':
      return lengthClassOf(vessel.lengthM, limits);
    case 'gear':
      return vessel.gear ?? 'unknown';
  }
}

/** The registered fleet counted as a whole and by province, commune, home port, length class and gear. */
export function fleetStatistics(inputs: FleetInputs): FleetStats {
  const totals = emptyCounts();
  const groups = Object.fromEntries(GROUP_BYS.map((by) => [by, new Map<string, FleetCounts>()])) as Record<
    GroupBy,
    Map<string, FleetCounts>
  >;
  for (const vessel of inputs.vessels) {
    const counts = vesselCounts(vessel, inputs);
    addCounts(totals, counts);
    for (const by of GROUP_BYS) {
      const key = groupKey(vessel, by, inputs.lengthLimits);
      let group = groups[by].get(key);
      if (!group) groups[by].set(key, (group = emptyCounts()));
      addCounts(group, counts);
    }
  }
  const list = (by: GroupBy): FleetGroup[] =>
    [...groups[by]]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, counts]) => {
        const name = by === 'province' || by === 'commune' ? inputs.unitName(key) : undefined;
        return name === undefined ? { key, counts } : { key, name, counts };
      });
  return {
    at: inputs.now,
    day: vietnamDay(inputs.now),
    totals,
    groups: {
      province: list('province'),
      commune: list('commune'),
      homePort: list('homePort'),
      lengthClass: list('lengthClass'),
      gear: list('gear'),
    },
  };
}
