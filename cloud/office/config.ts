import { Type, type Static } from '@sinclair/typebox';

export const OfficeConfig = Type.Object(
  {
    /** The province the office reports for (an `admin_units` code; 96 = Cà Mau). */
    provinceCode: Type.String({ minLength: 1, default: '96' }),
    /** How often signal-loss cases are followed up (reminders, return-to-port) and port calls flushed. */
    tickIntervalS: Type.Number({ exclusiveMinimum: 0, default: 60 }),
    /** How often the day's fleet counts are written to `fleet_daily` (the day keeps its last snapshot). */
    snapshotEveryMin: Type.Number({ exclusiveMinimum: 0, default: 15 }),
    reports: Type.Object(
      {
        /** Where scheduled reports are written; default `<dataDir>/reports`. */
        dir: Type.Optional(Type.String({ minLength: 1 })),
        /** Vietnam time (HH:MM) the previous day's province and commune reports are written; absent = none. */
        dailyAt: Type.Optional(Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' })),
        formats: Type.Array(Type.Union([Type.Literal('xlsx'), Type.Literal('csv')]), { default: ['xlsx'] }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type OfficeConfig = Static<typeof OfficeConfig>;
