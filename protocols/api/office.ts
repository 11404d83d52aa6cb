import { Type, type Static } from '@sinclair/typebox';
import { Day } from './registry.js';

const Count = (description: string) => Type.Integer({ minimum: 0, description });

/** The fisheries office's counts for a group of registered vessels (or the whole fleet). */
export const FleetCounts = Type.Object(
  {
    registered: Count('vessels in service in the registry'),
    atSea: Count('last heard at sea less than vms.reportEveryH (6 h) ago'),
    inPort: Count('last position in a port area'),
    noPosition: Count('never heard since the cloud started keeping positions'),
    silentOver6h: Count('at sea, silent for at least vms.reportEveryH (6 h); includes silentOver10d'),
    silentOver10d: Count('at sea, silent for at least vms.returnToPortAfterD (10 days): must return to port'),
    inViolation: Count('with at least one active alarm'),
    licenceExpired: Count('licence valid-to day before today'),
    withoutLicence: Count('no licence number in the registry'),
    withoutVms: Count('at least vms.requiredFromLengthM (15 m) long, no VMS device id'),
    openCases: Count('with an open signal-loss case'),
  },
  { additionalProperties: false },
);
export type FleetCounts = Static<typeof FleetCounts>;
export const COUNT_NAMES = Object.keys(FleetCounts.properties) as Array<keyof FleetCounts>;

export const GroupBy = Type.Union(
  ['province', 'commune', 'homePort', 'lengthClass', 'gear'].map((g) => Type.Literal(g)),
  {
    description:
      'province, commune, homePort, lengthClass (coastal < 12 m ≤ inshore < 15 m ≤ offshore), gear',
  },
);
export type GroupBy = 'province' | 'commune' | 'homePort' | 'lengthClass' | 'gear';
export const GROUP_BYS: readonly GroupBy[] = ['province', 'commune', 'homePort', 'lengthClass', 'gear'];

export const FleetGroup = Type.Object(
  {
    key: Type.String({ description: 'code, port, class or gear; "unknown" when the registry has none' }),
    name: Type.Optional(Type.String({ description: 'the unit’s name (province, commune)' })),
    counts: FleetCounts,
  },
  { additionalProperties: false },
);
export type FleetGroup = Static<typeof FleetGroup>;

export const FleetStats = Type.Object(
  {
    at: Type.Integer({ description: 'ms since epoch' }),
    day: Day,
    totals: FleetCounts,
    groups: Type.Object(
      {
        province: Type.Array(FleetGroup),
        commune: Type.Array(FleetGroup),
        homePort: Type.Array(FleetGroup),
        lengthClass: Type.Array(FleetGroup),
        gear: Type.Array(FleetGroup),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'FleetStats', additionalProperties: false },
);
export type FleetStats = Static<typeof FleetStats>;

export const DailyQuery = Type.Object(
  {
    from: Day,
    to: Day,
    groupBy: Type.Optional(
      Type.Union([Type.Literal('total'), ...GroupBy.anyOf, Type.Literal('district')], {
        description:
          'default total (the whole fleet); district: the commune rows summed by the district each lay in that day (days before 1 July 2025)',
      }),
    ),
    key: Type.Optional(Type.String({ description: 'only this group (e.g. a commune code)' })),
  },
  { additionalProperties: false },
);
export type DailyQuery = Static<typeof DailyQuery>;

export const DailyRow = Type.Object(
  {
    day: Day,
    groupBy: Type.String(),
    key: Type.String(),
    name: Type.Optional(Type.String()),
    takenAt: Type.Integer({ description: 'when the day’s last snapshot was taken (ms)' }),
    counts: FleetCounts,
  },
  { additionalProperties: false },
);
export type DailyRow = Static<typeof DailyRow>;
export const DailyList = Type.Object({ rows: Type.Array(DailyRow) }, { additionalProperties: false });

export const PortEvent = Type.Object(
  {
    id: Type.Integer(),
    mmsi: Type.Integer(),
    registration: Type.Optional(Type.String()),
    kind: Type.Union([Type.Literal('departure'), Type.Literal('arrival')]),
    portId: Type.String(),
    ts: Type.Integer({
      description: 'time of the first position outside (departure) or inside (arrival) the port',
    }),
    lon: Type.Number(),
    lat: Type.Number(),
    /** Departure only: the vessel had no licence valid that day. */
    withoutLicence: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type PortEvent = Static<typeof PortEvent>;

export const Voyage = Type.Object(
  {
    id: Type.Integer(),
    mmsi: Type.Integer(),
    registration: Type.Optional(Type.String()),
    departurePort: Type.String(),
    departureTs: Type.Integer(),
    arrivalPort: Type.Optional(Type.String({ description: 'absent while at sea' })),
    arrivalTs: Type.Optional(Type.Integer()),
    durationH: Type.Optional(Type.Number()),
    distanceKm: Type.Number({ description: 'along the positions received (so far, while at sea)' }),
  },
  { additionalProperties: false },
);
export type Voyage = Static<typeof Voyage>;

export const PortEventQuery = Type.Object(
  {
    mmsi: Type.Optional(Type.Integer()),
    port: Type.Optional(Type.String({ description: 'port zone id' })),
    from: Type.Optional(Type.String({ description: 'ISO 8601 or ms' })),
    to: Type.Optional(Type.String({ description: 'ISO 8601 or ms' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
  },
  { additionalProperties: false },
);
export type PortEventQuery = Static<typeof PortEventQuery>;
export const PortEventList = Type.Object({ events: Type.Array(PortEvent) }, { additionalProperties: false });
export const VoyageList = Type.Object({ voyages: Type.Array(Voyage) }, { additionalProperties: false });

export const CaseState = Type.Union(
  [
    Type.Literal('open'),
    Type.Literal('awaiting_report'),
    Type.Literal('must_return'),
    Type.Literal('closed'),
  ],
  {
    description:
      'open: positions reported on time; awaiting_report: a 6-hourly report is due; must_return: silent 10 days, the vessel must return to port; closed: back in port or beacon heard again',
  },
);
export type CaseState = Static<typeof CaseState>;

export const CaseEvent = Type.Object(
  {
    at: Type.Integer({ description: 'when it was recorded (ms)' }),
    kind: Type.Union(
      ['opened', 'report', 'reminder', 'must_return', 'comment', 'closed'].map((k) => Type.Literal(k)),
    ),
    by: Type.Optional(Type.String()),
    text: Type.Optional(Type.String()),
    /** Reports: the vessel's position at `ts`. */
    ts: Type.Optional(Type.Integer()),
    lon: Type.Optional(Type.Number()),
    lat: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type CaseEvent = Static<typeof CaseEvent>;

export const SignalCase = Type.Object(
  {
    id: Type.Integer(),
    mmsi: Type.Integer(),
    registration: Type.String(),
    name: Type.String(),
    state: CaseState,
    lastPositionTs: Type.Integer({ description: 'the beacon’s last position before the loss' }),
    openedAt: Type.Integer(),
    nextReportDueAt: Type.Optional(Type.Integer({ description: 'while not closed' })),
    mustReturnAt: Type.Integer({ description: 'last position + vms.returnToPortAfterD' }),
    closedAt: Type.Optional(Type.Integer()),
    closeReason: Type.Optional(Type.String()),
    events: Type.Array(CaseEvent),
  },
  { additionalProperties: false },
);
export type SignalCase = Static<typeof SignalCase>;
export const SignalCaseList = Type.Object({ cases: Type.Array(SignalCase) }, { additionalProperties: false });

export const CaseQuery = Type.Object(
  { state: Type.Optional(CaseState), mmsi: Type.Optional(Type.Integer()) },
  { additionalProperties: false },
);

export const PositionReportBody = Type.Object(
  {
    ts: Type.String({ description: 'when the vessel was there: ISO 8601 or ms' }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    text: Type.Optional(Type.String({ description: 'how it was reported (radio, phone), remarks' })),
    by: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type PositionReportBody = Static<typeof PositionReportBody>;

export const CommentBody = Type.Object(
  { text: Type.String({ minLength: 1 }), by: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);

export const ReportQuery = Type.Object(
  {
    period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
      default: 'day',
    }),
    day: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        description: 'a day of the period (YYYY-MM-DD, Vietnam); default today. Weeks start on Monday.',
      }),
    ),
    commune: Type.Optional(Type.String({ description: 'one commune’s report; default the province' })),
    groupBy: Type.Optional(
      Type.Union([Type.Literal('commune'), Type.Literal('district')], {
        description:
          'rows of the summary: commune (default), or district for a period when districts existed (before 1 July 2025, from the administrative units’ validity dates)',
      }),
    ),
    format: Type.Union([Type.Literal('xlsx'), Type.Literal('csv'), Type.Literal('json')], {
      default: 'xlsx',
    }),
    list: Type.Optional(
      Type.Union(
        [
          Type.Literal('summary'),
          Type.Literal('silent'),
          Type.Literal('violations'),
          Type.Literal('departures'),
        ],
        { description: 'CSV holds one table: which (default summary)' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ReportQuery = Static<typeof ReportQuery>;

export const FleetVesselStatus = Type.Union(
  [
    Type.Literal('at_sea'),
    Type.Literal('in_port'),
    Type.Literal('silent'),
    Type.Literal('must_return'),
    Type.Literal('no_position'),
  ],
  { description: 'silent: at sea, not heard for vms.reportEveryH; must_return: for vms.returnToPortAfterD' },
);
export type FleetVesselStatus = Static<typeof FleetVesselStatus>;

/** A registered vessel with where it was last heard (MonitorFish's vessel list). */
export const FleetVessel = Type.Object(
  {
    registration: Type.String(),
    name: Type.String(),
    mmsi: Type.Optional(Type.Integer()),
    lengthM: Type.Number(),
    gear: Type.Optional(Type.String()),
    communeCode: Type.Optional(Type.String()),
    provinceCode: Type.Optional(Type.String()),
    homePort: Type.Optional(Type.String()),
    status: FleetVesselStatus,
    lastTs: Type.Optional(Type.Integer()),
    lon: Type.Optional(Type.Number()),
    lat: Type.Optional(Type.Number()),
    activeAlarms: Type.Integer({ minimum: 0 }),
    licenceValidTo: Type.Optional(Type.String()),
    vmsDeviceId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type FleetVessel = Static<typeof FleetVessel>;

export const FleetVesselQuery = Type.Object(
  {
    commune: Type.Optional(Type.String()),
    province: Type.Optional(Type.String()),
    homePort: Type.Optional(Type.String()),
    minLengthM: Type.Optional(Type.Number({ minimum: 0 })),
    maxLengthM: Type.Optional(Type.Number({ minimum: 0 })),
    status: Type.Optional(FleetVesselStatus),
    /** Heard at or after this time (ISO 8601 or ms): "last position within the last 24 h". */
    heardSince: Type.Optional(Type.String()),
    format: Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')], {
      default: 'json',
    }),
  },
  { additionalProperties: false },
);
export type FleetVesselQuery = Static<typeof FleetVesselQuery>;
export const FleetVesselList = Type.Object(
  { vessels: Type.Array(FleetVessel) },
  { additionalProperties: false },
);
export type FleetVesselList = Static<typeof FleetVesselList>;
