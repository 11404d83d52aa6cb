import { Type, type Static } from '@sinclair/typebox';

export const RegistryConfig = Type.Object(
  {
    /**
     * A PostgreSQL server (`postgres://user:password@host:5432/lookout`); absent: embedded PostgreSQL (PGlite)
     * with its data in `<dataDir>/registry`.
     */
    database: Type.Optional(
      Type.Object({ url: Type.String({ pattern: '^postgres(ql)?://' }) }, { additionalProperties: false }),
    ),
    /** Vietnam's VMS rules (Decree 26/2019, 37/2024): durations in config, not in code. */
    vms: Type.Object(
      {
        /** Vessels at least this long must carry a VMS beacon. */
        requiredFromLengthM: Type.Number({ minimum: 0, default: 15 }),
        /** Without connection for longer than this the vessel must report its position to the shore, every this often. */
        reportEveryH: Type.Number({ exclusiveMinimum: 0, default: 6 }),
        /** Without connection for this long the vessel must return to port. */
        returnToPortAfterD: Type.Number({ exclusiveMinimum: 0, default: 10 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type RegistryConfig = Static<typeof RegistryConfig>;
