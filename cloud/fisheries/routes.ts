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
import type { FisheriesPart } from './part.js';
import { queryTrack } from './storage.js';

function parseTime(text: string, name: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms))
    throw new RangeError(`${name}: "${text}" is neither an ISO 8601 time nor ms since epoch`);
  return ms;
}

const ErrorBody = Type.Object({ error: Type.String() });

/** `GET vessels`, `GET vessels/{mmsi}/track`, `GET zones` (register with prefix `/api/v1`). */
export function registerFisheriesRoutes(
  app: HttpApp,
  part: FisheriesPart,
  influx: InfluxDB,
  database: string,
): void {
  app.get(
    '/vessels',
    { schema: { tags: ['fisheries'], querystring: VesselQuery, response: { 200: VesselList } } },
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
        params: Type.Object({ mmsi: Type.Integer({ minimum: 0, maximum: 999_999_999 }) }),
        querystring: TrackQuery,
        response: { 200: TrackFeature, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      let from: number;
      let to: number;
      try {
        from = parseTime(request.query.from, 'from');
        to = parseTime(request.query.to, 'to');
      } catch (error) {
        return reply.code(400).send({ error: (error as Error).message });
      }
      if (to < from) return reply.code(400).send({ error: 'to is before from' });
      return queryTrack(influx, database, request.params.mmsi, from, to, request.query.maxPoints ?? 2000);
    },
  );
  app.get('/zones', { schema: { tags: ['fisheries'], response: { 200: ZoneCollection } } }, async () =>
    part.zones.toGeoJSON(),
  );
}
