import swagger from '@fastify/swagger';
import { EdgeList } from '../../protocols/api/edges.js';
import type { HttpApp } from '../../runtime/http-server.js';
import type { PresencePart } from '../presence/presence-part.js';

/**
 * The core's own API routes, under /api/v1, and the OpenAPI document of every route. Swagger registers first:
 * it lists only the routes declared after it, and features add theirs later.
 */
export function registerCoreRoutes(app: HttpApp, presence: PresencePart): void {
  void app.register(swagger, {
    openapi: {
      info: { title: 'Lookout cloud API', version: '1' },
      tags: [
        { name: 'edges', description: 'edge presence' },
        { name: 'fisheries', description: 'vessels, tracks, zones' },
        { name: 'alarms', description: 'one lifecycle for every alarm' },
      ],
    },
  });
  // Inside a plugin, so the routes are declared after swagger has loaded and installed its onRoute hook.
  void app.register(async (api) => {
    api.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    (api as unknown as HttpApp).get(
      '/api/v1/edges',
      { schema: { tags: ['edges'], response: { 200: EdgeList } } },
      async () => ({ edges: presence.list() }),
    );
  });
}
