import { Type, type Static } from '@sinclair/typebox';
import { Severity, severitySchema } from '../../protocols/api/alarms.js';
import { VesselRegistration } from '../../protocols/api/vessels.js';

/** What a zone means to the rules. Files name their own kinds; `kinds:` maps them onto these. */
export const ZoneKind = Type.Union(
  [
    Type.Literal('boundary'),
    Type.Literal('allowed'),
    Type.Literal('offshore'),
    Type.Literal('inshore'),
    Type.Literal('coastal'),
    Type.Literal('closed'),
    Type.Literal('port'),
  ],
  {
    description:
      'boundary: a line (ENT/EXI when crossed); allowed: leaving it is an EXI; offshore/inshore/coastal: length-class fishing zones; closed: no entry; port: a point (or area) where vessels are in port',
  },
);
export type ZoneKind = Static<typeof ZoneKind>;

export const ZoneFileConfig = Type.Object(
  {
    /** GeoJSON FeatureCollection; a relative path resolves against the Lookout folder (the repository root). */
    file: Type.String({ minLength: 1 }),
    /** Every feature of the file has this kind (e.g. a file of boundary lines). */
    kind: Type.Optional(ZoneKind),
    /** Maps each feature's `properties.kind` to a zone kind, e.g. `{ zone: offshore }`; unmapped kinds must already be zone kinds. */
    kinds: Type.Optional(Type.Record(Type.String(), ZoneKind)),
    /** Only these feature ids (feature `id`, else `properties.id`); default all. */
    include: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Boundary lines: a point on the home side, near the line. Crossing towards it is ENT, away from it EXI. */
    homePoint: Type.Optional(
      Type.Tuple([Type.Number({ minimum: -180, maximum: 180 }), Type.Number({ minimum: -90, maximum: 90 })]),
    ),
  },
  { additionalProperties: false },
);
export type ZoneFileConfig = Static<typeof ZoneFileConfig>;

export { VesselRegistration };

const Hours = (value: number, description: string) =>
  Type.Number({ exclusiveMinimum: 0, default: value, description });
const Minutes = Hours;
const Knots = (value: number) => Type.Number({ minimum: 0, default: value, description: 'knots' });

const SignalLossStep = Type.Object(
  { afterH: Type.Number({ exclusiveMinimum: 0 }), severity: Severity },
  { additionalProperties: false },
);

export const RulesConfig = Type.Object(
  {
    /** A vessel within this distance of a port point is in port (no signal-loss, encounter or loitering alarm). */
    inPortRadiusKm: Type.Number({ minimum: 0, default: 3 }),
    /** Two consecutive positions further apart in time than this do not form a continuous run (speed, zone). */
    maxGapMin: Minutes(120, 'gap that breaks a run of positions (VMS: at least one position every 2 h)'),
    boundary: Type.Object(
      {
        severity: severitySchema('MAJOR'),
        escalateAfterH: Hours(12, 'escalate an EXI if the vessel has not come back (ENT) after this'),
        escalatedSeverity: severitySchema('CRITICAL'),
      },
      { additionalProperties: false, default: {} },
    ),
    closedArea: Type.Object(
      { severity: severitySchema('CRITICAL') },
      { additionalProperties: false, default: {} },
    ),
    zoneByLength: Type.Object(
      {
        severity: severitySchema('MINOR'),
        /** Vessels at least this long fish offshore only. */
        offshoreMinLengthM: Type.Number({ minimum: 0, default: 15 }),
        /** Vessels at least this long (and shorter than offshoreMinLengthM) fish inshore only; shorter ones coastal only. */
        inshoreMinLengthM: Type.Number({ minimum: 0, default: 12 }),
        /** Faster than this the vessel is in transit, not fishing: no violation. */
        transitSpeedKn: Knots(6),
        minDurationMin: Minutes(30, 'time in a wrong zone before the alarm'),
      },
      { additionalProperties: false, default: {} },
    ),
    signalLoss: Type.Object(
      {
        /** Alarm at the first step, escalation at the next ones (VMS: > 6 h without signal is a violation). */
        steps: Type.Array(SignalLossStep, {
          minItems: 1,
          default: [
            { afterH: 6, severity: 'MAJOR' },
            { afterH: 24, severity: 'CRITICAL' },
          ],
        }),
        /**
         * Silent also means nothing of the vessel has arrived for this long: while a backlog is still coming in (an
         * edge back from a 3G outage, a replay) its positions are hours old but the vessel is not silent.
         */
        arrivalGraceS: Type.Number({ minimum: 0, default: 60 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /**
     * With the registry database (cloud/registry): at sea without a valid licence (`licence_invalid`), fishing in
     * a zone class the licence does not permit for zoneByLength.minDurationMin (`licence_zone`), at least
     * `cloud.registry.vms.requiredFromLengthM` long at sea without a VMS beacon (`vms_missing`).
     */
    licence: Type.Object(
      { severity: severitySchema('MAJOR'), vmsSeverity: severitySchema('MAJOR') },
      { additionalProperties: false, default: {} },
    ),
    encounter: Type.Object(
      {
        severity: severitySchema('MAJOR'),
        maxDistanceM: Type.Number({ exclusiveMinimum: 0, default: 500 }),
        maxSpeedKn: Knots(2),
        minDurationH: Hours(2, 'Global Fishing Watch: within 500 m for at least 2 h at < 2 kn'),
        minPortDistanceKm: Type.Number({ minimum: 0, default: 10 }),
        /** Two vessels' positions are compared when their times differ by at most this. */
        maxTimeDiffMin: Minutes(15, 'pairing tolerance between two vessels’ position times'),
      },
      { additionalProperties: false, default: {} },
    ),
    loitering: Type.Object(
      {
        severity: severitySchema('WARNING'),
        maxSpeedKn: Knots(2),
        minDurationH: Hours(6, 'slow this long, far from port'),
        minPortDistanceKm: Type.Number({ minimum: 0, default: 37 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type RulesConfig = Static<typeof RulesConfig>;

export const FisheriesConfig = Type.Object(
  {
    /** Zone files; the default is the Ca Mau demo set shipped in cloud/fisheries/zones/. */
    zoneFiles: Type.Array(ZoneFileConfig, {
      default: [
        {
          file: 'cloud/fisheries/zones/vietnam-boundary-lines.geojson',
          kind: 'boundary',
          include: [
            'eez_boundaries.155',
            'eez_boundaries.497',
            'eez_boundaries.501',
            'eez_boundaries.874',
            'eez_boundaries.811',
          ],
          homePoint: [104.0, 8.5],
        },
        { file: 'cloud/fisheries/zones/ca-mau-zones.geojson', kinds: { zone: 'offshore' } },
        { file: 'cloud/fisheries/zones/ca-mau-demo-class-zones.geojson' },
      ],
    }),
    /** Cell size of the spatial indexes, degrees (0.05° ≈ 5.5 km). */
    gridCellDeg: Type.Number({ minimum: 0.001, maximum: 5, default: 0.05 }),
    vessels: Type.Array(VesselRegistration, { default: [] }),
    rules: RulesConfig,
    /** Positions kept per vessel for late and out-of-order data; older data is stored but not evaluated. */
    history: Type.Object(
      {
        maxPoints: Type.Integer({ minimum: 2, default: 64 }),
        windowH: Hours(48, 'positions older than this (behind the vessel’s newest) are not evaluated'),
      },
      { additionalProperties: false, default: {} },
    ),
    /** How often signal loss and escalations are evaluated against the clock. */
    tickIntervalS: Type.Number({ exclusiveMinimum: 0, default: 60 }),
    /**
     * When InfluxDB is unreachable at start, alarms and vessel state are rebuilt in the background (backoff
     * retryMinMs → retryMaxMs); meanwhile alarm raises and positions wait in bounded memory queues.
     */
    restore: Type.Object(
      {
        retryMinMs: Type.Integer({ minimum: 1, default: 1000 }),
        retryMaxMs: Type.Integer({ minimum: 1, default: 30_000 }),
        /** Alarm raises (fire alerts, …) held until the alarms are rebuilt; beyond, the oldest is applied at once. */
        maxHeldAlarmRaises: Type.Integer({ minimum: 1, default: 10_000 }),
        /** Positions buffered until vessel state is rebuilt; beyond, the oldest is not evaluated (it is stored). */
        maxBufferedPositions: Type.Integer({ minimum: 1, default: 200_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type FisheriesConfig = Static<typeof FisheriesConfig>;
