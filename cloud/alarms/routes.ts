import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  Alarm,
  AlarmActionBody,
  AlarmIdParams,
  AlarmList,
  AlarmQuery,
  AlarmTriageBody,
  TRIAGE_ALARM_TYPES,
} from '../../protocols/api/alarms.js';
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
  /** Who acts, or undefined after answering 400 (no `by` without accounts) or 503 (not rebuilt yet). */
  const actorOrRefuse = (
    request: FastifyRequest,
    reply: FastifyReply,
    by: string | undefined,
    action: string,
  ): string | undefined => {
    const actor = actorOf(request, by);
    if (actor === undefined) {
      void reply
        .code(400)
        .send({ error: 'body.by is required (who does it) while the API has no operator accounts' });
      return undefined;
    }
    if (!alarms.isReady) {
      void reply
        .code(503)
        .header('retry-after', String(RESTORING_RETRY_AFTER_S))
        .send({
          error: `alarms are still being rebuilt from InfluxDB (unreachable); ${action} is refused until then, try again later`,
        });
      return undefined;
    }
    return actor;
  };
  const logAction = (request: FastifyRequest, id: string, action: string, by: string, extra = {}) =>
    request.log.info(
      { alarm: id, action, by, authenticated: authenticatedOperator(request) !== undefined, ...extra },
      `alarm ${action} by ${by}`,
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
        const by = actorOrRefuse(request, reply, request.body.by, action);
        if (by === undefined) return reply;
        try {
          // On a cluster standby this is forwarded to the leader and answered once it has applied it.
          const alarm = await alarms.act(request.params.id, action, by);
          logAction(request, request.params.id, action, by);
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
  app.post(
    '/alarms/:id/triage',
    {
      schema: {
        tags: ['alarms', 'fire'],
        summary: 'Judge a fire alarm: wildfire, other smoke or false alarm',
        description:
          "A ranger's verdict on a fire alarm, with an optional note: `wildfire`, `other_smoke` (controlled burning, " +
          'cooking, a factory) or `false_alarm` (cloud, fog, glare...). Recorded with who (the logged-in user; without ' +
          "operator accounts `by`, required) and when as the alarm's `triage`, stored in InfluxDB with the alarm " +
          '(`alarm_event`, kind `triaged`, field `triage`), and sent to webhooks that want `triaged` changes. A new ' +
          'verdict replaces the previous one. Acknowledges the alarm when nobody had; does not clear it (a fire judged ' +
          '`other_smoke` that keeps smoking refreshes it instead of raising new alarms). The labelled snapshots make ' +
          'the training set of `GET /api/v1/fire/dataset`. 404: no such alarm; 409: not a fire alarm; 503 with ' +
          'Retry-After while alarms are being rebuilt.',
        params: AlarmIdParams,
        body: AlarmTriageBody,
        response: { 200: Alarm, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody },
      },
    },
    async (request, reply) => {
      const by = actorOrRefuse(request, reply, request.body.by, 'triage');
      if (by === undefined) return reply;
      const { id } = request.params;
      const alarm = store.get(id);
      if (!alarm) return reply.code(404).send({ error: `no alarm ${id}` });
      if (!TRIAGE_ALARM_TYPES.includes(alarm.type))
        return reply.code(409).send({
          error: `alarm ${id} is a ${alarm.type} alarm: only ${TRIAGE_ALARM_TYPES.join(', ')} alarms are triaged`,
        });
      const { label, note } = request.body;
      const change = store.triage(id, {
        label,
        by,
        ...(note?.trim() ? { note: note.trim() } : {}),
      });
      logAction(request, id, 'triage', by, { label });
      return change.alarm;
    },
  );
}
