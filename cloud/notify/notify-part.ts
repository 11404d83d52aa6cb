import { createHmac } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { severityRank, type AlarmChangeMessage } from '../../protocols/api/alarms.js';
import {
  AlarmNotification,
  ReportNotification,
  type ReportsWritten,
} from '../../protocols/api/notifications.js';
import type { Logger } from '../../runtime/logger.js';
import { Counter, Gauge, type Registry } from '../../runtime/metrics.js';
import { backoffMs } from '../../runtime/retry.js';
import type { Part } from '../../runtime/service.js';
import { JsonLinesFile } from '../../runtime/json-lines-file.js';
import type { FeatureHealth } from '../core.js';
import type { CloudBus } from '../events.js';
import type { NotifyConfig, WebhookConfig } from './config.js';
import { requestBody, toNotification, toReportNotification } from './format.js';
import type { Language } from '../i18n/index.js';
import type { Leadership } from '../cluster/leadership.js';
import { alarmPoint, inArea, unknownCommunes, type Communes, type LatLon } from './area.js';

/** A notification waiting for its webhook (also the line format of the spill file and of a cluster's outbox). */
export const Pending = Type.Object(
  {
    webhook: Type.String(),
    notification: Type.Union([AlarmNotification, ReportNotification]),
    firstTs: Type.Integer(),
    attempts: Type.Integer({ minimum: 0 }),
    /** Cluster outbox: a request for it started then (it may have arrived), not answered yet. */
    sendingSince: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type Pending = Static<typeof Pending>;

/**
 * Cluster mode: the notifications the leader has to send, kept where the next leader finds them
 * (cloud/cluster/notify-outbox.ts, Redis). Added when queued, marked (`sendingSince`) while a request for it is
 * out, removed when done with (sent, refused, expired, dropped); one a deposed leader may not send stays for the
 * next. A next leader does not send one that was marked: the dead leader may have delivered it, and a notification
 * is never sent twice (a ranger's chat would show it twice).
 */
export interface NotifyOutbox {
  add(item: Pending): Promise<void>;
  remove(item: Pending): Promise<void>;
  /** Every notification waiting for `webhook`, oldest first. */
  waiting(webhook: string): Promise<Pending[]>;
}

type Outcome = 'sent' | 'retried' | 'rejected' | 'expired' | 'dropped' | 'fenced' | 'uncertain';

export interface NotifyOptions {
  config: NotifyConfig;
  bus: CloudBus;
  log: Logger;
  registry: Registry;
  /** Where notifications not delivered at stop are kept for the next start; none = lost at stop (logged). */
  spillFile?: string;
  /** Zone names (from the zone files) by zone id, read at start: texts name zones, not ids. */
  zoneNames?: () => Promise<ReadonlyMap<string, string>>;
  /** The communes of `config.communesFile`, read at start when a webhook's area names some. */
  communes?: () => Promise<Communes>;
  /** A camera's position as its edge reported it (cloud/cameras), for alarms whose details have none. */
  cameraPosition?: (edgeId: string, cameraId: string) => LatLon | undefined;
  clock?: () => number;
  /**
   * Cluster mode: checked (a Redis round trip) right before each request: an instance that no longer holds the
   * lease sends nothing (the new leader notifies what it creates). Absent: a single process, always sends.
   */
  leadership?: Leadership;
  /** Cluster mode (with `leadership`): where waiting notifications outlive this instance; replaces the spill file. */
  outbox?: NotifyOutbox;
}

/** This instance lost the lead: the notification is not sent by it. */
class FencedError extends Error {}

class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** `Retry-After`: seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** One webhook: a FIFO delivered in order, one request at a time, retried with backoff. */
class WebhookDelivery {
  readonly queue: Pending[] = [];
  delivered = 0;
  lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #failures = 0;
  #running = true;

  constructor(
    readonly webhook: WebhookConfig,
    private readonly deps: {
      retry: NotifyConfig['retry'];
      maxQueued: number;
      log: Logger;
      clock: () => number;
      count: (outcome: Outcome) => void;
      queued: (size: number) => void;
      leadership?: Leadership;
      outbox?: NotifyOutbox;
    },
  ) {}

  wants(change: AlarmChangeMessage, point: LatLon | undefined, communes: Communes): boolean {
    const { webhook } = this;
    return (
      webhook.kinds.includes(change.kind) &&
      (!webhook.types || webhook.types.includes(change.alarm.type)) &&
      severityRank(change.alarm.severity) >= severityRank(webhook.minSeverity) &&
      (!webhook.area || inArea(webhook.area, change.alarm, point, communes))
    );
  }

  enqueue(item: Pending): void {
    this.#keep(item);
    this.queue.push(item);
    if (this.queue.length > this.deps.maxQueued) {
      // The oldest one waiting: the head may be on its way right now.
      const [dropped] = this.queue.splice(this.#sending ? 1 : 0, 1);
      this.deps.count('dropped');
      this.#forget(dropped!);
      this.deps.log.error(
        { webhook: this.webhook.name, notification: dropped!.notification.id, max: this.deps.maxQueued },
        'notification queue full: the oldest waiting notification is dropped',
      );
    }
    this.deps.queued(this.queue.length);
    this.#pump();
  }

  /**
   * A new leader takes what the old one left waiting (its own queue may hold some of them already: skipped). They
   * go after the head in flight, in their order: they are older than anything this instance queued.
   */
  adopt(items: Pending[]): number {
    const queued = new Set(this.queue.map((item) => item.notification.id));
    const fresh = items.filter((item) => !queued.has(item.notification.id));
    for (const item of fresh.filter((candidate) => candidate.sendingSince !== undefined)) {
      this.deps.count('uncertain');
      this.#forget(item);
      this.deps.log.warn(
        { webhook: this.webhook.name, notification: item.notification.id, sendingSince: item.sendingSince },
        'the previous leader was sending this notification when it stopped: it may have arrived, so it is not sent again',
      );
    }
    const adopted = fresh.filter((item) => item.sendingSince === undefined);
    if (adopted.length === 0) return 0;
    const start = this.#sending || this.#timer ? 1 : 0;
    this.queue.splice(start, 0, ...adopted);
    this.deps.queued(this.queue.length);
    this.#pump();
    return adopted.length;
  }

  #keep(item: Pending): void {
    this.deps.outbox?.add(item).catch((error: Error) => {
      this.deps.log.warn(
        { webhook: this.webhook.name, notification: item.notification.id, err: error.message },
        'could not keep a notification in the cluster outbox: if this instance dies before sending it, it is lost',
      );
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#sending;
  }

  #pump(): void {
    if (!this.#running || this.#sending || this.#timer) return;
    const head = this.queue[0];
    if (!head) return;
    const { retry, log, clock, count } = this.deps;
    if (clock() - head.firstTs > retry.maxAgeS * 1000) {
      this.#finish('expired');
      log.error(
        {
          webhook: this.webhook.name,
          notification: head.notification.id,
          attempts: head.attempts,
          lastError: this.lastError,
        },
        'notification not delivered in time: given up',
      );
      return this.#pump();
    }
    head.attempts += 1;
    this.#sending = this.#send(head).then(
      () => {
        this.#failures = 0;
        this.lastError = undefined;
        this.delivered += 1;
        this.#finish('sent');
      },
      (error: DeliveryError | FencedError) => {
        this.lastError = error.message;
        if (error instanceof FencedError) {
          this.#finish('fenced');
          log.warn(
            { webhook: this.webhook.name, notification: head.notification.id },
            'not the leader any more: notification not sent by this instance',
          );
          return;
        }
        if (!error.retryable) {
          this.#finish('rejected');
          log.error(
            { webhook: this.webhook.name, notification: head.notification.id, err: error.message },
            'webhook refused the notification: not retried (fix the webhook config)',
          );
          return;
        }
        count('retried');
        this.#keep(head); // not delivered: the next leader may send it
        this.#failures += 1;
        const delay = Math.min(
          retry.maxMs,
          error.retryAfterMs ?? backoffMs(this.#failures, retry.minMs, retry.maxMs),
        );
        const details = {
          webhook: this.webhook.name,
          notification: head.notification.id,
          attempt: head.attempts,
          retryInMs: delay,
          err: error.message,
        };
        if (this.#failures === 1) log.warn(details, 'could not deliver a notification; retrying');
        else log.debug(details, 'notification delivery retry failed');
        if (this.#running) this.#timer = setTimeout(() => ((this.#timer = undefined), this.#pump()), delay);
      },
    );
    void this.#sending.finally(() => {
      this.#sending = undefined;
      this.#pump();
    });
  }

  #finish(outcome: Outcome): void {
    const done = this.queue.shift();
    this.deps.count(outcome);
    this.deps.queued(this.queue.length);
    // Fenced: not this instance's to send any more, but the next leader's.
    if (done && outcome !== 'fenced') this.#forget(done);
  }

  #forget(item: Pending): void {
    this.deps.outbox?.remove(item).catch((error: Error) => {
      this.deps.log.warn(
        { webhook: this.webhook.name, notification: item.notification.id, err: error.message },
        'could not remove a notification from the cluster outbox: the next leader may send it again (same id)',
      );
    });
  }

  async #send(item: Pending): Promise<void> {
    const { notification } = item;
    const { webhook } = this;
    const { leadership, outbox, clock } = this.deps;
    if (leadership && !(await leadership.fence())) throw new FencedError('this instance no longer leads');
    await outbox?.add({ ...item, sendingSince: clock() }).catch((error: Error) => {
      this.deps.log.warn(
        { webhook: webhook.name, notification: notification.id, err: error.message },
        'could not mark a notification as being sent in the cluster outbox: if this instance dies now, the next leader sends it again',
      );
    });
    const body = requestBody(webhook, notification);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-lookout-notification-id': notification.id,
      ...webhook.headers,
    };
    if (webhook.secret)
      headers['x-lookout-signature'] =
        `sha256=${createHmac('sha256', webhook.secret).update(body).digest('hex')}`;
    let response: Response;
    try {
      response = await fetch(webhook.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(webhook.timeoutMs),
      });
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      throw new DeliveryError(`${(error as Error).message}${cause ? `: ${cause.message}` : ''}`, true);
    }
    if (response.ok) {
      await response.body?.cancel();
      return;
    }
    const excerpt = (await response.text().catch(() => '')).slice(0, 200);
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    throw new DeliveryError(
      `HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`,
      retryable,
      retryAfterMs(response.headers.get('retry-after'), this.deps.clock()),
    );
  }
}

/**
 * Tells people about alarms where they are: every alarm change on the bus (`alarmChange`, from cloud/alarms)
 * that a webhook wants (kinds, types, minimum severity) is POSTed to it, in order, retried with backoff until
 * delivered or `retry.maxAgeS` old; notifications still waiting at stop are kept in the spill file and sent
 * after the next start. Restored alarms are not changes, so a restart does not notify again.
 */
export class NotifyPart implements Part {
  readonly name = 'notify';
  readonly #deliveries: WebhookDelivery[];
  readonly #spill: JsonLinesFile<typeof Pending> | undefined;
  readonly #clock: () => number;
  #unsubscribe: Array<() => void> = [];
  #zoneNames: ReadonlyMap<string, string> = new Map();
  #communes: Communes = new Map();

  constructor(private readonly options: NotifyOptions) {
    const { config, log, registry } = options;
    config.webhooks.forEach((webhook, index) => {
      if (webhook.format === 'telegram' && !webhook.chatId)
        throw new Error(`cloud.notify.webhooks[${index}] (${webhook.name}): format telegram needs chatId`);
    });
    const names = config.webhooks.map((webhook) => webhook.name);
    const duplicate = names.find((name, index) => names.indexOf(name) !== index);
    if (duplicate) throw new Error(`cloud.notify.webhooks: the name "${duplicate}" is used twice`);
    const registers = [registry];
    const outcomes = new Counter({
      name: 'lookout_cloud_notifications_total',
      help: 'Alarm notifications by webhook and outcome (sent, retried attempt, rejected by the webhook, expired, dropped from a full queue, fenced: not sent by a deposed cluster leader, uncertain: a dead leader was sending it, not sent again)',
      labelNames: ['webhook', 'outcome'],
      registers,
    });
    const queued = new Gauge({
      name: 'lookout_cloud_notifications_queued',
      help: 'Alarm notifications waiting for their webhook',
      labelNames: ['webhook'],
      registers,
    });
    const clock = (this.#clock = options.clock ?? Date.now);
    this.#deliveries = config.webhooks.map(
      (webhook) =>
        new WebhookDelivery(webhook, {
          retry: config.retry,
          maxQueued: config.maxQueued,
          log,
          clock,
          count: (outcome) => outcomes.inc({ webhook: webhook.name, outcome }),
          queued: (size) => queued.set({ webhook: webhook.name }, size),
          leadership: options.leadership,
          outbox: options.outbox,
        }),
    );
    // In a cluster the outbox keeps what waits; a spill file would be sent again by this instance later on.
    this.#spill =
      options.spillFile && !options.outbox ? new JsonLinesFile(options.spillFile, Pending) : undefined;
  }

  async start(): Promise<void> {
    this.#zoneNames =
      (await this.options.zoneNames?.().catch((error: unknown) => {
        this.options.log.warn({ err: error }, 'zone names not read: notifications name zones by id');
        return undefined;
      })) ?? new Map();
    await this.#readCommunes();
    await this.#readSpill();
    this.#unsubscribe = [
      this.options.bus.on('alarmChange', (change) => this.#onChange(change)),
      this.options.bus.on('reportsWritten', (written) => this.#onReports(written)),
    ];
    const { leadership, outbox } = this.options;
    if (leadership && outbox) {
      this.#unsubscribe.push(
        leadership.onChange((state) => (state.leader ? void this.#adoptOutbox(outbox) : undefined)),
      );
      if (leadership.leader) await this.#adoptOutbox(outbox);
    }
    if (this.#deliveries.length > 0)
      this.options.log.info(
        { webhooks: this.#deliveries.map((d) => d.webhook.name) },
        'alarm notifications on',
      );
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    await Promise.all(this.#deliveries.map((delivery) => delivery.stop()));
    const waiting = this.#deliveries.flatMap((delivery) => delivery.queue);
    if (waiting.length === 0) return this.#spill?.remove();
    if (!this.#spill)
      return this.options.log.error(
        { lost: waiting.length },
        'stopping with undelivered notifications and no spill file: they are lost',
      );
    await this.#spill.write(waiting);
    this.options.log.warn(
      { file: this.#spill.file, notifications: waiting.length },
      'undelivered notifications kept on disk; sent after the next start',
    );
  }

  health(): FeatureHealth {
    const webhooks = Object.fromEntries(
      this.#deliveries.map((d) => [
        d.webhook.name,
        { queued: d.queue.length, delivered: d.delivered, lastError: d.lastError },
      ]),
    );
    const failing = this.#deliveries.some((d) => d.lastError !== undefined);
    return { status: failing ? 'degraded' : 'ok', webhooks };
  }

  /** The communes webhooks name; a name the file lacks (or no file) stops the start with the webhook named. */
  async #readCommunes(): Promise<void> {
    const { config, communes } = this.options;
    const named = config.webhooks.filter((webhook) => webhook.area?.communes);
    if (named.length === 0) return;
    if (!config.communesFile || !communes)
      throw new Error(
        `cloud.notify.webhooks: ${named.map((w) => w.name).join(', ')} name communes but cloud.notify.communesFile is not set`,
      );
    this.#communes = await communes();
    for (const webhook of named) {
      const unknown = unknownCommunes(webhook.area!, this.#communes);
      if (unknown.length > 0)
        throw new Error(
          `cloud.notify.webhooks ${webhook.name}: area.communes ${unknown.map((n) => `"${n}"`).join(', ')} not in ${config.communesFile} (it has ${this.#communes.size} communes)`,
        );
    }
  }

  #onChange(change: AlarmChangeMessage): void {
    const point = alarmPoint(change.alarm, this.options.cameraPosition);
    const wanting = this.#deliveries.filter((delivery) => delivery.wants(change, point, this.#communes));
    if (wanting.length === 0) return;
    const firstTs = this.#clock();
    const zoneName = (id: string) => this.#zoneNames.get(id);
    const byLanguage = new Map<Language, AlarmNotification>();
    for (const delivery of wanting) {
      const { lang } = delivery.webhook;
      let notification = byLanguage.get(lang);
      if (!notification) {
        notification = toNotification(change, this.options.config.publicUrl, { lang, zoneName });
        byLanguage.set(lang, notification);
      }
      delivery.enqueue({ webhook: delivery.webhook.name, notification, firstTs, attempts: 0 });
    }
  }

  /** This instance leads now: it sends what the previous leader left waiting (same ids: receivers can tell). */
  async #adoptOutbox(outbox: NotifyOutbox): Promise<void> {
    const { log } = this.options;
    for (const delivery of this.#deliveries) {
      try {
        const adopted = delivery.adopt(await outbox.waiting(delivery.webhook.name));
        if (adopted > 0)
          log.warn(
            { webhook: delivery.webhook.name, notifications: adopted },
            'sending the notifications the previous leader left waiting',
          );
      } catch (error) {
        log.error(
          { webhook: delivery.webhook.name, err: (error as Error).message },
          'could not read the cluster outbox: notifications the previous leader left waiting are not sent',
        );
      }
    }
  }

  #onReports(written: ReportsWritten): void {
    const firstTs = this.#clock();
    for (const delivery of this.#deliveries.filter((d) => d.webhook.reports)) {
      const notification = toReportNotification(
        written,
        this.options.config.publicUrl,
        delivery.webhook.lang,
      );
      delivery.enqueue({ webhook: delivery.webhook.name, notification, firstTs, attempts: 0 });
    }
  }

  async #readSpill(): Promise<void> {
    const spill = this.#spill;
    if (!spill) return;
    const { log } = this.options;
    const kept =
      (await spill.read((line, errors) =>
        log.warn({ file: spill.file, line, errors }, 'invalid notification in the spill file; skipped'),
      )) ?? [];
    await spill.remove();
    for (const item of kept) {
      const delivery = this.#deliveries.find((d) => d.webhook.name === item.webhook);
      if (delivery) delivery.enqueue(item);
      else
        log.warn(
          { webhook: item.webhook, notification: item.notification.id },
          'kept notification for a webhook no longer configured; dropped',
        );
    }
    if (kept.length > 0)
      log.info(
        { file: spill.file, notifications: kept.length },
        'notifications kept at the last stop are being sent',
      );
  }
}
