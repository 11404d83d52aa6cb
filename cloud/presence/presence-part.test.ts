import { describe, expect, it } from 'vitest';
import { capturingLogger, metricValue } from '../../tests/support/cloud-fixtures.js';
import { createCloudBus } from '../events.js';
import { createCloudMetrics } from '../metrics.js';
import { PresencePart } from './presence-part.js';

describe('PresencePart', () => {
  it('follows birth, last will and traffic per edge and counts the online ones', async () => {
    const bus = createCloudBus();
    const metrics = createCloudMetrics();
    const presence = new PresencePart({ bus, metrics });
    await presence.start();
    const origin = (edgeId: string, receivedAt: number) => ({
      edgeId,
      topic: `lookout/v1/edge/${edgeId}/status`,
      receivedAt,
      replayed: false,
    });

    bus.emit('edgeStatus', { ...origin('a', 1400), status: { state: 'online', ts: 1390 } });
    bus.emit('edgeStatus', { ...origin('b', 1000), status: { state: 'online', ts: 990, version: '1.2.0' } });
    bus.emit('edgeActivity', { edgeId: 'a', at: 1500 });
    bus.emit('edgeActivity', { edgeId: 'b', at: 2000 });
    expect(presence.list()).toEqual([
      { edgeId: 'a', state: 'online', since: 1400, lastSeen: 1500, reason: undefined, version: undefined },
      { edgeId: 'b', state: 'online', since: 1000, lastSeen: 2000, reason: undefined, version: '1.2.0' },
    ]);
    expect((await metrics.edgesOnline.get()).values[0]?.value).toBe(2);

    // The will was registered at connect time (older ts) but arrives last: it wins.
    bus.emit('edgeStatus', { ...origin('b', 3000), status: { state: 'offline', ts: 990, reason: 'lost' } });
    expect(presence.get('b')).toMatchObject({
      state: 'offline',
      since: 3000,
      reason: 'lost',
      lastSeen: 3000,
      version: '1.2.0',
    });
    expect((await metrics.edgesOnline.get()).values[0]?.value).toBe(1);
    await presence.stop();
    bus.emit('edgeActivity', { edgeId: 'c', at: 1 });
    expect(presence.get('c')).toBeUndefined();
  });

  it('knows an edge only once it announced itself, and forgets it when its retained status is deleted', async () => {
    const bus = createCloudBus();
    const metrics = createCloudMetrics();
    const presence = new PresencePart({ bus, metrics });
    await presence.start();
    bus.emit('edgeActivity', { edgeId: 'evil-edge', at: 1000 });
    expect(presence.list()).toEqual([]);
    expect((await metrics.edgesOnline.get()).values[0]?.value ?? 0).toBe(0);

    bus.emit('edgeStatus', {
      edgeId: 'e1',
      topic: 'lookout/v1/edge/e1/status',
      receivedAt: 2000,
      replayed: false,
      status: { state: 'online', ts: 2000 },
    });
    expect(presence.get('e1')).toMatchObject({ state: 'online' });
    bus.emit('mqttPublished', {
      topic: 'lookout/v1/edge/e1/status',
      payload: Buffer.alloc(0),
      retain: true,
      receivedAt: 3000,
    });
    expect(presence.list()).toEqual([]);
    expect((await metrics.edgesOnline.get()).values[0]?.value).toBe(0);
    await presence.stop();
  });

  it("measures each edge's clock against the cloud's from its health messages and says when it is wrong, once", async () => {
    const bus = createCloudBus();
    const metrics = createCloudMetrics();
    const { log, lines } = capturingLogger('info');
    const presence = new PresencePart({ bus, metrics, log });
    await presence.start();
    const health = (edgeId: string, edgeTs: number, receivedAt: number) => {
      if (!presence.get(edgeId))
        bus.emit('edgeStatus', {
          edgeId,
          topic: `lookout/v1/edge/${edgeId}/status`,
          receivedAt,
          replayed: false,
          status: { state: 'online', ts: receivedAt },
        });
      bus.emit('edgeActivity', { edgeId, at: receivedAt });
      bus.emit('edgeHealth', {
        edgeId,
        topic: `lookout/v1/edge/${edgeId}/health`,
        receivedAt,
        replayed: false,
        health: {
          ts: edgeTs,
          uptimeS: 1,
          outbox: { messages: 0, bytes: 0, dropped: 0 },
          ais: { sentences: 0, messages: 0, rejected: 0, duplicates: 0 },
        },
      });
    };
    health('right', 1_000_400, 1_000_000);
    health('ahead', 1_300_000, 1_000_000); // five minutes ahead
    health('ahead', 1_300_500, 1_000_000);
    expect(presence.get('right')?.clockSkewMs).toBe(400);
    expect(presence.get('ahead')?.clockSkewMs).toBe(300_500);
    expect(
      metricValue(await metrics.registry.metrics(), 'lookout_cloud_edge_clock_skew_seconds', {
        edge: 'ahead',
      }),
    ).toBe(300.5);
    const warnings = () => lines.filter((l) => l.level === 40 && /edge clock is wrong/.test(String(l.msg)));
    expect(warnings()).toEqual([expect.objectContaining({ edge: 'ahead', clockSkewS: 300 })]);
    health('ahead', 2_000_000, 2_000_100); // fixed (NTP)
    expect(lines.some((l) => l.level === 30 && l.edge === 'ahead' && /right again/.test(String(l.msg)))).toBe(
      true,
    );
    expect(warnings()).toHaveLength(1);
    await presence.stop();
  });
});
