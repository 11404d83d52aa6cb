import { describe, expect, it } from 'vitest';
import { EdgeHealth } from '../protocols/mqtt/payloads.js';
import { topics } from '../protocols/mqtt/topics.js';
import { compileSchema } from '../protocols/validation.js';
import { silentLogger } from '../runtime/logger.js';
import { HealthPublisher } from './health.js';

const snapshot = (): EdgeHealth => ({
  ts: Date.now(),
  uptimeS: 1,
  outbox: { messages: 2, bytes: 30, dropped: 0 },
  ais: { sentences: 5, messages: 4, rejected: 1, duplicates: 0 },
});

describe('HealthPublisher', () => {
  it('publishes a valid EdgeHealth on the edge health topic every interval, and counts what the link refused', async () => {
    const published: Array<{ topic: string; payload: string }> = [];
    let linkUp = true;
    const publisher = new HealthPublisher({
      edgeId: 'e1',
      intervalS: 0.02,
      snapshot,
      publish: async (topic, payload) => {
        if (!linkUp) return false;
        published.push({ topic, payload });
        return true;
      },
      log: silentLogger(),
    });
    await publisher.start();
    while (published.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    linkUp = false;
    while (publisher.skipped < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await publisher.stop();
    expect(published.every((p) => p.topic === topics.edgeHealth('e1'))).toBe(true);
    expect(published.every((p) => compileSchema(EdgeHealth).parseJson(p.payload).ok)).toBe(true);
    expect(publisher.published).toBeGreaterThanOrEqual(3);
  });
});
