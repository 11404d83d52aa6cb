import type { Redis } from 'ioredis';
import { compileSchema } from '../../protocols/validation.js';
import { withDeadline } from '../../runtime/deadline.js';
import type { Logger } from '../../runtime/logger.js';
import { Pending, type NotifyOutbox } from '../notify/notify-part.js';

const checkPending = compileSchema(Pending);

/**
 * How long a call waits for Redis. Its connection queues commands while it reconnects, which could hold a
 * notification (and a clean stop) for as long as Redis is away: past this the call fails, the notification is sent
 * anyway and the failure logged.
 */
const REDIS_WAIT_MS = 2000;

const bounded = <T>(command: string, call: Promise<T>) =>
  withDeadline(call, REDIS_WAIT_MS, `Redis ${command}`);

/** The Redis hash of the notifications waiting for one webhook, by notification id. */
export function outboxKey(webhook: string): string {
  return `lookout:notify:outbox:${webhook}`;
}

/**
 * The notifications the leader has to send, in Redis, so that a new leader sends what a dead one left waiting,
 * under the same id (`X-Lookout-Notification-Id`, the body's `id`). One marked `sendingSince` (its request was out
 * when the old leader died) is not sent again: see NotifyOutbox in cloud/notify/notify-part.ts.
 */
export class RedisNotifyOutbox implements NotifyOutbox {
  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
  ) {}

  async add(item: Pending): Promise<void> {
    await bounded(
      'HSET',
      this.redis.hset(outboxKey(item.webhook), item.notification.id, JSON.stringify(item)),
    );
  }

  async remove(item: Pending): Promise<void> {
    await bounded('HDEL', this.redis.hdel(outboxKey(item.webhook), item.notification.id));
  }

  async waiting(webhook: string): Promise<Pending[]> {
    const entries = await bounded('HGETALL', this.redis.hgetall(outboxKey(webhook)));
    const items: Pending[] = [];
    for (const [id, text] of Object.entries(entries)) {
      const parsed = checkPending.parseJson(text);
      if (parsed.ok) items.push(parsed.value);
      else
        this.log.warn(
          { webhook, id, errors: parsed.errors },
          'unreadable notification in the outbox; skipped',
        );
    }
    return items.sort((a, b) => a.firstTs - b.firstTs);
  }
}
