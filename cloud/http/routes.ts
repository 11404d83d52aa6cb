import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
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
      info: {
        title: 'Lookout cloud API',
        version: '1',
        description:
          'Forest-fire cameras over U Minh Hạ and AIS fishing-vessel tracking in Cà Mau. Times are ms since the ' +
          'epoch (UTC); errors are JSON with a `message` (or `error`) saying what is wrong. This page: /api/v1/docs.',
      },
      tags: [
        { name: 'edges', description: 'edge presence' },
        { name: 'fisheries', description: 'vessels, tracks, zones' },
        { name: 'alarms', description: 'one lifecycle for every alarm' },
        { name: 'fire', description: 'fire and smoke alerts from the tower cameras, their snapshots' },
        { name: 'cameras', description: 'camera inventory and stream state' },
      ],
    },
  });
  // The document as a page a developer reads: Swagger UI, its files served from node_modules, nothing fetched
  // from outside (no online validator badge).
  void app.register(swaggerUi, {
    routePrefix: '/api/v1/docs',
    staticCSP: true,
    uiConfig: { validatorUrl: null, docExpansion: 'list', deepLinking: true },
  });
  // Inside a plugin, so the routes are declared after swagger has loaded and installed its onRoute hook.
  void app.register(async (api) => {
    api.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    (api as unknown as HttpApp).get(
      '/api/v1/edges',
      {
        schema: {
          tags: ['edges'],
          summary: 'The edge gateways and whether they are online',
          description:
            'Every edge that has connected: online or offline (and why), since when, last seen, its version, and ' +
            "how far its clock is from the cloud's (clockSkewMs: an edge without NTP stamps positions wrongly).",
          response: { 200: EdgeList },
        },
      },
      async () => ({ edges: presence.list() }),
    );
  });
}
