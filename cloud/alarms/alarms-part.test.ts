import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InfluxDB, IPoint } from 'influx';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpApp, type HttpApp } from '../../runtime/http-server.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { capturingLogger, metricValue } from '../../tests/support/cloud-fixtures.js';
import { waitFor } from '../../tests/support/wait.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { RaiseRequest } from './alarm-store.js';
import { AlarmsPart } from './alarms-part.js';
import { registerAlarmRoutes } from './routes.js';

/**
 * A fake InfluxDB (unit test): keeps written alarm events in memory and fails every call while `down`, the
 * way the real client does when nothing listens (ECONNREFUSED). The real path is in
 * tests/fisheries/restore-outage.test.ts.
 */
class FakeInflux {
  down = false;
  calls = 0;
  readonly events: IPoint[] = [];

  #check(): void {
    this.calls++;
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:8086');
  }

  async getDatabaseNames(): Promise<string[]> {
    this.#check();
    return this.events.length > 0 ? ['lookout'] : [];
  }

  async query(): Promise<Array<{ json: unknown }>> {
    this.#check();
    return this.events.map((point) => ({ json: point.fields?.json }));
  }

  async writePoints(points: IPoint[]): Promise<void> {
    this.#check();
    this.events.push(...points);
  }

  kinds(alarmId: string): string[] {
    return this.events.filter((p) => p.tags?.alarm_id === alarmId).map((p) => String(p.tags?.kind));
  }
}

const closedArea = (
  mmsi: number,
  ts: number,
  severity: RaiseRequest['severity'] = 'CRITICAL',
): RaiseRequest => ({
  originator: `vessel:${mmsi}`,
  type: 'closed_area',
  severity,
  ts,
  details: { zoneId: 'hon-khoai' },
});

const started: AlarmsPart[] = [];

function makePart(
  influx: FakeInflux,
  restore: { maxHeld?: number } = {},
  spillFile?: string,
  stateFile?: string,
) {
  const { log, lines } = capturingLogger('debug');
  const registry = createMetricsRegistry('cloud', false);
  const published: string[] = [];
  let now = 1_000_000;
  const part = new AlarmsPart({
    influx: influx as unknown as InfluxDB,
    database: 'lookout',
    log,
    registry,
    publish: async (topic) => void published.push(topic),
    clock: () => now++,
    retryMs: 10,
    restore: { retryMinMs: 5, retryMaxMs: 20, ...restore },
    spillFile,
    stateFile,
  });
  started.push(part);
  return { part, lines, registry, published };
}

/** A store that ran before the restart: its alarm events are in the fake InfluxDB. */
async function previousRun(influx: FakeInflux, requests: RaiseRequest[]): Promise<Alarm[]> {
  const { part } = makePart(influx);
  await part.start();
  for (const request of requests) part.raise(request);
  await part.flushed();
  await part.stop();
  return part.store.list();
}

async function withRoutes(part: AlarmsPart): Promise<HttpApp> {
  const app = createHttpApp({
    log: capturingLogger('silent').log,
    registry: createMetricsRegistry('test', false),
    health: () => ({ status: 'ok' }),
  });
  await app.register(async (api) => registerAlarmRoutes(api as unknown as HttpApp, part), {
    prefix: '/api/v1',
  });
  await app.ready();
  return app;
}

afterEach(async () => {
  for (const part of started.splice(0)) await part.stop();
});

describe('AlarmsPart rebuild from InfluxDB', () => {
  it('is ready after start when InfluxDB answers, and raises apply at once', async () => {
    const influx = new FakeInflux();
    const [before] = await previousRun(influx, [closedArea(1, 100)]);
    const { part } = makePart(influx);
    await part.start();
    expect(part.isReady).toBe(true);
    expect(part.raise(closedArea(1, 200))?.alarm).toMatchObject({ id: before!.id, count: 2 });
  });

  it('starts without InfluxDB, holds raises, and applies them in order after the rebuild: no duplicate alarm', async () => {
    const influx = new FakeInflux();
    const [before] = await previousRun(influx, [closedArea(1, 100)]);
    influx.down = true;
    const { part, lines, registry } = makePart(influx);
    await part.start();
    expect(part.isReady).toBe(false);
    expect(
      lines.some(
        (l) =>
          l.level === 50 &&
          /could not rebuild alarms from InfluxDB; retrying in the background/.test(String(l.msg)),
      ),
    ).toBe(true);

    // The condition of the alarm raised before the restart recurs, a more severe one for a new vessel follows.
    expect(part.raise(closedArea(1, 300))).toBeUndefined();
    expect(part.raise(closedArea(2, 310, 'MAJOR'))).toBeUndefined();
    expect(part.raise(closedArea(2, 320, 'CRITICAL'))).toBeUndefined();
    expect(part.store.size).toBe(0);
    expect(part.heldRaises).toBe(3);
    const metrics = await registry.metrics();
    expect(metricValue(metrics, 'lookout_cloud_alarms_restore_pending')).toBe(1);
    expect(metricValue(metrics, 'lookout_cloud_alarm_raises_held')).toBe(3);
    expect(metricValue(metrics, 'lookout_cloud_alarm_raises_held_total')).toBe(3);
    expect(part.health()).toMatchObject({
      status: 'degraded',
      restoring: true,
      heldRaises: 3,
      lastError: expect.stringContaining('ECONNREFUSED'),
    });

    // Several background attempts fail while InfluxDB is down, then one succeeds.
    await waitFor(() => part.health().restoreAttempts >= 3, 15_000, 'background retries');
    influx.down = false;
    await part.ready;
    expect(part.isReady).toBe(true);
    const alarms = part.store.list({ originator: 'vessel:1' });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ id: before!.id, count: 2, startTs: 100, lastTs: 300 });
    const second = part.store.list({ originator: 'vessel:2' });
    expect(second).toHaveLength(1);
    expect(second[0]).toMatchObject({ count: 2, severity: 'CRITICAL', startTs: 310, lastTs: 320 });
    await part.flushed();
    expect(influx.kinds(before!.id)).toEqual(['created', 'refreshed']);
    expect(influx.kinds(second[0]!.id)).toEqual(['created', 'escalated']);
    const after = await registry.metrics();
    expect(metricValue(after, 'lookout_cloud_alarms_restore_pending')).toBe(0);
    expect(metricValue(after, 'lookout_cloud_alarm_raises_held')).toBe(0);
    expect(part.health()).toEqual({
      status: 'ok',
      restoring: false,
      heldRaises: 0,
      restoreAttempts: expect.any(Number),
    });
    expect(lines.some((l) => l.msg === 'alarms rebuilt from InfluxDB' && l.heldApplied === 3)).toBe(true);
  });

  it('when the hold queue is full, applies the oldest held raise at once, counted and warned', async () => {
    const influx = new FakeInflux();
    influx.down = true;
    const { part, lines, registry } = makePart(influx, { maxHeld: 2 });
    await part.start();
    part.raise(closedArea(1, 100));
    part.raise(closedArea(2, 100));
    expect(part.store.size).toBe(0);
    part.raise(closedArea(3, 100));
    expect(part.heldRaises).toBe(2);
    expect(part.store.list().map((a) => a.originator)).toEqual(['vessel:1']);
    expect(metricValue(await registry.metrics(), 'lookout_cloud_alarm_raises_hold_overflow_total')).toBe(1);
    expect(
      lines.some(
        (l) => l.level === 40 && /hold queue full/.test(String(l.msg)) && l.originator === 'vessel:1',
      ),
    ).toBe(true);
    influx.down = false;
    await part.ready;
    expect(
      part.store
        .list()
        .map((a) => a.originator)
        .sort(),
    ).toEqual(['vessel:1', 'vessel:2', 'vessel:3']);
  });

  it('stops retrying once stopped', async () => {
    const influx = new FakeInflux();
    influx.down = true;
    const { part } = makePart(influx);
    await part.start();
    await waitFor(() => part.health().restoreAttempts >= 2, 15_000, 'a retry');
    await part.stop();
    const calls = influx.calls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(influx.calls).toBe(calls);
    expect(part.isReady).toBe(false);
  });
});

describe('alarm changes not written when the part stops', () => {
  it('are kept in the spill file and written, with a bad line skipped and counted, at the next start', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'alarms-spill-'));
    const spill = path.join(dir, 'alarms', 'unwritten.ndjson');
    try {
      const influx = new FakeInflux();
      const [before] = await previousRun(influx, [closedArea(1, 100)]);
      const first = makePart(influx, {}, spill);
      await first.part.start();
      influx.down = true; // after the rebuild
      first.part.raise(closedArea(1, 200));
      first.part.store.acknowledge(before!.id, 'ranger-an');
      await first.part.stop();
      const kept = (await readFile(spill, 'utf8')).trim().split('\n');
      expect(kept.map((line) => (JSON.parse(line) as { kind: string }).kind)).toEqual([
        'refreshed',
        'acknowledged',
      ]);
      await writeFile(spill, `${kept.join('\n')}\n{"kind":"created","alarm":{"id":7}}\n`);

      influx.down = false;
      const second = makePart(influx, {}, spill);
      await second.part.start();
      await second.part.flushed();
      expect(influx.kinds(before!.id)).toEqual(['created', 'refreshed', 'acknowledged']);
      expect(second.part.store.get(before!.id)).toMatchObject({
        count: 2,
        status: 'ACTIVE_ACK',
        lastTs: 200,
      });
      await waitFor(
        async () => (await readFile(spill).catch(() => undefined)) === undefined,
        15_000,
        'the spill file to be removed once written',
      );
      expect(
        second.lines.some(
          (l) =>
            l.level === 40 && l.line === 3 && /invalid alarm change in the spill file/.test(String(l.msg)),
        ),
      ).toBe(true);
      expect(metricValue(await second.registry.metrics(), 'lookout_cloud_alarm_store_errors_total')).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('without a spill file, says how many changes are lost', async () => {
    const influx = new FakeInflux();
    const { part, lines } = makePart(influx);
    await part.start();
    influx.down = true;
    part.raise(closedArea(3, 100));
    await part.stop();
    expect(lines.some((l) => l.level === 50 && l.lost === 1)).toBe(true);
  });
});

describe('the local state file', () => {
  it('makes a start without InfluxDB ready at once: the same condition refreshes its alarm, nothing is held', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'alarms-state-'));
    const stateFile = path.join(dir, 'alarms', 'state.ndjson');
    try {
      const influx = new FakeInflux();
      const first = makePart(influx, {}, undefined, stateFile);
      await first.part.start();
      const created = first.part.raise(closedArea(1, 100))!.alarm;
      await first.part.flushed();
      await first.part.stop();
      const kept = (await readFile(stateFile, 'utf8')).trim().split('\n');
      expect(kept.map((line) => (JSON.parse(line) as Alarm).id)).toEqual([created.id]);
      await writeFile(stateFile, `${kept.join('\n')}\nnot json\n`);

      influx.down = true;
      const second = makePart(influx, {}, undefined, stateFile);
      await second.part.start();
      expect(second.part.isReady).toBe(true);
      expect(second.part.raise(closedArea(1, 200))?.alarm).toMatchObject({
        id: created.id,
        count: 2,
        lastTs: 200,
      });
      expect(second.part.heldRaises).toBe(0);
      expect(
        second.lines.some((l) => l.level === 40 && /rebuilt from the local state file/.test(String(l.msg))),
      ).toBe(true);
      expect(
        second.lines.some(
          (l) => l.level === 40 && l.line === 2 && /invalid alarm in the state file/.test(String(l.msg)),
        ),
      ).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('alarm routes while the alarms are rebuilt', () => {
  it('GET answers with restoring: true, ack and clear are refused with 503 and a JSON error; both work after', async () => {
    const influx = new FakeInflux();
    const [before] = await previousRun(influx, [closedArea(1, 100)]);
    influx.down = true;
    const { part } = makePart(influx);
    await part.start();
    const app = await withRoutes(part);
    try {
      const list = await app.inject({ method: 'GET', url: '/api/v1/alarms' });
      expect(list.json()).toEqual({ alarms: [], restoring: true });
      const ack = await app.inject({
        method: 'POST',
        url: `/api/v1/alarms/${before!.id}/ack`,
        payload: { by: 'officer.lan' },
      });
      expect(ack.statusCode).toBe(503);
      expect(ack.headers['retry-after']).toBe('5');
      expect(ack.json()).toEqual({
        error: expect.stringMatching(/being rebuilt from InfluxDB.*ack is refused/),
      });
      expect(
        (
          await app.inject({
            method: 'POST',
            url: `/api/v1/alarms/${before!.id}/clear`,
            payload: { by: 'officer.lan' },
          })
        ).statusCode,
      ).toBe(503);

      influx.down = false;
      await part.ready;
      const after = await app.inject({ method: 'GET', url: '/api/v1/alarms' });
      expect(after.json()).toEqual({ alarms: [expect.objectContaining({ id: before!.id })] });
      const acked = await app.inject({
        method: 'POST',
        url: `/api/v1/alarms/${before!.id}/ack`,
        payload: { by: 'officer.lan' },
      });
      expect(acked.statusCode).toBe(200);
      expect(acked.json()).toMatchObject({ status: 'ACTIVE_ACK', ackBy: 'officer.lan' });
    } finally {
      await app.close();
    }
  });
});
