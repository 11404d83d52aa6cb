import { Type, type Static } from '@sinclair/typebox';
import { Alarm, AlarmChangeMessage } from './alarms.js';
import { FleetCounts } from './office.js';
import { Day } from './registry.js';

/**
 * Body of a `json` webhook notification (`cloud.notify.webhooks[].format: json`): one alarm change, with a line
 * of text a person can read, and links into the dashboard and to the fire snapshot when the cloud knows its
 * public address (`cloud.notify.publicUrl`). Signed with HMAC-SHA256 when the webhook has a `secret`: header
 * `X-Lookout-Signature: sha256=<hex of HMAC(secret, raw body)>`.
 */
export const AlarmNotification = Type.Object(
  {
    version: Type.Literal(1),
    /** Unique per alarm change: the same id again is a redelivery (e.g. after a cloud restart). */
    id: Type.String({ minLength: 1 }),
    kind: AlarmChangeMessage.properties.kind,
    alarm: Alarm,
    text: Type.String(),
    /** The dashboard, when `publicUrl` is configured. */
    link: Type.Optional(Type.String()),
    /** The alert's JPEG snapshot (fire alarms), when `publicUrl` is configured. */
    snapshotUrl: Type.Optional(Type.String()),
    /** A located fire on OpenStreetMap (any browser), and as a `geo:` URI that opens the phone's map app. */
    mapUrl: Type.Optional(Type.String()),
    geoUri: Type.Optional(Type.String()),
  },
  { $id: 'AlarmNotification', additionalProperties: false },
);
export type AlarmNotification = Static<typeof AlarmNotification>;

/** One report the office wrote on its schedule (the province's), with its totals. */
export const WrittenReport = Type.Object(
  {
    period: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
    first: Day,
    last: Day,
    scope: Type.Object({ code: Type.String(), name: Type.String() }, { additionalProperties: false }),
    totals: FleetCounts,
    departures: Type.Integer({ minimum: 0 }),
    arrivals: Type.Integer({ minimum: 0 }),
    departuresWithoutLicence: Type.Integer({ minimum: 0 }),
    violations: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type WrittenReport = Static<typeof WrittenReport>;

/** What the office wrote on its schedule: the folder, the files in it, the province's reports with their totals. */
export const ReportsWritten = Type.Object(
  {
    /** The Vietnam day the run was for (yesterday at `office.reports.dailyAt`). */
    day: Day,
    folder: Type.String(),
    files: Type.Array(Type.String(), { description: 'file names in the folder' }),
    reports: Type.Array(WrittenReport),
  },
  { additionalProperties: false },
);
export type ReportsWritten = Static<typeof ReportsWritten>;

/**
 * Body of a `json` webhook announcing the office's scheduled reports (webhooks with `reports: true`): the files
 * written and the province's totals, with a text in the webhook's language.
 */
export const ReportNotification = Type.Object(
  {
    version: Type.Literal(1),
    /** `reports:<day>`: the same id again is a redelivery. */
    id: Type.String({ minLength: 1 }),
    kind: Type.Literal('reports'),
    ...ReportsWritten.properties,
    text: Type.String(),
    /** The dashboard's office page, when `publicUrl` is configured. */
    link: Type.Optional(Type.String()),
  },
  { $id: 'ReportNotification', additionalProperties: false },
);
export type ReportNotification = Static<typeof ReportNotification>;
