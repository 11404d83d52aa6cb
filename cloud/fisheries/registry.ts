import type { VesselRegistration } from '../../protocols/api/vessels.js';

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

export class RegistryError extends Error {
  constructor(readonly problems: string[]) {
    super(`vessel registry: ${problems.join('; ')}`);
    this.name = 'RegistryError';
  }
}

/** The provincial vessel registry from the config; MMSIs and registration numbers are unique. */
export class VesselRegistry {
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
