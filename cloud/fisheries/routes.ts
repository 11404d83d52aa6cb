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
import { parseQueryTime } from '../http/query-time.js';
import type { FisheriesPart } from './part.js';
import { queryTrack } from './storage.js';
import { ErrorBody } from '../../protocols/api/errors.js';

/** `GET vessels`, `GET vessels/{mmsi}/track`, `GET zones` (register with prefix `/api/v1`). */
export function registerFisheriesRoutes(
  app: HttpApp,
  part: FisheriesPart,
  influx: InfluxDB,
  database: string,
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
          'The positions of a vessel between `from` and `to` (ms since the epoch or ISO 8601; default the last ' +
          'hours) as a GeoJSON LineString Feature with the times in `properties.times`, thinned to `maxPoints`. ' +
          '400 with `{ error }` when a time cannot be read or `to` is before `from`.',
        params: Type.Object({ mmsi: Type.Integer({ minimum: 0, maximum: 999_999_999 }) }),
        querystring: TrackQuery,
        response: { 200: TrackFeature, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      let from: number;
      let to: number;
      try {
        from = parseQueryTime(request.query.from, 'from');
        to = parseQueryTime(request.query.to, 'to');
      } catch (error) {
        return reply.code(400).send({ error: (error as Error).message });
      }
      if (to < from) return reply.code(400).send({ error: 'to is before from' });
      return queryTrack(influx, database, request.params.mmsi, from, to, request.query.maxPoints ?? 2000);
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
