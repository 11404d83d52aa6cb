import { Type, type Static } from '@sinclair/typebox';
import { AlarmChangeMessage, severitySchema } from '../../protocols/api/alarms.js';
import { LanguageSchema } from '../i18n/index.js';
import { NotifyArea } from './area.js';

export const WebhookConfig = Type.Object(
  {
    /** Label in logs and metrics. */
    name: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }),
    url: Type.String({ pattern: '^https?://' }),
    /**
     * `json`: Lookout's AlarmNotification (protocols/api/notifications.ts). `slack`: `{ "text": ... }`, which Slack,
     * Mattermost, Rocket.Chat and Google Chat incoming webhooks take. `telegram`: the Bot API `sendMessage` body
     * (`url: https://api.telegram.org/bot<token>/sendMessage`, `chatId` required).
     */
    format: Type.Union([Type.Literal('json'), Type.Literal('slack'), Type.Literal('telegram')], {
      default: 'json',
    }),
    chatId: Type.Optional(Type.String({ minLength: 1 })),
    /** Language of the text: `vi` (default) or `en`. Times are always Vietnam's (GMT+7), with the offset shown. */
    lang: LanguageSchema,
    /** Which changes are sent. Default: a new alarm and an escalation (not refreshes, acks, clears). */
    kinds: Type.Array(AlarmChangeMessage.properties.kind, { minItems: 1, default: ['created', 'escalated'] }),
    /** Also announce the fisheries office's scheduled reports (`office.reports.dailyAt`): files and totals. */
    reports: Type.Boolean({ default: false }),
    /** Alarm types sent (e.g. `fire`, `closed_area`); absent = every type. */
    types: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    /**
     * Only alarms from this area (a ranger station's cameras or edges, a polygon, communes of `communesFile`);
     * absent = from everywhere (the provincial room). See cloud/notify/area.ts.
     */
    area: Type.Optional(NotifyArea),
    /** Least severe alarm sent. */
    minSeverity: severitySchema('WARNING'),
    /** HMAC-SHA256 key: the body's signature goes in `X-Lookout-Signature: sha256=<hex>`. */
    secret: Type.Optional(Type.String({ minLength: 16 })),
    /** Extra request headers (e.g. `Authorization`). */
    headers: Type.Record(Type.String(), Type.String(), { default: {} }),
    timeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  },
  { additionalProperties: false },
);
export type WebhookConfig = Static<typeof WebhookConfig>;

export const NotifyConfig = Type.Object(
  {
    /** The dashboard's address as the people notified reach it, e.g. `https://lookout.camau.gov.vn`: for links. */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    webhooks: Type.Array(WebhookConfig, { default: [] }),
    /**
     * GeoJSON FeatureCollection of the communes (Polygon / MultiPolygon features with a `name` property) that
     * webhooks' `area.communes` name; a relative path resolves against the working directory.
     */
    communesFile: Type.Optional(Type.String({ minLength: 1 })),
    retry: Type.Object(
      {
        /** First delay after a failed delivery; doubled after each failure up to maxMs (a `Retry-After` is honoured up to maxMs). */
        minMs: Type.Integer({ minimum: 10, default: 1000 }),
        maxMs: Type.Integer({ minimum: 10, default: 60_000 }),
        /** A notification not delivered after this long is given up (counted `expired`). */
        maxAgeS: Type.Integer({ minimum: 1, default: 86_400 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Notifications waiting per webhook; beyond it the oldest waiting is dropped (counted `dropped`). */
    maxQueued: Type.Integer({ minimum: 1, default: 1000 }),
  },
  { additionalProperties: false, default: {} },
);
export type NotifyConfig = Static<typeof NotifyConfig>;
