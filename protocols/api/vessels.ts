import { Type, type Static } from '@sinclair/typebox';

/** A registered fishing vessel (provincial registry), as in the cloud config and the API. */
export const VesselRegistration = Type.Object(
  {
    mmsi: Type.Integer({ minimum: 0, maximum: 999_999_999 }),
    /** Provincial registration number, e.g. `CM-90123-TS`. */
    registration: Type.String({ minLength: 1 }),
    name: Type.String({ minLength: 1 }),
    lengthM: Type.Number({ exclusiveMinimum: 0, maximum: 500 }),
    /** Id of a `port` zone, or a free name. */
    homePort: Type.Optional(Type.String()),
    owner: Type.Optional(
      Type.Object(
        { name: Type.String(), phone: Type.Optional(Type.String()), email: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'VesselRegistration', additionalProperties: false },
);
export type VesselRegistration = Static<typeof VesselRegistration>;

export const VesselStatus = Type.Union(
  [Type.Literal('at_sea'), Type.Literal('in_port'), Type.Literal('silent')],
  {
    description:
      'silent: no position for the first signal-loss step; in_port: within the in-port radius of a port',
  },
);
export type VesselStatus = Static<typeof VesselStatus>;

/** Latest known state of one vessel (registered or not). */
export const VesselState = Type.Object(
  {
    mmsi: Type.Integer({ minimum: 0, maximum: 999_999_999 }),
    registered: Type.Boolean(),
    registration: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    lengthM: Type.Optional(Type.Number()),
    homePort: Type.Optional(Type.String()),
    /** Time of the newest position, ms since epoch (the position's own time). */
    ts: Type.Integer({ minimum: 0 }),
    lat: Type.Number(),
    lon: Type.Number(),
    sog: Type.Optional(Type.Number()),
    cog: Type.Optional(Type.Number()),
    /** Ids of the area zones (allowed, offshore, inshore, coastal, closed) containing the position. */
    zones: Type.Array(Type.String()),
    /** Nearest port id and distance, when ports are configured. */
    nearestPort: Type.Optional(Type.Object({ id: Type.String(), distanceKm: Type.Number() })),
    status: VesselStatus,
  },
  { $id: 'VesselState', additionalProperties: false },
);
export type VesselState = Static<typeof VesselState>;

export const VesselList = Type.Object(
  {
    vessels: Type.Array(VesselState),
    /**
     * Present (true) while the cloud has not rebuilt vessel state from InfluxDB yet: `vessels` then holds only
     * what arrived since the start (the positions wait for the rules until the rebuild).
     */
    restoring: Type.Optional(Type.Boolean()),
  },
  { $id: 'VesselList', additionalProperties: false },
);
export type VesselList = Static<typeof VesselList>;

export const VesselQuery = Type.Object(
  {
    zone: Type.Optional(
      Type.String({ minLength: 1, description: 'only vessels whose newest position is in this zone id' }),
    ),
    status: Type.Optional(VesselStatus),
    registered: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type VesselQuery = Static<typeof VesselQuery>;

export const TrackQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ description: 'ISO 8601 time or ms since epoch; default `to` - 24 h' })),
    to: Type.Optional(Type.String({ description: 'ISO 8601 time or ms since epoch; default now' })),
    maxPoints: Type.Optional(Type.Integer({ minimum: 2, maximum: 100_000, default: 2000 })),
  },
  { additionalProperties: false },
);
export type TrackQuery = Static<typeof TrackQuery>;

/** A vessel's track as a GeoJSON Feature with a LineString; `times` holds each vertex's time (ms). */
export const TrackFeature = Type.Object(
  {
    type: Type.Literal('Feature'),
    geometry: Type.Object({
      type: Type.Literal('LineString'),
      coordinates: Type.Array(Type.Tuple([Type.Number(), Type.Number()])),
    }),
    properties: Type.Object({
      mmsi: Type.Integer(),
      from: Type.Integer(),
      to: Type.Integer(),
      times: Type.Array(Type.Integer()),
      /** Each vertex's speed (knots) and course (degrees) when the position had them. */
      sog: Type.Array(Type.Union([Type.Number(), Type.Null()])),
      cog: Type.Array(Type.Union([Type.Number(), Type.Null()])),
      /** Positions in the range; more than the vertices when the track was thinned to `maxPoints`. */
      total: Type.Integer({ minimum: 0 }),
      /** Time buckets InfluxDB grouped a very long track in before thinning (ms); 0 when it read every position. */
      intervalMs: Type.Integer({ minimum: 0 }),
      /**
       * Before this time the track is the 10-minute long-term track: InfluxDB keeps raw positions for
       * `influx.retention.rawDays` only. Absent when every vertex is a position.
       */
      coarseUntil: Type.Optional(Type.Integer()),
    }),
  },
  { $id: 'TrackFeature', additionalProperties: false },
);
export type TrackFeature = Static<typeof TrackFeature>;

/** GeoJSON FeatureCollection of the zones, each feature with `properties.kind` as the rules read it. */
export const ZoneCollection = Type.Object(
  {
    type: Type.Literal('FeatureCollection'),
    features: Type.Array(
      Type.Object({
        type: Type.Literal('Feature'),
        id: Type.String(),
        geometry: Type.Unknown(),
        properties: Type.Record(Type.String(), Type.Unknown()),
      }),
    ),
  },
  { $id: 'ZoneCollection' },
);
