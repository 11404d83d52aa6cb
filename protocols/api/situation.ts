import { Type, type Static } from '@sinclair/typebox';
import { Alarm } from './alarms.js';

export const SituationQuery = Type.Object(
  {
    at: Type.String({ description: 'the moment to review: ISO 8601 time or ms since epoch' }),
    windowH: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 720,
        default: 6,
        description: 'how far before `at` a position still counts as the last known one (hours)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SituationQuery = Static<typeof SituationQuery>;

/** A vessel's last known position at the reviewed moment. */
export const SituationVessel = Type.Object(
  {
    mmsi: Type.Integer({ minimum: 0, maximum: 999_999_999 }),
    registration: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    /** Time of the position (at or before `at`), ms since epoch. */
    ts: Type.Integer({ minimum: 0 }),
    lat: Type.Number(),
    lon: Type.Number(),
    sog: Type.Optional(Type.Number()),
    cog: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
export type SituationVessel = Static<typeof SituationVessel>;

/**
 * The situation at one moment, for an incident review: where every vessel was last seen (within the window) and
 * the alarms that were active then, each as it was at that moment (severity, acknowledged or not).
 */
export const Situation = Type.Object(
  {
    at: Type.Integer({ minimum: 0 }),
    windowMs: Type.Integer({ minimum: 0 }),
    vessels: Type.Array(SituationVessel),
    alarms: Type.Array(Alarm),
  },
  { $id: 'Situation', additionalProperties: false },
);
export type Situation = Static<typeof Situation>;
