import { Alarm, AlarmActionBody, AlarmIdParams, AlarmList, AlarmQuery } from '../../protocols/api/alarms.js';
import type { HttpApp } from '../../runtime/http-server.js';
import { actorOf, authenticatedOperator } from '../http/auth.js';
import { AlarmNotFoundError } from './alarm-store.js';
import { AlarmUnavailableError, type AlarmService } from './alarms-part.js';
import { ErrorBody } from '../../protocols/api/errors.js';

/** Seconds a client should wait before trying an action again while alarms are being rebuilt. */
const RESTORING_RETRY_AFTER_S = 5;

/**
 * `GET alarms`, `POST alarms/{id}/ack`, `POST alarms/{id}/clear` (register with prefix `/api/v1`). While the
 * store is not rebuilt from InfluxDB yet, `GET` answers with what it has and `restoring: true`, and actions are
 * refused with 503 (an ack on a half-known store could not find the alarm, or be lost under the rebuilt one).
 */
export function registerAlarmRoutes(
  app: HttpApp,
  alarms: Pick<AlarmService, 'store' | 'isReady' | 'act'>,
): void {
  const { store } = alarms;
  app.get(
    '/alarms',
    {
      schema: {
        tags: ['alarms'],
        summary: 'Alarms: active ones, or the history',
        description:
          'Every alarm of every rule (fisheries and fire) with its lifecycle: ACTIVE_UNACK, ACTIVE_ACK, CLEARED_UNACK, ' +
          'CLEARED_ACK, who acknowledged and cleared it and when (ackBy/ackTs, clearBy/clearTs). `status=active` for ' +
          'the open ones, `cleared` for the history; filter by type or originator (`vessel:<mmsi>`, ' +
          '`camera:<edgeId>/<cameraId>`). `restoring: true` while the alarms are being rebuilt from InfluxDB.',
        querystring: AlarmQuery,
        response: { 200: AlarmList },
      },
    },
    async (request) =>
      alarms.isReady
        ? { alarms: store.list(request.query) }
        : { alarms: store.list(request.query), restoring: true },
  );
  for (const action of ['ack', 'clear'] as const) {
    app.post(
      `/alarms/:id/${action}`,
      {
        schema: {
          tags: ['alarms'],
          summary: action === 'ack' ? 'Acknowledge an alarm' : 'Clear an alarm',
          description:
            (action === 'ack'
              ? 'Records that someone has seen the alarm and takes care of it (ACTIVE_UNACK -> ACTIVE_ACK). '
              : 'Ends the alarm (-> CLEARED_*); the same condition raises a new one. ') +
            'With operator accounts the logged-in user is recorded and `by` is ignored; without, `by` (who does it) is ' +
            'required. 404 when there is no such alarm; 503 with Retry-After while alarms are being rebuilt.',
          params: AlarmIdParams,
          body: AlarmActionBody,
          response: { 200: Alarm, 400: ErrorBody, 404: ErrorBody, 503: ErrorBody },
        },
      },
      async (request, reply) => {
        const by = actorOf(request, request.body.by);
        if (by === undefined)
          return reply
            .code(400)
            .send({ error: 'body.by is required (who does it) while the API has no operator accounts' });
        if (!alarms.isReady) {
          return reply
            .code(503)
            .header('retry-after', String(RESTORING_RETRY_AFTER_S))
            .send({
              error: `alarms are still being rebuilt from InfluxDB (unreachable); ${action} is refused until then, try again later`,
            });
        }
        try {
          // On a cluster standby this is forwarded to the leader and answered once it has applied it.
          const alarm = await alarms.act(request.params.id, action, by);
          request.log.info(
            {
              alarm: request.params.id,
              action,
              by,
              authenticated: authenticatedOperator(request) !== undefined,
            },
            `alarm ${action} by ${by}`,
          );
          return alarm;
        } catch (error) {
          if (error instanceof AlarmNotFoundError) return reply.code(404).send({ error: error.message });
          if (error instanceof AlarmUnavailableError)
            return reply
              .code(503)
              .header('retry-after', String(RESTORING_RETRY_AFTER_S))
              .send({ error: `${action} could not be done now: ${error.message}; try again` });
          throw error;
        }
      },
    );
  }
}
