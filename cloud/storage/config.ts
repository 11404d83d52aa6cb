import { Type, type Static } from '@sinclair/typebox';

/** `cloud.storage`: the disk the cloud's own files use (storage-part.ts; sizes in cloud/README.md, Disks). */
export const StorageConfig = Type.Object(
  {
    /** How often free space is checked and the snapshot store pruned. */
    checkIntervalS: Type.Integer({ minimum: 1, default: 60 }),
    /** Below this free share of a checked file system: `warn`, `/health` degraded, gauge. Never refuses anything. */
    warnFreePercent: Type.Number({ minimum: 0, maximum: 100, default: 10 }),
    /** Below this: shed, least important first (dead letters, then fire snapshots beyond the newest days). */
    shedFreePercent: Type.Number({ minimum: 0, maximum: 100, default: 5 }),
    /** Other file systems to watch besides the data folder's, e.g. InfluxDB's data folder on this host. */
    extraPaths: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    snapshots: Type.Object(
      {
        /** Fire snapshot JPEGs kept at most (oldest deleted first); 0 = no bound. */
        maxBytes: Type.Integer({ minimum: 0, default: 20 * 1024 ** 3 }),
        /** Snapshots older than this are deleted (the alert records stay in InfluxDB); 0 = no limit. */
        maxAgeDays: Type.Integer({ minimum: 0, default: 365 }),
        /** When shedding for disk space, the snapshots of the newest days are kept anyway. */
        keepDaysWhenShedding: Type.Integer({ minimum: 0, default: 7 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);
export type StorageConfig = Static<typeof StorageConfig>;
