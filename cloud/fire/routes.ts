import { Type } from '@sinclair/typebox';
import {
  FireAlertList,
  FireAlertQuery,
  LocatedFire,
  LocatedFireList,
  LocatedFireQuery,
} from '../../protocols/api/fire.js';
import { ErrorBody } from '../../protocols/api/errors.js';
import type { HttpApp } from '../../runtime/http-server.js';
import type { FireAlertsPart } from './fire-alerts-part.js';
import type { FireAlertRecord } from '../../protocols/api/fire.js';

export function registerFireRoutes(
  app: HttpApp,
  part: FireAlertsPart,
  /** Adds each event's alarm and verdict (when the alarms feature is there). */
  withAlarms: (records: FireAlertRecord[]) => FireAlertRecord[] = (records) => records,
): void {
  app.get(
    '/api/v1/fire/alerts',
    {
      schema: {
        tags: ['fire'],
        summary: 'Fire and smoke alerts from the tower cameras',
        description:
          'The stored fire alert events (new, update, end) of every edge, newest first, filtered by time, edge and ' +
          'camera. Each carries the class (fire or smoke), confidence, the camera position and bearing, the bearing ' +
          'to the fire when known, the URL of its snapshot (GET /api/v1/fire/snapshots/{edgeId}/{file}), and the fire ' +
          "alarm it raised (`alarmId`) with the ranger's verdict (`triage`) when there is one.",
        querystring: FireAlertQuery,
        response: { 200: FireAlertList },
      },
    },
    async (request) => ({
      alerts: withAlarms(await part.list(request.query)),
    }),
  );
  app.get(
    '/api/v1/fire/snapshots/:edgeId/:file',
    {
      schema: {
        tags: ['fire'],
        summary: 'The JPEG snapshot of a fire alert',
        description:
          'The picture the camera took when it saw the fire or smoke, as stored by the cloud (image/jpeg, cached for ' +
          'a year: a snapshot never changes). 404 with `{ error }` when there is no such snapshot.',
        params: Type.Object({ edgeId: Type.String(), file: Type.String() }),
      },
    },
    async (request, reply) => {
      const jpeg = await part.readSnapshot(request.params.edgeId, request.params.file);
      if (!jpeg)
        return reply.code(404).send({ error: `no snapshot ${request.params.edgeId}/${request.params.file}` });
      return reply
        .type('image/jpeg')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(jpeg);
    },
  );
  app.get(
    '/api/v1/fire/located',
    {
      schema: {
        tags: ['fire'],
        summary: 'Fires located from the cameras that see them',
        description:
          'The latest state of each fire changed in the period (default: the last 24 hours), newest first. ' +
          '`intersection`: two cameras or more saw it within `cloud.fire.locate.windowS`; the point, the error area ' +
          "(the cones' intersection) and the distance from each camera. `bearing`: one camera; the fire lies on its " +
          'bearing within its range (`ray`), the area is its cone. With a places layer, the forest compartment and ' +
          'the nearest named place.',
        querystring: LocatedFireQuery,
        response: { 200: LocatedFireList },
      },
    },
    async (request) => ({ fires: await part.located(request.query) }),
  );
  app.get(
    '/api/v1/fire/located/:id',
    {
      schema: {
        tags: ['fire'],
        summary: 'One located fire',
        description:
          "The latest state of a located fire (its id is in the alert records' `location.fireId`); 404 when unknown.",
        params: Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,200}$' }) }),
        response: { 200: LocatedFire, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const [fire] = await part.located({ id: request.params.id, since: 0, limit: 1 });
      return fire ?? reply.code(404).send({ error: `no located fire ${request.params.id}` });
    },
  );
}
