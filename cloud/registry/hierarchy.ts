import type { AdminUnit } from '../../protocols/api/registry.js';

/** Whether a unit existed on a day (`YYYY-MM-DD`, Vietnam). */
export function validOn(unit: AdminUnit, day: string): boolean {
  return unit.validFrom <= day && (unit.validTo === undefined || day <= unit.validTo);
}

/** Whether any district existed on the day: reports may then be grouped by district (before 1 July 2025). */
export function hasDistrictsOn(units: readonly AdminUnit[], day: string): boolean {
  return units.some((u) => u.kind === 'district' && validOn(u, day));
}

/**
 * The district a commune belonged to on a day, from the data: a commune valid that day under a district gives its
 * district; a commune made later (the 2025 reform) gives the district of the commune(s) it replaced (`replacedBy`),
 * the first by code when they lay in several. Undefined when the data does not say.
 */
export function districtOn(
  units: readonly AdminUnit[],
  communeCode: string,
  day: string,
): AdminUnit | undefined {
  const byCode = new Map(units.map((u) => [u.code, u]));
  const districtOf = (commune: AdminUnit | undefined) => {
    const parent = commune?.parentCode === undefined ? undefined : byCode.get(commune.parentCode);
    return parent?.kind === 'district' && validOn(parent, day) ? parent : undefined;
  };
  const commune = byCode.get(communeCode);
  if (commune && validOn(commune, day)) return districtOf(commune);
  const predecessors = units
    .filter((u) => u.kind === 'commune' && u.replacedBy === communeCode && validOn(u, day))
    .sort((a, b) => a.code.localeCompare(b.code));
  for (const predecessor of predecessors) {
    const district = districtOf(predecessor);
    if (district) return district;
  }
  return undefined;
}
