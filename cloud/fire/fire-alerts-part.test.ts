import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InfluxDB, IPoint } from 'influx';
import { afterEach, expect, it } from 'vitest';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { createCloudBus } from '../events.js';
import { FireAlertsPart } from './fire-alerts-part.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function alert(event: FireAlert['event'], ts: number, withSnapshot: boolean): FireAlert {
  return {
    edgeId: 'edge-u',
    cameraId: 'cam-1',
    alertId: 'cam-1-a',
    event,
    className: 'fire',
    confidence: 0.9,
    boxes: [{ x1: 0.1, y1: 0.1, x2: 0.4, y2: 0.4, score: 0.9, className: 'fire' }],
    firstSeenTs: 1_000,
    ts,
    camera: {},
    ...(withSnapshot
      ? {
          snapshot: {
            contentType: 'image/jpeg' as const,
            width: 2,
            height: 2,
            data: Buffer.alloc(64 * 1024, 7).toString('base64'),
          },
        }
      : {}),
  };
}

it('stores events in the order they arrived: an end without a snapshot waits for the new whose snapshot is being written', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fire-part-'));
  dirs.push(dir);
  const written: IPoint[][] = [];
  const influx = {
    writePoints: async (points: IPoint[]) => void written.push(points),
  } as unknown as InfluxDB;
  const bus = createCloudBus();
  const part = new FireAlertsPart({
    snapshotDir: dir,
    influx,
    database: 'x',
    bus,
    log: silentLogger(),
    registry: createMetricsRegistry('cloud', false),
  });
  await part.start();
  const origin = { edgeId: 'edge-u', topic: topics.fireAlert('edge-u'), receivedAt: 0, replayed: false };
  bus.emit('message', { ...origin, kind: 'alerts/fire', seq: 1, value: alert('new', 2_000, true) });
  bus.emit('message', { ...origin, kind: 'alerts/fire', seq: 2, value: alert('end', 9_000, false) });
  expect(part.oldestPendingSeq()).toBe(1);
  for (let i = 0; i < 3000 && part.oldestPendingSeq() !== undefined; i++)
    await new Promise((resolve) => setTimeout(resolve, 5));
  expect(part.oldestPendingSeq()).toBeUndefined();
  expect(written.flat().map((p) => p.tags?.event)).toEqual(['new', 'end']);
  expect(written.flat()[0]!.fields?.snapshot).toBe('edge-u/cam-1-a-new-2000.jpg');
  await part.stop();
});
