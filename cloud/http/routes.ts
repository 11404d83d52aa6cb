import { Type } from '@sinclair/typebox';
import type { HttpApp } from '../../runtime/http-server.js';
import type { PresencePart } from '../presence/presence-part.js';

const EdgePresenceSchema = Type.Object({
  edgeId: Type.String(),
  state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  since: Type.Integer(),
  lastSeen: Type.Integer(),
  reason: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
});

/** The core's own API routes, under /api/v1. */
export function registerCoreRoutes(app: HttpApp, presence: PresencePart): void {
  app.get(
    '/api/v1/edges',
    { schema: { response: { 200: Type.Object({ edges: Type.Array(EdgePresenceSchema) }) } } },
    async () => ({ edges: presence.list() }),
  );
}
