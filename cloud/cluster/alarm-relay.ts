import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { Alarm, AlarmChangeMessage } from '../../protocols/api/alarms.js';
import { compileSchema } from '../../protocols/validation.js';
import type { Logger } from '../../runtime/logger.js';
import {
  AlarmUnavailableError,
  type AlarmAction,
  type AlarmsCluster,
  type AlarmsClusterHandlers,
} from '../alarms/alarms-part.js';
import { AlarmNotFoundError, type RaiseRequest } from '../alarms/alarm-store.js';
import type { Leadership } from './leadership.js';

const CHANNELS = {
  raise: 'lookout:alarms:raise',
  action: 'lookout:alarms:action',
  change: 'lookout:alarms:change',
  leader: 'lookout:alarms:leader',
  reply: (instance: string) => `lookout:alarms:reply:${instance}`,
};

/** How long a standby waits for the leader to apply an acknowledge or clear before answering 503. */
const ACTION_TIMEOUT_MS = 5000;

const checkChange = compileSchema(AlarmChangeMessage);
const checkAlarm = compileSchema(Alarm);

interface ActionRequest {
  requestId: string;
  replyTo: string;
  id: string;
  action: AlarmAction;
  by: string;
}
type ActionReply =
  | { requestId: string; alarm: Alarm }
  | { requestId: string; notFound: string }
  | { requestId: string; error: string };

/**
 * The alarm lifecycle of a cluster over Redis pub/sub: only the leader changes alarms. A standby forwards the raises
 * its own rules and fire alerts make, and the acknowledges and clears its operators make (answered when the leader
 * has applied them), and keeps its store in step with the changes the leader announces. Why forward rather than
 * let every instance write the shared store: one writer serialises every change of an alarm (an ack racing a
 * refresh cannot be lost under it), and the leader's fencing covers acks too. Pub/sub is at most once: raises sent
 * while no leader listens are kept by the standby and applied again when it takes over (a refresh when the
 * alarm exists, never a second alarm).
 */
export class AlarmRelay implements AlarmsCluster {
  readonly #pending = new Map<string, { resolve: (alarm: Alarm) => void; reject: (error: Error) => void }>();
  #handlers: AlarmsClusterHandlers | undefined;

  constructor(
    private readonly deps: {
      publisher: Redis;
      subscriber: Redis;
      instance: string;
      leadership: () => Leadership;
      log: Logger;
    },
  ) {}

  get leadership(): Leadership {
    return this.deps.leadership();
  }

  async start(handlers: AlarmsClusterHandlers): Promise<void> {
    this.#handlers = handlers;
    const { subscriber } = this.deps;
    if (subscriber.status !== 'ready') await once(subscriber, 'ready');
    subscriber.on('message', (channel: string, text: string) => this.#receive(channel, text));
    await subscriber.subscribe(
      CHANNELS.leader,
      CHANNELS.raise,
      CHANNELS.action,
      CHANNELS.change,
      CHANNELS.reply(this.deps.instance),
    );
  }

  async stop(): Promise<void> {
    this.#handlers = undefined;
    for (const { reject } of this.#pending.values())
      reject(new AlarmUnavailableError('this instance is stopping'));
    this.#pending.clear();
  }

  forwardRaise(request: RaiseRequest): void {
    this.#send(CHANNELS.raise, request);
  }

  forwardAction(id: string, action: AlarmAction, by: string): Promise<Alarm> {
    const requestId = randomUUID();
    return new Promise<Alarm>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(
          new AlarmUnavailableError(`the leader did not answer within ${ACTION_TIMEOUT_MS} ms (failover?)`),
        );
      }, ACTION_TIMEOUT_MS);
      this.#pending.set(requestId, {
        resolve: (alarm) => (clearTimeout(timer), resolve(alarm)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      const request: ActionRequest = { requestId, replyTo: this.deps.instance, id, action, by };
      this.#send(CHANNELS.action, request);
    });
  }

  announceLeader(): void {
    this.#send(CHANNELS.leader, { instance: this.deps.instance });
  }

  announce(change: AlarmChangeMessage): void {
    this.#send(CHANNELS.change, change);
  }

  #send(channel: string, message: unknown): void {
    this.deps.publisher.publish(channel, JSON.stringify(message)).catch((error: Error) => {
      this.deps.log.warn({ channel, err: error.message }, 'could not send to the cluster (Redis)');
    });
  }

  #receive(channel: string, text: string): void {
    const handlers = this.#handlers;
    if (!handlers) return;
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return this.deps.log.warn({ channel }, 'unreadable cluster message; ignored');
    }
    const leader = this.leadership.leader;
    if (channel === CHANNELS.raise) {
      if (leader) handlers.raise(message as RaiseRequest);
    } else if (channel === CHANNELS.leader) {
      if (!leader) handlers.newLeader();
    } else if (channel === CHANNELS.change) {
      if (!leader && checkChange.check(message)) handlers.change(message);
    } else if (channel === CHANNELS.action) {
      if (leader) void this.#answer(handlers, message as ActionRequest);
    } else {
      this.#settle(message as ActionReply);
    }
  }

  async #answer(handlers: AlarmsClusterHandlers, request: ActionRequest): Promise<void> {
    let reply: ActionReply;
    try {
      reply = {
        requestId: request.requestId,
        alarm: await handlers.action(request.id, request.action, request.by),
      };
    } catch (error) {
      reply =
        error instanceof AlarmNotFoundError
          ? { requestId: request.requestId, notFound: request.id }
          : { requestId: request.requestId, error: (error as Error).message };
    }
    this.#send(CHANNELS.reply(request.replyTo), reply);
  }

  #settle(reply: ActionReply): void {
    const pending = this.#pending.get(reply.requestId);
    if (!pending) return;
    this.#pending.delete(reply.requestId);
    if ('alarm' in reply && checkAlarm.check(reply.alarm)) pending.resolve(reply.alarm);
    else if ('notFound' in reply) pending.reject(new AlarmNotFoundError(reply.notFound));
    else
      pending.reject(
        new AlarmUnavailableError('error' in reply ? reply.error : 'invalid reply from the leader'),
      );
  }
}
