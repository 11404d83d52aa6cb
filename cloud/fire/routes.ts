import { Type } from '@sinclair/typebox';
import { FireAlertList, FireAlertQuery } from '../../protocols/api/fire.js';
import type { HttpApp } from '../../runtime/http-server.js';
import type { FireAlertsPart } from './fire-alerts-part.js';

export function registerFireRoutes(app: HttpApp, part: FireAlertsPart): void {
  app.get(
    '/api/v1/fire/alerts',
    { schema: { querystring: FireAlertQuery, response: { 200: FireAlertList } } },
    async (request) => ({
      alerts: await part.list(request.query),
    }),
  );
  app.get(
    '/api/v1/fire/snapshots/:edgeId/:file',
    { schema: { params: Type.Object({ edgeId: Type.String(), file: Type.String() }) } },
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
}
