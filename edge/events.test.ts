import { describe, expect, it } from 'vitest';
import { capturingLogger, metricValue } from '../tests/support/cloud-fixtures.js';
import { createMetricsRegistry } from '../runtime/metrics.js';
import { createEdgeBus } from './events.js';

const line = { line: '!AIVDM,1,1,,A,x,0*00', receivedAtMs: 0, source: 'test' };

describe('the edge bus', () => {
  it('keeps a throwing listener away from the emitter, runs the others, counts and logs it', async () => {
    const registry = createMetricsRegistry('edge', false);
    const { log, lines } = capturingLogger('warn');
    const bus = createEdgeBus({ registry, log });
    const received: string[] = [];
    bus.on('ais.line', () => {
      throw new Error('ENOSPC: no space left on device');
    });
    bus.on('ais.line', (payload) => void received.push(payload.source));

    expect(() => bus.emit('ais.line', line)).not.toThrow();
    bus.emit('ais.line', line);

    expect(received).toEqual(['test', 'test']);
    expect(
      metricValue(await registry.metrics(), 'lookout_edge_bus_listener_errors_total', { event: 'ais.line' }),
    ).toBe(2);
    // Once per burst: the second failure is counted, not logged again.
    expect(lines.filter((entry) => entry.event === 'ais.line')).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      event: 'ais.line',
      err: { message: 'ENOSPC: no space left on device' },
    });
  });

  it('catches and counts a rejected promise of an async listener', async () => {
    const registry = createMetricsRegistry('edge', false);
    const bus = createEdgeBus({ registry, log: capturingLogger('warn').log });
    bus.on('uplink.state', async () => {
      await Promise.resolve();
      throw new Error('late failure');
    });
    bus.emit('uplink.state', { connected: true });
    await expect
      .poll(async () =>
        metricValue(await registry.metrics(), 'lookout_edge_bus_listener_errors_total', {
          event: 'uplink.state',
        }),
      )
      .toBe(1);
  });
});
