import type { VesselRegistration } from '../../protocols/api/vessels.js';
import { vietnamDay } from '../registry/days.js';

export type LengthClass = 'offshore' | 'inshore' | 'coastal';

export interface LengthClassLimits {
  offshoreMinLengthM: number;
  inshoreMinLengthM: number;
}

/** The zone kind a vessel of this length may fish in: >= 15 m offshore, 12-15 m inshore, < 12 m coastal (defaults). */
export function lengthClassOf(lengthM: number, limits: LengthClassLimits): LengthClass {
  if (lengthM >= limits.offshoreMinLengthM) return 'offshore';
  if (lengthM >= limits.inshoreMinLengthM) return 'inshore';
  return 'coastal';
}

/** What the rules need to know of a registered vessel (the registry's vessels and the config list both fit). */
export interface VesselFacts {
  registration: string;
  name: string;
  lengthM: number;
  homePort?: string;
  vmsDeviceId?: string;
  licenceNumber?: string;
  licenceZoneClass?: LengthClass;
  /** `YYYY-MM-DD`, Vietnam days. */
  licenceValidFrom?: string;
  licenceValidTo?: string;
}

/** Is the vessel's licence valid on the Vietnam day of `ts`? No licence: not licensed. */
export function licensedOn(vessel: VesselFacts, ts: number): boolean {
  if (vessel.licenceNumber === undefined) return false;
  const day = vietnamDay(ts);
  return (
    (vessel.licenceValidFrom === undefined || vessel.licenceValidFrom <= day) &&
    (vessel.licenceValidTo === undefined || day <= vessel.licenceValidTo)
  );
}

/** Where the rules look a vessel up by MMSI (synchronously, on every position). */
export interface VesselLookup {
  get(mmsi: number): VesselFacts | undefined;
}

export class RegistryError extends Error {
  constructor(readonly problems: string[]) {
    super(`vessel registry: ${problems.join('; ')}`);
    this.name = 'RegistryError';
  }
}

/**
 * The vessel list of the config (`cloud.fisheries.vessels`), for the rules when no registry database is given;
 * the cloud seeds its registry database from it. MMSIs and registration numbers are unique.
 */
export class VesselRegistry implements VesselLookup {
  readonly #byMmsi = new Map<number, VesselRegistration>();

  constructor(vessels: readonly VesselRegistration[]) {
    const problems: string[] = [];
    const registrations = new Map<string, number>();
    vessels.forEach((vessel, i) => {
      if (this.#byMmsi.has(vessel.mmsi)) problems.push(`/vessels/${i}: MMSI ${vessel.mmsi} is listed twice`);
      const other = registrations.get(vessel.registration);
      if (other !== undefined)
        problems.push(`/vessels/${i}: registration ${vessel.registration} is also MMSI ${other}`);
      this.#byMmsi.set(vessel.mmsi, vessel);
      registrations.set(vessel.registration, vessel.mmsi);
    });
    if (problems.length > 0) throw new RegistryError(problems);
  }

  get(mmsi: number): VesselRegistration | undefined {
    return this.#byMmsi.get(mmsi);
  }

  get size(): number {
    return this.#byMmsi.size;
  }

  all(): IterableIterator<VesselRegistration> {
    return this.#byMmsi.values();
  }
}
