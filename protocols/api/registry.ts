import { Type, type Static } from '@sinclair/typebox';

/** A calendar day, `YYYY-MM-DD` (Vietnam, UTC+7). */
export const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a day, YYYY-MM-DD' });

export const ZoneClass = Type.Union(
  [Type.Literal('offshore'), Type.Literal('inshore'), Type.Literal('coastal')],
  { description: 'offshore (vùng khơi), inshore (vùng lộng), coastal (vùng ven bờ)' },
);
export type ZoneClass = Static<typeof ZoneClass>;

const Phone = Type.String({
  pattern: '^\\+?[0-9][0-9 .-]{5,19}$',
  description: 'digits, spaces, dots, dashes',
});
const Text = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });

/**
 * What an officer enters for one vessel: the same flat fields in the API, in CSV and XLSX columns (the column
 * headers are these names), so an export can be edited and imported back.
 */
export const VesselFields = Type.Object(
  {
    registration: Type.String({
      pattern: '^[A-Z]{2,3}-\\d{3,6}-[A-Z]{2}$',
      description: 'provincial registration number, e.g. CM-90123-TS (the key: never changes)',
    }),
    name: Text('vessel name'),
    mmsi: Type.Optional(
      Type.Integer({ minimum: 100_000_000, maximum: 999_999_999, description: '9 digits' }),
    ),
    vmsDeviceId: Type.Optional(Text('VMS beacon id; required from vms.requiredFromLengthM (15 m)')),
    lengthM: Type.Number({ exclusiveMinimum: 0, maximum: 200, description: 'overall length, metres' }),
    grossTonnage: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000 })),
    gear: Type.Optional(Text('fishing gear, e.g. trawl, gillnet, purse seine, longline')),
    licenceNumber: Type.Optional(Text('fishing licence number')),
    licenceZoneClass: Type.Optional(ZoneClass),
    licenceValidFrom: Type.Optional(Day),
    licenceValidTo: Type.Optional(Day),
    ownerName: Type.Optional(Text('owner')),
    ownerPhone: Type.Optional(Phone),
    captainName: Type.Optional(Text('captain')),
    captainPhone: Type.Optional(Phone),
    homePort: Type.Optional(Text('id of a port zone (e.g. port-song-doc) or a name')),
    communeCode: Type.Optional(Text('administrative unit code of the commune (ward, special zone)')),
    provinceCode: Type.Optional(Text('province code; default the commune’s province')),
  },
  { additionalProperties: false },
);
export type VesselFields = Static<typeof VesselFields>;

export const VESSEL_COLUMNS = Object.keys(VesselFields.properties) as Array<keyof VesselFields>;

export const RegisteredVessel = Type.Composite(
  [
    VesselFields,
    Type.Object({
      demo: Type.Boolean({ description: 'generated demo data, not a real vessel' }),
      createdAt: Type.Integer({ description: 'ms since epoch' }),
      updatedAt: Type.Integer(),
      retiredAt: Type.Optional(
        Type.Integer({ description: 'retired (decommissioned, sold out of the province)' }),
      ),
      retiredReason: Type.Optional(Type.String()),
    }),
  ],
  { additionalProperties: false },
);
export type RegisteredVessel = Static<typeof RegisteredVessel>;

const By = Type.Optional(
  Type.String({ minLength: 1, description: 'who makes the change (ignored when logged in: the login is)' }),
);

export const VesselCreateBody = Type.Composite([VesselFields, Type.Object({ by: By })], {
  additionalProperties: false,
});
export type VesselCreateBody = Static<typeof VesselCreateBody>;

/** Fields to change; `null` removes an optional field. The registration number cannot change. */
export const VesselPatchBody = Type.Object(
  {
    changes: Type.Record(Type.String(), Type.Unknown(), {
      description: 'field → new value (null removes it); same names as the vessel',
    }),
    by: By,
  },
  { additionalProperties: false },
);
export type VesselPatchBody = Static<typeof VesselPatchBody>;

export const VesselRetireBody = Type.Object(
  { reason: Type.String({ minLength: 1 }), by: By },
  { additionalProperties: false },
);
export type VesselRetireBody = Static<typeof VesselRetireBody>;

export const RegistrationParams = Type.Object({ registration: Type.String({ minLength: 1 }) });

export const RegistryQuery = Type.Object(
  {
    mmsi: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 999_999_999, description: 'the vessel with this MMSI' }),
    ),
    commune: Type.Optional(Type.String({ description: 'commune code' })),
    province: Type.Optional(Type.String({ description: 'province code' })),
    homePort: Type.Optional(Type.String()),
    gear: Type.Optional(Type.String()),
    minLengthM: Type.Optional(Type.Number({ minimum: 0 })),
    maxLengthM: Type.Optional(Type.Number({ minimum: 0 })),
    retired: Type.Optional(
      Type.Boolean({ description: 'true: retired only; false (default): in service only' }),
    ),
  },
  { additionalProperties: false },
);
export type RegistryQuery = Static<typeof RegistryQuery>;

export const VesselRegistryList = Type.Object(
  { vessels: Type.Array(RegisteredVessel) },
  { $id: 'VesselRegistryList', additionalProperties: false },
);

export const AuditEntry = Type.Object(
  {
    id: Type.Integer(),
    at: Type.Integer({ description: 'ms since epoch' }),
    actor: Type.String(),
    action: Type.Union(['create', 'update', 'retire', 'import', 'seed'].map((a) => Type.Literal(a))),
    registration: Type.String(),
    before: Type.Union([RegisteredVessel, Type.Null()]),
    after: Type.Union([RegisteredVessel, Type.Null()]),
  },
  { $id: 'AuditEntry', additionalProperties: false },
);
export type AuditEntry = Static<typeof AuditEntry>;
export const AuditList = Type.Object({ entries: Type.Array(AuditEntry) }, { additionalProperties: false });

/** One problem of an import: the spreadsheet row (1 = the header row, 2 = the first vessel), the column, what. */
export const ImportProblem = Type.Object(
  { row: Type.Integer(), column: Type.String(), message: Type.String() },
  { additionalProperties: false },
);
export type ImportProblem = Static<typeof ImportProblem>;

export const ImportResult = Type.Object(
  {
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
  },
  { additionalProperties: false },
);
export type ImportResult = Static<typeof ImportResult>;

export const ImportRefusal = Type.Object(
  {
    error: Type.String(),
    problems: Type.Array(ImportProblem),
  },
  { additionalProperties: false },
);

export const ImportQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
    by: By,
  },
  { additionalProperties: false },
);

export const ExportQuery = Type.Object(
  {
    format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')]),
    retired: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const AdminUnitKind = Type.Union([
  Type.Literal('province'),
  Type.Literal('district'),
  Type.Literal('commune'),
]);
export type AdminUnitKind = Static<typeof AdminUnitKind>;

export const AdminUnit = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 20 }),
    kind: AdminUnitKind,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    parentCode: Type.Optional(
      Type.String({ description: 'province of a commune; district of a legacy commune' }),
    ),
    validFrom: Day,
    validTo: Type.Optional(Day),
    replacedBy: Type.Optional(Type.String({ description: 'the unit that took this one over (merger)' })),
    demo: Type.Optional(Type.Boolean()),
  },
  { $id: 'AdminUnit', additionalProperties: false },
);
export type AdminUnit = Static<typeof AdminUnit>;

export const AdminUnitList = Type.Object({ units: Type.Array(AdminUnit) }, { additionalProperties: false });

export const AdminUnitQuery = Type.Object(
  {
    kind: Type.Optional(AdminUnitKind),
    at: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        description: 'only units valid on this day (YYYY-MM-DD)',
      }),
    ),
  },
  { additionalProperties: false },
);
