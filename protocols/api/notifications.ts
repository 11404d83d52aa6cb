import { Type, type Static } from '@sinclair/typebox';
import { Alarm, AlarmChangeMessage } from './alarms.js';

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
