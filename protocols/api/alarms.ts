import { Type, type Static } from '@sinclair/typebox';

/** Alarm severities, most severe first (as ThingsBoard). */
export const SEVERITIES = ['CRITICAL', 'MAJOR', 'MINOR', 'WARNING', 'INDETERMINATE'] as const;
export type SeverityName = (typeof SEVERITIES)[number];

export const severitySchema = (defaultValue?: SeverityName) =>
  Type.Union(
    SEVERITIES.map((s) => Type.Literal(s)),
    defaultValue
      ? { default: defaultValue, description: 'CRITICAL, MAJOR, MINOR, WARNING or INDETERMINATE' }
      : {},
  );
export const Severity = severitySchema();
export type Severity = Static<typeof Severity>;

/** Higher is more severe. */
export function severityRank(severity: SeverityName): number {
  return SEVERITIES.length - SEVERITIES.indexOf(severity);
}

export const AlarmStatus = Type.Union([
  Type.Literal('ACTIVE_UNACK'),
  Type.Literal('ACTIVE_ACK'),
  Type.Literal('CLEARED_UNACK'),
  Type.Literal('CLEARED_ACK'),
]);
export type AlarmStatus = Static<typeof AlarmStatus>;

/**
 * A ranger's verdict on a fire alarm: `wildfire` (a fire to fight), `other_smoke` (real smoke that is not a wildfire:
 * controlled burning, cooking, a factory) or `false_alarm` (no smoke at all: cloud, fog, sun glare, dust).
 */
export const TRIAGE_LABELS = ['wildfire', 'other_smoke', 'false_alarm'] as const;
export type TriageLabel = (typeof TRIAGE_LABELS)[number];
/** The alarm types a verdict applies to. */
export const TRIAGE_ALARM_TYPES: readonly string[] = ['fire'];
export const TriageLabelSchema = Type.Union(
  TRIAGE_LABELS.map((label) => Type.Literal(label)),
  { description: 'wildfire, other_smoke (controlled burning, cooking, factory) or false_alarm' },
);

/** Who said what about a fire alarm, and when (the latest verdict; every one is also in InfluxDB `fire_triage`). */
export const AlarmTriage = Type.Object(
  {
    label: TriageLabelSchema,
    note: Type.Optional(Type.String({ maxLength: 1000 })),
    by: Type.String({ minLength: 1 }),
    /** Server time of the verdict, ms since epoch. */
    ts: Type.Integer({ minimum: 0 }),
  },
  { $id: 'AlarmTriage', additionalProperties: false },
);
export type AlarmTriage = Static<typeof AlarmTriage>;

/**
 * One alarm, for every alarm type in the cloud (vessel rules, fire alerts). Created once per originator and type
 * while active; a repeated condition refreshes it (`count`, `lastTs`, `details`, severity only upwards).
 */
export const Alarm = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    /** What raised it, e.g. `vessel:574001234`, `camera:edge-1/cam-2`. */
    originator: Type.String({ minLength: 1 }),
    /** e.g. `boundary_crossing`, `closed_area`, `zone_by_length`, `signal_loss`, `encounter`, `loitering`, `fire`. */
    type: Type.String({ minLength: 1 }),
    severity: Severity,
    status: AlarmStatus,
    /** Time of the condition that raised it (the position's own time for vessel rules), ms since epoch. */
    startTs: Type.Integer({ minimum: 0 }),
    /** Time of the latest condition that refreshed it. */
    lastTs: Type.Integer({ minimum: 0 }),
    /** Server time of creation and of the latest change. */
    createdAt: Type.Integer({ minimum: 0 }),
    updatedAt: Type.Integer({ minimum: 0 }),
    /** How many times the condition was raised while this alarm was active. */
    count: Type.Integer({ minimum: 1 }),
    ackTs: Type.Optional(Type.Integer({ minimum: 0 })),
    ackBy: Type.Optional(Type.String()),
    clearTs: Type.Optional(Type.Integer({ minimum: 0 })),
    clearBy: Type.Optional(Type.String()),
    /** Fire alarms: the ranger's latest verdict (wildfire, other smoke, false alarm). */
    triage: Type.Optional(AlarmTriage),
    /** Rule-specific facts: crossing point, zone, other vessel, silence length... */
    details: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'Alarm', additionalProperties: false },
);
export type Alarm = Static<typeof Alarm>;

export const AlarmList = Type.Object(
  {
    alarms: Type.Array(Alarm),
    /** Present (true) while the cloud has not rebuilt its alarms from InfluxDB yet: the list may be incomplete. */
    restoring: Type.Optional(Type.Boolean()),
  },
  { $id: 'AlarmList', additionalProperties: false },
);
export type AlarmList = Static<typeof AlarmList>;

export const AlarmQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Union([
        Type.Literal('active'),
        Type.Literal('cleared'),
        Type.Literal('unack'),
        Type.Literal('ack'),
        AlarmStatus,
      ]),
    ),
    type: Type.Optional(Type.String({ minLength: 1 })),
    originator: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type AlarmQuery = Static<typeof AlarmQuery>;

/**
 * Body of `POST alarms/{id}/ack` and `POST alarms/{id}/clear`: who does it. When the cloud has operator accounts
 * (`cloud.http.operators`), the authenticated username is recorded and `by` is ignored (send `{}`); without
 * accounts `by` is required.
 */
export const AlarmActionBody = Type.Object(
  { by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { $id: 'AlarmActionBody', additionalProperties: false },
);
export type AlarmActionBody = Static<typeof AlarmActionBody>;

/**
 * Body of `POST alarms/{id}/triage` (fire alarms): the verdict and an optional note. `by` as for ack/clear (ignored
 * with operator accounts, required without).
 */
export const AlarmTriageBody = Type.Object(
  {
    label: TriageLabelSchema,
    note: Type.Optional(Type.String({ maxLength: 1000 })),
    by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { $id: 'AlarmTriageBody', additionalProperties: false },
);
export type AlarmTriageBody = Static<typeof AlarmTriageBody>;

export const AlarmIdParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }) });

/**
 * MQTT payload on `lookout/v1/cloud/alarms/{alarmId}` (QoS 1, not retained): one message per change of an
 * alarm, with the alarm as it is after the change.
 */
export const AlarmChangeMessage = Type.Object(
  {
    kind: Type.Union([
      Type.Literal('created'),
      Type.Literal('refreshed'),
      Type.Literal('escalated'),
      Type.Literal('acknowledged'),
      Type.Literal('cleared'),
      Type.Literal('triaged'),
    ]),
    alarm: Alarm,
  },
  { $id: 'AlarmChangeMessage', additionalProperties: false },
);
export type AlarmChangeMessage = Static<typeof AlarmChangeMessage>;
