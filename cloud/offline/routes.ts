import { Type } from '@sinclair/typebox';
import { ErrorBody } from '../../protocols/api/errors.js';
import { MaintenanceBody, MaintenanceList, MaintenanceWindow } from '../../protocols/api/maintenance.js';
import type { HttpApp } from '../../runtime/http-server.js';
import { actorOf } from '../http/auth.js';
import { MaintenanceError, type OfflinePart } from './offline-part.js';

const NO_ACTOR = 'body.by is required (who does it) while the API has no operator accounts';

/** `GET/POST /api/v1/maintenance`, `DELETE /api/v1/maintenance/{id}` (register with prefix `/api/v1`). */
export function registerMaintenanceRoutes(app: HttpApp, part: OfflinePart): void {
  app.get(
    '/maintenance',
    {
      schema: {
        tags: ['cameras'],
        summary: 'Maintenance windows of cameras and edges',
        description:
          'Times when a camera (or a whole edge and its cameras) is expected to be dark: no camera_offline / ' +
          'edge_offline alarm is raised then, and an active one is cleared when the window begins. Windows from the ' +
          'config file (`source: config`) and set on the API of any cloud instance (`source: api`, with who and when, ' +
          'read from the shared SQL database at each request); those over are not listed. 503: the database cannot be read.',
        response: { 200: MaintenanceList, 503: ErrorBody },
      },
    },
    async (_request, reply) => {
      const windows = await part.currentWindows();
      if (!windows)
        return reply.code(503).send({ error: 'maintenance windows could not be read from the database' });
      return { windows };
    },
  );
  app.post(
    '/maintenance',
    {
      schema: {
        tags: ['cameras'],
        summary: 'Set a maintenance window for a camera or an edge',
        description:
          'From `from` (default now) until `until` (ms since the epoch), the camera `cameraId` of edge `edgeId` (or, ' +
          'without cameraId, the edge and all its cameras) raises no offline alarm. Recorded with who (the logged-in ' +
          'user; without operator accounts `by`, required) in the SQL database every cloud instance shares. 400 when ' +
          'until is not after from.',
        body: MaintenanceBody,
        response: { 201: MaintenanceWindow, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const by = actorOf(request, request.body.by);
      if (by === undefined) return reply.code(400).send({ error: NO_ACTOR });
      try {
        return reply.code(201).send(await part.addWindow(request.body, by));
      } catch (error) {
        if (error instanceof MaintenanceError)
          return reply.code(error.statusCode).send({ error: error.message });
        throw error;
      }
    },
  );
  app.delete(
    '/maintenance/:id',
    {
      schema: {
        tags: ['cameras'],
        summary: 'End a maintenance window now',
        description:
          'Ends a window set on the API, on any cloud instance (a camera still dark raises its alarm at the next ' +
          'check). 404: no such window, or it is over; 409: the window is in the config file. Who removed it and ' +
          'when is kept in the database.',
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 204: Type.Null(), 400: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      try {
        await part.removeWindow(request.params.id, actorOf(request, undefined) ?? 'anonymous');
        return reply.code(204).send(null);
      } catch (error) {
        if (error instanceof MaintenanceError)
          return reply.code(error.statusCode).send({ error: error.message });
        throw error;
      }
    },
  );
}
