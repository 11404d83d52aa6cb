import { describe, expect, it } from 'vitest';
import { capturingLogger, metricValue } from '../tests/support/cloud-fixtures.js';
import { createCloudBus } from './events.js';
import { createCloudMetrics } from './metrics.js';

const origin = {
  edgeId: 'e1',
  topic: 'lookout/v1/edge/e1/vessels/positions',
  receivedAt: 0,
  replayed: false,
  seq: 1,
};

describe('the cloud bus', () => {
  it('keeps a throwing listener away from the emitter, runs the others, counts and logs it', async () => {
    const metrics = createCloudMetrics();
    const { log, lines } = capturingLogger('warn');
    const bus = createCloudBus({ metrics, log });
    const received: number[] = [];
    bus.on('positions', () => {
      throw new Error('listener bug');
    });
    bus.on('positions', (event) => void received.push(event.seq));

    expect(() => bus.emit('positions', { ...origin, positions: [] })).not.toThrow();
    bus.emit('positions', { ...origin, seq: 2, positions: [] });

    expect(received).toEqual([1, 2]);
    expect(
      metricValue(await metrics.registry.metrics(), 'lookout_cloud_bus_listener_errors_total', {
        event: 'positions',
      }),
    ).toBe(2);
    expect(lines.filter((entry) => entry.event === 'positions')).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, event: 'positions', err: { message: 'listener bug' } });
  });

  it('catches and counts a rejected promise of an async listener', async () => {
    const metrics = createCloudMetrics();
    const bus = createCloudBus({ metrics, log: capturingLogger('warn').log });
    bus.on('edgeActivity', async () => {
      throw new Error('async failure');
    });
    bus.emit('edgeActivity', { edgeId: 'e1', at: 1 });
    await expect
      .poll(async () =>
        metricValue(await metrics.registry.metrics(), 'lookout_cloud_bus_listener_errors_total', {
          event: 'edgeActivity',
        }),
      )
      .toBe(1);
  });
});
