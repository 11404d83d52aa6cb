import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraStatus, FireAlert } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { createEdgeBus } from '../events.js';
import { FireConfigSchema } from './config.js';
import { FirePart } from './fire-part.js';
import { runFfmpeg } from '../../tests/support/fire-media.js';
import { waitFor } from '../../tests/support/wait.js';

// A constant-output model (a fire box in every frame): this tests the part's wiring, not the model.
const model = path.resolve(import.meta.dirname, '../../tests/fire/fixtures/yolov8-2class.onnx');
let dir: string;
let video: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lookout-fire-part-'));
  video = path.join(dir, 'cam.mp4');
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x180:rate=5',
    '-t',
    '4',
    '-pix_fmt',
    'yuv420p',
    video,
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const alertSchema = compileSchema(FireAlert);
const statusSchema = compileSchema(CameraStatus);

describe('FirePart', () => {
  it('reads the cameras the provisioning announces, sends FireAlert events to the outbox as alerts, publishes retained status', async () => {
    const bus = createEdgeBus();
    const enqueued: Array<{ kind: string; topic: string; payload: string }> = [];
    const published: Array<{ topic: string; payload: string; retain: boolean }> = [];
    const config = compileSchema(FireConfigSchema).parseValue({
      enabled: true,
      model: { path: model, classes: ['fire', 'smoke'] },
      fps: 2,
      confirmation: { windowFrames: 3, minHits: 2, confirmScoreSum: 1 },
      // A constant-output model: one whole-frame pass and no change check, so its boxes are the alerts (tiles and
      // the change background have tests of their own).
      tiles: { enabled: false },
      change: { enabled: false },
    });
    if (!config.ok) throw new Error(config.errors.join('; '));
    const part = new FirePart(config.value, {
      edgeId: 'edge-u',
      bus,
      outbox: {
        enqueue: (kind, topic, payload) => enqueued.push({ kind, topic, payload: payload.toString() }),
      },
      publishDirect: async (topic, payload, retain) => {
        published.push({ topic, payload, retain });
        return true;
      },
      log: silentLogger(),
      registry: createMetricsRegistry('edge-test', false),
    });
    await part.start();
    try {
      bus.emit('camera.sources', {
        cameras: [
          { cameraId: 'cam-a', streamUrl: video, position: { lat: 9.1, lon: 104.8 }, bearingDeg: 90 },
        ],
      });
      // Two alerts (fire, smoke), each ended when the replay ends; their events leave one after the other.
      await waitFor(
        () => enqueued.filter((e) => JSON.parse(e.payload).event === 'end').length === 2,
        20_000,
        'the end events of the replayed camera',
      );
      const events = enqueued.map((e) => {
        expect(e.kind).toBe('alert');
        expect(e.topic).toBe(topics.fireAlert('edge-u'));
        const parsed = alertSchema.parseJson(e.payload);
        if (!parsed.ok) throw new Error(parsed.errors.join('; '));
        return parsed.value;
      });
      // the fixture shows fire in the middle and smoke far to the left: two places, two alerts
      expect(events.map((e) => `${e.event} ${e.className}`).sort()).toEqual([
        'end fire',
        'end smoke',
        'new fire',
        'new smoke',
      ]);
      const created = events.find((e) => e.event === 'new' && e.className === 'fire')!;
      expect(created).toMatchObject({
        edgeId: 'edge-u',
        cameraId: 'cam-a',
        camera: { position: { lat: 9.1, lon: 104.8 }, bearingDeg: 90 },
      });
      expect(created.boxes).toEqual([
        { x1: 0.375, y1: 0.1667, x2: 0.625, y2: 0.3889, score: 0.9, className: 'fire' },
      ]); // 320x180 in 64x64: 14 px bars
      expect(created.snapshot).toMatchObject({ contentType: 'image/jpeg', width: 320, height: 180 }); // the camera's size (<= snapshot.maxWidth), not the model's 64x36
      expect(
        events.filter((e) => e.event === 'end').every((e) => e.snapshot === undefined && e.alertId),
      ).toBe(true);
      expect(new Set(events.map((e) => e.alertId)).size).toBe(2);
      const statuses = published.map((p) => {
        expect(p.topic).toBe(topics.cameraStatus('edge-u', 'cam-a'));
        expect(p.retain).toBe(true);
        const parsed = statusSchema.parseJson(p.payload);
        if (!parsed.ok) throw new Error(parsed.errors.join('; '));
        return parsed.value;
      });
      expect(statuses.map((s) => s.state)).toEqual(['online', 'offline']);
      expect(statuses[1]!.reason).toBe('source ended');

      // after a reconnect the last known status is published again (retained state, not history)
      bus.emit('uplink.state', { connected: true });
      await waitFor(() => published.length === 3, 20_000, 'the status again after a reconnect');
      expect(JSON.parse(published[2]!.payload)).toMatchObject({ cameraId: 'cam-a', state: 'offline' });
    } finally {
      await part.stop();
    }
  });

  it("publishes an online camera's status again every statusIntervalS with its latest frame time", async () => {
    const published: CameraStatus[] = [];
    const config = compileSchema(FireConfigSchema).parseValue({
      enabled: true,
      model: { path: model, classes: ['fire', 'smoke'] },
      fps: 5,
      statusIntervalS: 0.5,
      followCameraSources: false,
      cameras: [{ id: 'cam-live', url: video, realtime: true }], // plays like a live camera: 4 s
    });
    if (!config.ok) throw new Error(config.errors.join('; '));
    const part = new FirePart(config.value, {
      edgeId: 'edge-u',
      bus: createEdgeBus(),
      outbox: { enqueue: () => undefined },
      publishDirect: async (_topic, payload) => {
        const parsed = statusSchema.parseJson(payload);
        if (!parsed.ok) throw new Error(parsed.errors.join('; '));
        published.push(parsed.value);
        return true;
      },
      log: silentLogger(),
      registry: createMetricsRegistry('edge-test', false),
    });
    await part.start();
    try {
      await waitFor(() => published.some((s) => s.state === 'offline'), 20_000, 'the replay to end');
      const online = published.filter((s) => s.state === 'online');
      expect(online.length).toBeGreaterThanOrEqual(3); // the change, then refreshes while frames flow
      const frameTimes = online.map((s) => s.lastFrameTs!);
      // Never older; newer over the run (two refreshes may see the same frame on a loaded machine).
      expect(frameTimes.every((t, i) => i === 0 || t >= frameTimes[i - 1]!)).toBe(true);
      expect(frameTimes.at(-1)!).toBeGreaterThan(frameTimes[0]!);
      const count = published.length;
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect(published).toHaveLength(count); // offline: nothing new to say until it changes
    } finally {
      await part.stop();
    }
  });
});
