import { CameraList, CameraQuery } from '../../protocols/api/cameras.js';
import type { HttpApp } from '../../runtime/http-server.js';
import type { CameraStorePart } from './cameras-part.js';

/** `GET /api/v1/cameras[?edgeId=&state=]`. */
export function registerCameraRoutes(app: HttpApp, cameras: CameraStorePart): void {
  app.get(
    '/api/v1/cameras',
    { schema: { querystring: CameraQuery, response: { 200: CameraList } } },
    async (request) => ({
      cameras: cameras.list(request.query),
    }),
  );
}
