import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alarm, AlarmChangeMessage } from '../../protocols/api/alarms.js';
import { compileSchema } from '../../protocols/validation.js';
import { loadConfigSection, validateConfigSection } from '../../runtime/config.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { capturingLogger, metricValue } from '../support/cloud-fixtures.js';
import { waitFor } from '../support/wait.js';
import { WebhookReceiver } from '../../simulators/notifications/webhook-receiver.js';
import { createCloudBus } from '../../cloud/events.js';
import { CloudConfig } from '../../cloud/config.js';
import { NotifyConfig } from '../../cloud/notify/config.js';
import { describeAlarm } from '../../cloud/notify/format.js';
import {
  NotifyPart,
  type NotifyOptions,
  type NotifyOutbox,
  type Pending,
} from '../../cloud/notify/notify-part.js';
import type { Leadership } from '../../cloud/cluster/leadership.js';

/** An outbox in memory, as Redis keeps it (cloud/cluster/notify-outbox.ts): by webhook and notification id. */
class MemoryOutbox implements NotifyOutbox {
  readonly items = new Map<string, Pending>();
  async add(item: Pending): Promise<void> {
    this.items.set(`${item.webhook}|${item.notification.id}`, structuredClone(item));
  }
  async remove(item: Pending): Promise<void> {
    this.items.delete(`${item.webhook}|${item.notification.id}`);
  }
  async waiting(webhook: string): Promise<Pending[]> {
    return [...this.items.values()].filter((item) => item.webhook === webhook);
  }
}

/** A lease this test hands over by hand. */
function handLeadership(leader: boolean): Leadership & { lead(): void } {
  const listeners: Array<(state: { leader: boolean; epoch: number }) => void> = [];
  const state = { leader, epoch: leader ? 1 : 0 };
  return {
    get leader() {
      return state.leader;
    },
    get epoch() {
      return state.epoch;
    },
    onChange(listener) {
      listeners.push(listener);
      return () => undefined;
    },
    fence: async () => state.leader,
    lead() {
      state.leader = true;
      state.epoch = 2;
      for (const listener of listeners) listener({ ...state });
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = new WebhookReceiver();
  await r.start();
  cleanups.push(() => r.stop());
  return r;
}

function alarm(overrides: Partial<Alarm> = {}): Alarm {
  return {
    id: 'a1',
    originator: 'camera:edge-1/cam-2',
    type: 'fire',
    severity: 'CRITICAL',
    status: 'ACTIVE_UNACK',
    startTs: Date.UTC(2026, 10, 28, 3, 41, 20),
    lastTs: Date.UTC(2026, 10, 28, 3, 41, 20),
    createdAt: 1000,
    updatedAt: 1000,
    count: 1,
    details: {
      className: 'smoke',
      confidence: 0.89,
      bearingToFireDeg: 251.6,
      snapshot: 'edge-1/x-new-1.jpg',
    },
    ...overrides,
  };
}

const change = (kind: AlarmChangeMessage['kind'], overrides: Partial<Alarm> = {}): AlarmChangeMessage => ({
  kind,
  alarm: alarm(overrides),
});

function makePart(
  config: Record<string, unknown>,
  options: Pick<NotifyOptions, 'spillFile' | 'clock' | 'leadership' | 'outbox'> = {},
) {
  const parsed = compileSchema(NotifyConfig).parseValue({ retry: { minMs: 10, maxMs: 50 }, ...config });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const bus = createCloudBus();
  const registry = createMetricsRegistry('cloud', false);
  const { log, lines } = capturingLogger('debug');
  const part = new NotifyPart({ config: parsed.value, bus, log, registry, ...options });
  return {
    part,
    bus,
    registry,
    lines,
    outcome: async (webhook: string, outcome: string) =>
      metricValue(await registry.metrics(), 'lookout_cloud_notifications_total', { webhook, outcome }) ?? 0,
  };
}

async function started(made: ReturnType<typeof makePart>): Promise<ReturnType<typeof makePart>> {
  await made.part.start();
  cleanups.push(() => made.part.stop());
  return made;
}

describe('alarm notifications to webhooks', () => {
  it('the documented example config equals the defaults (webhooks commented out)', async () => {
    const example = fileURLToPath(new URL('../../lookout.example.yaml', import.meta.url));
    expect((await loadConfigSection(example, 'cloud', CloudConfig)).notify).toEqual(
      validateConfigSection('defaults', {}, 'cloud', CloudConfig).notify,
    );
  });

  it('POSTs the changes a webhook wants, signed, with its headers, a readable text and links; others not', async () => {
    const hook = await receiver();
    const { bus } = await started(
      makePart({
        publicUrl: 'https://lookout.example.vn/',
        webhooks: [
          {
            name: 'rangers',
            url: hook.url,
            secret: 'a-long-enough-secret',
            headers: { authorization: 'Bearer t0ken' },
            minSeverity: 'MAJOR',
          },
        ],
      }),
    );
    bus.emit('alarmChange', change('created'));
    bus.emit('alarmChange', change('refreshed')); // not in the default kinds
    bus.emit('alarmChange', change('created', { id: 'a2', severity: 'MINOR' })); // below minSeverity
    bus.emit(
      'alarmChange',
      change('escalated', {
        id: 'a3',
        type: 'closed_area',
        originator: 'vessel:574300015',
        details: {
          mmsi: 574300015,
          name: 'Intruder',
          registration: 'CM-90015-TS',
          zoneName: 'Hon Khoai closed area',
          lat: 8.39572,
          lon: 104.8,
        },
      }),
    );
    await waitFor(() => hook.received.length >= 2, 15_000, 'two deliveries');
    const [fire, vessel] = hook.json();
    expect(fire).toEqual({
      version: 1,
      id: 'a1:created:1000',
      kind: 'created',
      alarm: alarm(),
      // Vietnamese unless the webhook says `lang: en`; Vietnam's time with its offset.
      text: '[KHẨN CẤP] Cháy / khói: camera edge-1/cam-2 - khói 89 %, hướng 252° tính từ camera - từ 10:41 28/11/2026 (GMT+7)',
      link: 'https://lookout.example.vn/#alarm=a1',
      snapshotUrl: 'https://lookout.example.vn/api/v1/fire/snapshots/edge-1/x-new-1.jpg',
    });
    expect(vessel!.text).toBe(
      'NÂNG MỨC [KHẨN CẤP] Vào vùng cấm: Intruder (CM-90015-TS), MMSI 574300015 - vùng Hon Khoai closed area, tại 8°23′45″ B, 104°48′00″ Đ - từ 10:41 28/11/2026 (GMT+7)',
    );
    const first = hook.received[0]!;
    expect(first.headers['x-lookout-signature']).toBe(
      `sha256=${createHmac('sha256', 'a-long-enough-secret').update(first.body).digest('hex')}`,
    );
    expect(first.headers.authorization).toBe('Bearer t0ken');
    expect(first.headers['x-lookout-notification-id']).toBe('a1:created:1000');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hook.received).toHaveLength(2);
  });

  it('slack and telegram bodies; telegram without chatId and duplicate names are refused at start-up', async () => {
    const slack = await receiver();
    const telegram = await receiver();
    const { bus } = await started(
      makePart({
        webhooks: [
          { name: 'chat', url: slack.url, format: 'slack', types: ['fire'] },
          { name: 'tg', url: telegram.url, format: 'telegram', chatId: '-100123', lang: 'en' },
        ],
      }),
    );
    bus.emit('alarmChange', change('created'));
    bus.emit(
      'alarmChange',
      change('created', {
        id: 'v',
        type: 'signal_loss',
        originator: 'vessel:1',
        details: { mmsi: 1, silentForH: 6 },
      }),
    );
    await waitFor(() => slack.received.length === 1 && telegram.received.length === 2, 15_000, 'deliveries');
    expect(JSON.parse(slack.received[0]!.body)).toEqual({ text: describeAlarm(change('created')) });
    expect(JSON.parse(telegram.received[1]!.body)).toEqual({
      chat_id: '-100123',
      text: '[CRITICAL] Signal lost: unregistered vessel, MMSI 1 - silent for 6 h - since 10:41 28/11/2026 (GMT+7)',
      disable_web_page_preview: true,
    });
    expect(() => makePart({ webhooks: [{ name: 'tg', url: telegram.url, format: 'telegram' }] })).toThrow(
      'cloud.notify.webhooks[0] (tg): format telegram needs chatId',
    );
    expect(() =>
      makePart({
        webhooks: [
          { name: 'x', url: slack.url },
          { name: 'x', url: slack.url },
        ],
      }),
    ).toThrow('the name "x" is used twice');
  });

  it('retries 5xx, 429 and a refused connection with backoff, in order; a 4xx is not retried', async () => {
    const hook = await receiver();
    const port = hook.port;
    await hook.stop(); // nothing listens at first: connection refused
    const made = await started(
      makePart({ webhooks: [{ name: 'ops', url: `http://127.0.0.1:${port}/hook` }] }),
    );
    made.bus.emit('alarmChange', change('created', { id: 'first' }));
    made.bus.emit('alarmChange', change('created', { id: 'bad' }));
    made.bus.emit('alarmChange', change('created', { id: 'last' }));
    await waitFor(async () => (await made.outcome('ops', 'retried')) >= 2, 15_000, 'failed attempts');
    expect(made.part.health()).toMatchObject({
      status: 'degraded',
      webhooks: { ops: { queued: 3, delivered: 0, lastError: expect.stringContaining('ECONNREFUSED') } },
    });
    const answers = [{ status: 503 }, { status: 429, headers: { 'retry-after': '0' } }];
    hook.answer = (request, index) =>
      index < answers.length
        ? answers[index]!
        : JSON.parse(request.body).alarm.id === 'bad'
          ? { status: 400, body: 'chat_id missing' }
          : { status: 200 };
    await hook.start(port);
    await waitFor(
      () =>
        made.part.health().webhooks &&
        (made.part.health().webhooks as Record<string, { queued: number }>).ops!.queued === 0,
      15_000,
      'queue drained',
    );
    const ids = hook.json().map((n) => n.alarm.id);
    expect(ids).toEqual(['first', 'first', 'first', 'bad', 'last']);
    expect(await made.outcome('ops', 'sent')).toBe(2);
    expect(await made.outcome('ops', 'rejected')).toBe(1);
    expect(
      made.lines.some(
        (l) =>
          l.level === 50 &&
          /not retried/.test(String(l.msg)) &&
          /HTTP 400: chat_id missing/.test(String(l.err)),
      ),
    ).toBe(true);
    expect(made.part.health().status).toBe('ok');
  });

  it('keeps undelivered notifications on disk at stop and sends them after the next start', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'notify-spill-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const spillFile = path.join(dir, 'notify', 'pending.ndjson');
    const hook = await receiver();
    hook.answer = () => ({ status: 502 });
    const first = makePart({ webhooks: [{ name: 'ops', url: hook.url }] }, { spillFile });
    await first.part.start();
    first.bus.emit('alarmChange', change('created', { id: 'k1' }));
    first.bus.emit('alarmChange', change('escalated', { id: 'k2' }));
    await waitFor(async () => (await first.outcome('ops', 'retried')) >= 1, 15_000, 'a failed attempt');
    await first.part.stop();
    expect((await readFile(spillFile, 'utf8')).trim().split('\n')).toHaveLength(2);

    hook.answer = () => ({ status: 200 });
    const before = hook.received.length;
    const second = await started(makePart({ webhooks: [{ name: 'ops', url: hook.url }] }, { spillFile }));
    await waitFor(() => hook.received.length === before + 2, 15_000, 'kept notifications delivered');
    expect(
      hook
        .json()
        .slice(before)
        .map((n) => n.id),
    ).toEqual(['k1:created:1000', 'k2:escalated:1000']);
    expect(await second.outcome('ops', 'sent')).toBe(2);
    await expect(readFile(spillFile)).rejects.toThrow(/ENOENT/);
  });

  it('cluster: a new leader sends what the old one left waiting, but not one it was sending when it stopped', async () => {
    const hook = await receiver();
    const outbox = new MemoryOutbox();
    // What a dead leader left: one queued (never tried), one refused once (retrying), one whose request was out.
    const left = (id: string, extra: Partial<Pending> = {}): Pending => ({
      webhook: 'ops',
      notification: {
        version: 1,
        id,
        kind: 'created',
        alarm: alarm({ id }),
        text: `alarm ${id}`,
      },
      firstTs: Date.now(),
      attempts: 0,
      ...extra,
    });
    await outbox.add(left('queued'));
    await outbox.add(left('retrying', { attempts: 1 }));
    await outbox.add(left('in-flight', { attempts: 1, sendingSince: Date.now() }));
    const leadership = handLeadership(false);
    const next = await started(
      makePart({ webhooks: [{ name: 'ops', url: hook.url }] }, { leadership, outbox }),
    );
    expect(hook.received).toHaveLength(0); // a standby sends nothing

    leadership.lead();
    await waitFor(() => outbox.items.size === 0, 15_000, 'the outbox emptied');
    expect(
      hook
        .json()
        .map((n) => n.id)
        .sort(),
    ).toEqual(['queued', 'retrying']);
    expect(await next.outcome('ops', 'sent')).toBe(2);
    expect(await next.outcome('ops', 'uncertain')).toBe(1);
  });

  it('drops the oldest waiting beyond maxQueued (not the one being sent) and gives up after maxAgeS, counted', async () => {
    const hook = await receiver();
    hook.answer = () => ({ status: 500 });
    let now = 1_000_000;
    const made = await started(
      makePart(
        {
          maxQueued: 2,
          retry: { minMs: 10, maxMs: 20, maxAgeS: 60 },
          webhooks: [{ name: 'ops', url: hook.url }],
        },
        { clock: () => now },
      ),
    );
    for (const id of ['q1', 'q2', 'q3']) made.bus.emit('alarmChange', change('created', { id }));
    expect(await made.outcome('ops', 'dropped')).toBe(1);
    expect(
      made.lines.some((l) => l.notification === 'q2:created:1000' && /queue full/.test(String(l.msg))),
    ).toBe(true);
    await waitFor(async () => (await made.outcome('ops', 'retried')) >= 1, 15_000, 'a failed attempt');
    now += 61_000;
    await waitFor(async () => (await made.outcome('ops', 'expired')) === 2, 15_000, 'q1 and q3 expired');
    expect(new Set(hook.json().map((n) => n.alarm.id))).toEqual(new Set(['q1']));
    expect(await made.outcome('ops', 'sent')).toBe(0);
  });
});
