import { describe, expect, it } from 'vitest';
import { createCloudBus } from '../events.js';
import { createCloudMetrics } from '../metrics.js';
import { PresencePart } from './presence-part.js';

describe('PresencePart', () => {
  it('follows birth, last will and traffic per edge and counts the online ones', async () => {
    const bus = createCloudBus();
    const metrics = createCloudMetrics();
    const presence = new PresencePart({ bus, metrics });
    await presence.start();
    const origin = (edgeId: string, receivedAt: number) => ({ edgeId, topic: `lookout/v1/edge/${edgeId}/status`, receivedAt, replayed: false });

    bus.emit('edgeStatus', { ...origin('b', 1000), status: { state: 'online', ts: 990, version: '1.2.0' } });
    bus.emit('edgeActivity', { edgeId: 'a', at: 1500 });
    bus.emit('edgeActivity', { edgeId: 'b', at: 2000 });
    expect(presence.list()).toEqual([
      { edgeId: 'a', state: 'online', since: 1500, lastSeen: 1500 },
      { edgeId: 'b', state: 'online', since: 1000, lastSeen: 2000, reason: undefined, version: '1.2.0' },
    ]);
    expect((await metrics.edgesOnline.get()).values[0]?.value).toBe(2);

    // The will was registered at connect time (older ts) but arrives last: it wins.
    bus.emit('edgeStatus', { ...origin('b', 3000), status: { state: 'offline', ts: 990, reason: 'lost' } });
    expect(presence.get('b')).toMatchObject({ state: 'offline', since: 3000, reason: 'lost', lastSeen: 3000, version: '1.2.0' });
    expect((await metrics.edgesOnline.get()).values[0]?.value).toBe(1);
    await presence.stop();
    bus.emit('edgeActivity', { edgeId: 'c', at: 1 });
    expect(presence.get('c')).toBeUndefined();
  });
});
