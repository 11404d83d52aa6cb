import {
  CameraSettingsBody,
  CameraSettingsChanges,
  CameraSettingsChangesQuery,
  CameraSettingsList,
  CameraSettingsParams,
  CameraSettingsState,
} from '../../protocols/api/camera-settings.js';
import { ErrorBody } from '../../protocols/api/errors.js';
import type { HttpApp } from '../../runtime/http-server.js';
import { actorOf } from '../http/auth.js';
import type { CameraSettingsPart } from './part.js';

const TAGS = ['cameras'];

/** `GET|PUT cameras/{edgeId}/{cameraId}/settings`, its `changes`, and `GET camera-settings` (prefix `/api/v1`). */
export function registerCameraSettingsRoutes(app: HttpApp, part: CameraSettingsPart): void {
  app.get(
    '/cameras/:edgeId/:cameraId/settings',
    {
      schema: {
        tags: TAGS,
        summary: "A camera's settings: desired in the cloud, applied on the edge",
        description:
          'Mute (`muteUntil`), sensitivity (-2 fewer alerts .. 2 more: each step moves every class threshold by 0.05; ' +
          '`classOffsets` per class on top) and ignore masks (polygons in 0..1 picture coordinates: a detection whose ' +
          'box lies mostly inside is dropped). `version` is the desired version saved in the cloud (0: never changed, ' +
          'defaults shown); `applied` what the edge last reported in effect; `pending` while the edge has not applied ' +
          'the desired version (it is offline: the broker keeps the settings for it).',
        params: CameraSettingsParams,
        response: { 200: CameraSettingsState },
      },
    },
    async (request) => part.store.get(request.params.edgeId, request.params.cameraId),
  );

  app.put(
    '/cameras/:edgeId/:cameraId/settings',
    {
      schema: {
        tags: TAGS,
        summary: "Change a camera's settings (mute, sensitivity, ignore masks)",
        description:
          'Replaces the settings as a whole with the next version, records who and when (the login with operator ' +
          'accounts, else `by`, then required) and sends them to the edge as a retained MQTT message: applied without ' +
          'a restart, and by an offline edge as soon as it reconnects. Answers the state with `pending: true` until ' +
          'the edge reports the version applied.',
        params: CameraSettingsParams,
        body: CameraSettingsBody,
        response: { 200: CameraSettingsState, 400: ErrorBody },
      },
    },
    async (request, reply) => {
      const by = actorOf(request, request.body.by);
      if (by === undefined)
        return reply.code(400).send({
          error: 'body.by is required (who changes the settings) while the API has no operator accounts',
        });
      const { edgeId, cameraId } = request.params;
      return part.save(edgeId, cameraId, request.body.settings, by);
    },
  );

  app.get(
    '/cameras/:edgeId/:cameraId/settings/changes',
    {
      schema: {
        tags: TAGS,
        summary: "Who changed a camera's settings, and when",
        description:
          'Every saved version of the camera settings, newest first: who (`by`), when (`at`), the settings and the ' +
          'ones they replaced (`previous`).',
        params: CameraSettingsParams,
        querystring: CameraSettingsChangesQuery,
        response: { 200: CameraSettingsChanges },
      },
    },
    async (request) => ({
      changes: await part.store.changes(request.params.edgeId, request.params.cameraId, request.query.limit),
    }),
  );

  app.get(
    '/camera-settings',
    {
      schema: {
        tags: TAGS,
        summary: 'Every camera whose settings were changed',
        description:
          'The settings state of each camera that has any (desired or reported by its edge): which are muted, which ' +
          'wait for their edge. Cameras never changed are not listed (they run on the defaults).',
        response: { 200: CameraSettingsList },
      },
    },
    async () => ({ cameras: await part.store.list() }),
  );
}
