import type { InfluxDB } from 'influx';
import { Type } from '@sinclair/typebox';
import {
  TrackFeature,
  TrackQuery,
  VesselList,
  VesselQuery,
  ZoneCollection,
} from '../../protocols/api/vessels.js';
import type { HttpApp } from '../../runtime/http-server.js';
import { parseQueryTime, withTimeRange } from '../http/query-time.js';
import { Situation, SituationQuery } from '../../protocols/api/situation.js';
import type { FisheriesPart } from './part.js';
import { queryTrack } from './storage.js';
import { LONG_RETENTION_POLICY, MEASUREMENT_TRACK_10M } from '../influxdb/retention.js';
import { ErrorBody } from '../../protocols/api/errors.js';

/** A track without `from` covers this long before `to`. */
const DEFAULT_TRACK_MS = 24 * 3_600_000;
const DAY_MS = 24 * 3_600_000;

/** `GET vessels`, `GET vessels/{mmsi}/track`, `GET situation`, `GET zones` (register with prefix `/api/v1`). */
export function registerFisheriesRoutes(
  app: HttpApp,
  part: FisheriesPart,
  influx: InfluxDB,
  database: string,
  /** Days InfluxDB keeps raw positions (`influx.retention.rawDays`, 0 = forever): older tracks are 10-minute. */
  rawDays = 0,
): void {
  app.get(
    '/vessels',
    {
      schema: {
        tags: ['fisheries'],
        summary: "The vessels tracked now, with the rules' view",
        description:
          'Every vessel with a recent AIS position: last position, speed and course, registration (name, number, ' +
          'length) when registered, status (at_sea, in_port, silent) and the zones it is in. Filter by zone id, ' +
          'status or registered. `restoring: true` while the cloud is still rebuilding its state from InfluxDB.',
        querystring: VesselQuery,
        response: { 200: VesselList },
      },
    },
    async (request) => {
      const { zone, status, registered } = request.query;
      const { vessels: all, restoring } = part.vesselStates(part.now());
      const vessels = all
        .filter(
          (v) =>
            (zone === undefined || v.zones.includes(zone)) && (status === undefined || v.status === status),
        )
        .filter((v) => registered === undefined || v.registered === registered)
        .sort((a, b) => a.mmsi - b.mmsi);
      return restoring ? { vessels, restoring } : { vessels };
    },
  );
  app.get(
    '/vessels/:mmsi/track',
    {
      schema: {
        tags: ['fisheries'],
        summary: 'The track of one vessel',
        description:
          'The positions of a vessel between `from` and `to` (ms since the epoch or ISO 8601; default the 24 h ' +
          "before now) as a GeoJSON LineString Feature with each vertex's time, speed and course in " +
          '`properties.times`, `sog`, `cog`; a track of more than `maxPoints` (default 2000) positions is thinned ' +
          'keeping its turns, stops and timing (`properties.total` says how many there were); before the raw ' +
          'positions InfluxDB keeps (`influx.retention.rawDays`) the 10-minute long-term track (`coarseUntil`). ' +
          '400 with `{ error }` when a time cannot be read or `to` is before `from`.',
        params: Type.Object({ mmsi: Type.Integer({ minimum: 0, maximum: 999_999_999 }) }),
        querystring: TrackQuery,
        response: { 200: TrackFeature, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      let range: { from?: number; to?: number; maxPoints?: number };
      try {
        range = withTimeRange(request.query);
      } catch (error) {
        return reply.code(400).send({ error: (error as Error).message });
      }
      const to = range.to ?? part.now();
      const from = range.from ?? to - DEFAULT_TRACK_MS;
      if (to < from) return reply.code(400).send({ error: 'to is before from' });
      const archive =
        rawDays > 0
          ? {
              rawSince: Date.now() - rawDays * DAY_MS,
              retentionPolicy: LONG_RETENTION_POLICY,
              measurement: MEASUREMENT_TRACK_10M,
            }
          : undefined;
      return queryTrack(influx, database, request.params.mmsi, from, to, range.maxPoints ?? 2000, archive);
    },
  );
  app.get(
    '/situation',
    {
      schema: {
        tags: ['fisheries'],
        summary: 'The situation at a moment (incident review)',
        description:
          'Where each vessel was at `at` (its last position at or before it, no older than `windowH` hours, ' +
          'default 6) with its registration and name when registered, and the alarms active at `at`: their ' +
          'condition had started (`startTs`, the position time) and they were not cleared yet; acknowledged ' +
          'or not at that moment (from the stored alarm changes). 400 with `{ error }` when `at` cannot be read.',
        querystring: SituationQuery,
        response: { 200: Situation, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      let at: number;
      try {
        at = parseQueryTime(request.query.at, 'at');
      } catch (error) {
        return reply.code(400).send({ error: (error as Error).message });
      }
      return part.situation(at, Math.round((request.query.windowH ?? 6) * 3_600_000));
    },
  );
  app.get(
    '/zones',
    {
      schema: {
        tags: ['fisheries'],
        summary: 'Zones, ports and boundary lines',
        description:
          'The zone files of the config (cloud.fisheries.zoneFiles) as one GeoJSON FeatureCollection: areas with ' +
          'their kind (offshore, inshore, coastal, closed...), ports, and maritime boundary lines, each with its ' +
          '`name`. Demo zones are approximate, not legal boundaries.',
        response: { 200: ZoneCollection },
      },
    },
    async () => part.zones.toGeoJSON(),
  );
}
