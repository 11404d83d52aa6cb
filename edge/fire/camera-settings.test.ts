import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CameraSettingsReported,
  FireAlert,
  type CameraSettings,
  type CameraSettingsDesired,
} from '../../protocols/mqtt/payloads.js';
import { filters, topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { createEdgeBus } from '../events.js';
import { CameraSettingsKeeper, effectiveThresholds, isMuted, maskedShare } from './camera-settings.js';
import { FireConfigSchema } from './config.js';
import { FirePart } from './fire-part.js';
import { runFfmpeg } from '../../tests/support/fire-media.js';
import { waitFor } from '../../tests/support/wait.js';

const box = { x1: 0.4, y1: 0.4, x2: 0.6, y2: 0.6 };
const square = (x1: number, y1: number, x2: number, y2: number): Array<[number, number]> => [
  [x1, y1],
  [x2, y1],
  [x2, y2],
  [x1, y2],
];

describe('camera settings: thresholds, masks, mute', () => {
  it('moves every class threshold by 0.05 a level, then by its class offset, within 0.05..0.99', () => {
    const base = { fire: 0.85, smoke: 0.7 };
    expect(effectiveThresholds(base, undefined)).toEqual(base);
    expect(effectiveThresholds(base, { sensitivity: 2, ignoreMasks: [] })).toEqual({
      fire: 0.75,
      smoke: 0.6,
    });
    expect(effectiveThresholds(base, { sensitivity: -1, ignoreMasks: [] })).toEqual({
      fire: 0.9,
      smoke: 0.75,
    });
    expect(
      effectiveThresholds(base, { sensitivity: 0, classOffsets: { smoke: 0.1, fire: 0.5 }, ignoreMasks: [] }),
    ).toEqual({ fire: 0.99, smoke: 0.8 });
    expect(
      effectiveThresholds({ smoke: 0.1 }, { sensitivity: 2, classOffsets: { smoke: -0.5 }, ignoreMasks: [] }),
    ).toEqual({ smoke: 0.05 });
  });

  it('measures how much of a box the polygons cover; overlapping polygons count once', () => {
    expect(maskedShare(box, [])).toBe(0);
    expect(maskedShare(box, [square(0, 0, 1, 1)])).toBe(1);
    expect(maskedShare(box, [square(0, 0, 0.5, 1)])).toBeCloseTo(0.5, 5);
    expect(maskedShare(box, [square(0, 0, 0.5, 1), square(0, 0, 0.5, 1)])).toBeCloseTo(0.5, 5);
    expect(maskedShare(box, [square(0.7, 0.7, 0.9, 0.9)])).toBe(0);
    // a triangle over the lower-left half of the box: its diagonal cuts the box in two
    const triangle: Array<[number, number]> = [
      [0.4, 0.4],
      [0.6, 0.6],
      [0.4, 0.6],
    ];
    expect(maskedShare(box, [triangle])).toBeGreaterThan(0.4);
    expect(maskedShare(box, [triangle])).toBeLessThan(0.6);
  });

  it('is muted until muteUntil only', () => {
    expect(isMuted(undefined, 1000)).toBe(false);
    expect(isMuted({ sensitivity: 0, ignoreMasks: [], muteUntil: 2000 }, 1000)).toBe(true);
    expect(isMuted({ sensitivity: 0, ignoreMasks: [], muteUntil: 2000 }, 2000)).toBe(false);
  });
});

const reportedSchema = compileSchema(CameraSettingsReported);

function desired(cameraId: string, version: number, settings: Partial<CameraSettings>): Buffer {
  const message: CameraSettingsDesired = {
    edgeId: 'edge-u',
    cameraId,
    version,
    updatedAt: 1_000 * version,
    updatedBy: 'ranger.an',
    settings: { sensitivity: 0, ignoreMasks: [], ...settings },
  };
  return Buffer.from(JSON.stringify(message));
}

let dir: string;
let video: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lookout-camera-settings-'));
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

describe('CameraSettingsKeeper', () => {
  function keeper(file: string, published: Array<{ topic: string; payload: string }>) {
    return new CameraSettingsKeeper({
      edgeId: 'edge-u',
      file,
      classes: ['fire', 'smoke'],
      publish: async (topic, payload) => {
        published.push({ topic, payload });
        return true;
      },
      log: silentLogger(),
      clock: () => 5_000,
    });
  }
  const topic = (cameraId: string) => topics.cameraSettingsDesired('edge-u', cameraId);
  const report = (p: { payload: string }) => {
    const parsed = reportedSchema.parseJson(p.payload);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    return parsed.value;
  };

  it('applies newer versions only, keeps them on disk, reports the version in effect or what it refused', async () => {
    const file = path.join(dir, 'keeper', 'camera-settings.ndjson');
    const published: Array<{ topic: string; payload: string }> = [];
    const first = keeper(file, published);
    expect(await first.load()).toBe(0);

    await first.onDesired(topic('cam-a'), desired('cam-a', 2, { sensitivity: 1 }));
    expect(first.current('cam-a')?.sensitivity).toBe(1);
    expect(published.at(-1)!.topic).toBe(topics.cameraSettingsReported('edge-u', 'cam-a'));
    expect(report(published.at(-1)!)).toMatchObject({ cameraId: 'cam-a', version: 2, appliedAt: 5_000 });

    // an older version (a stale retained copy) changes nothing and is answered with the version in effect
    await first.onDesired(topic('cam-a'), desired('cam-a', 1, { sensitivity: -2 }));
    expect(first.current('cam-a')?.sensitivity).toBe(1);
    expect(report(published.at(-1)!).version).toBe(2);

    // an offset for a class the model does not have is refused, the applied version stays
    await first.onDesired(topic('cam-a'), desired('cam-a', 3, { classOffsets: { flames: 0.1 } }));
    expect(first.current('cam-a')?.sensitivity).toBe(1);
    expect(report(published.at(-1)!)).toMatchObject({
      version: 2,
      refused: { version: 3, reason: expect.stringContaining('flames') },
    });

    // another camera's topic, or a message naming another camera, is ignored
    const before = published.length;
    await first.onDesired(topic('cam-b'), desired('cam-a', 9, {}));
    await first.onDesired(topic('cam-b'), Buffer.from('{"not":"settings"}'));
    expect(published).toHaveLength(before);
    expect(first.version('cam-a')).toBe(2);

    await first.onDesired(topic('cam-b'), desired('cam-b', 1, { muteUntil: 9_999_999_999_999 }));
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(2);

    // a restarted edge has them before it hears from the cloud, and reports them again on reconnect
    const republished: Array<{ topic: string; payload: string }> = [];
    const second = keeper(file, republished);
    expect(await second.load()).toBe(2);
    expect(second.current('cam-a')?.sensitivity).toBe(1);
    expect(isMuted(second.current('cam-b'), Date.now())).toBe(true);
    await second.reportAll();
    expect(republished.map((p) => [report(p).cameraId, report(p).version]).sort()).toEqual([
      ['cam-a', 2],
      ['cam-b', 1],
    ]);
  });
});

// A constant-output model: a fire box in the middle (score 0.9) and smoke far left in every frame.
const model = path.resolve(import.meta.dirname, '../../tests/fire/fixtures/yolov8-2class.onnx');
const alertSchema = compileSchema(FireAlert);

/** Runs the replayed camera through a FirePart whose cloud sent `settings` first; the alerts it raised. */
async function alertsWith(
  settings: Partial<CameraSettings>,
  name: string,
  classThresholds: Record<string, number> = { fire: 0.5, smoke: 0.5 },
) {
  const bus = createEdgeBus();
  const alerts: FireAlert[] = [];
  const registry = createMetricsRegistry('edge-test', false);
  const config = compileSchema(FireConfigSchema).parseValue({
    enabled: true,
    model: { path: model, classes: ['fire', 'smoke'], classThresholds },
    fps: 2,
    confirmation: { windowFrames: 3, minHits: 2, confirmScoreSum: 1 },
    tiles: { enabled: false },
    change: { enabled: false },
  });
  if (!config.ok) throw new Error(config.errors.join('; '));
  let deliver: ((topic: string, payload: Buffer) => void) | undefined;
  let subscribed = '';
  let ended = false;
  const part = new FirePart(config.value, {
    edgeId: 'edge-u',
    bus,
    outbox: {
      enqueue: (_kind, _topic, payload) => {
        const parsed = alertSchema.parseJson(payload.toString());
        if (!parsed.ok) throw new Error(parsed.errors.join('; '));
        alerts.push(parsed.value);
      },
    },
    publishDirect: async (topic, payload) => {
      if (topic === topics.cameraStatus('edge-u', 'cam-a') && JSON.parse(payload).state === 'offline')
        ended = true;
      return true;
    },
    log: silentLogger(),
    registry,
    settings: {
      subscribe: (filter, onMessage) => {
        subscribed = filter;
        deliver = onMessage;
        return () => undefined;
      },
      file: path.join(dir, name, 'camera-settings.ndjson'),
    },
  });
  await part.start();
  try {
    expect(subscribed).toBe(filters.desiredCameraSettings('edge-u'));
    deliver!(topics.cameraSettingsDesired('edge-u', 'cam-a'), desired('cam-a', 1, settings));
    await waitFor(() => part.settings?.version('cam-a') === 1, 20_000, 'the settings applied');
    bus.emit('camera.sources', { cameras: [{ cameraId: 'cam-a', streamUrl: video }] });
    await waitFor(() => ended, 20_000, 'the replay to end');
  } finally {
    await part.stop(); // waits for the alert events queued (the end events of the replay's open alerts)
  }
  return { events: alerts.map((a) => `${a.event} ${a.className}`).sort(), metrics: await registry.metrics() };
}

describe('FirePart with settings from the cloud', () => {
  it('without settings both places alert (the fixture model: fire in the middle, smoke far left)', async () => {
    const { events } = await alertsWith({}, 'plain');
    expect(events).toEqual(['end fire', 'end smoke', 'new fire', 'new smoke']);
  });

  it('an ignore mask over the fire drops it; the smoke still alerts', async () => {
    const { events, metrics } = await alertsWith({ ignoreMasks: [square(0.3, 0.1, 0.7, 0.45)] }, 'mask');
    expect(events).toEqual(['end smoke', 'new smoke']);
    expect(metrics).toMatch(/lookout_edge_fire_detections_masked_total\{camera="cam-a"[^}]*\} [1-9]/);
  });

  it('less sensitive with a fire offset: the fire box (0.9) falls below its threshold, smoke (0.8) stays', async () => {
    const { events } = await alertsWith({ sensitivity: -2, classOffsets: { fire: 0.4 } }, 'offset');
    expect(events).toEqual(['end smoke', 'new smoke']);
  });

  it('more sensitive: a camera whose model threshold (0.95) hides the fire box (0.9) sees it at level 2', async () => {
    const thresholds = { fire: 0.95, smoke: 0.5 };
    expect((await alertsWith({}, 'strict', thresholds)).events).toEqual(['end smoke', 'new smoke']);
    expect((await alertsWith({ sensitivity: 2 }, 'sensitive', thresholds)).events).toEqual([
      'end fire',
      'end smoke',
      'new fire',
      'new smoke',
    ]);
  });

  it('a muted camera is read but raises nothing', async () => {
    const { events, metrics } = await alertsWith({ muteUntil: Date.now() + 3_600_000 }, 'muted');
    expect(events).toEqual([]);
    expect(metrics).toMatch(/lookout_edge_fire_frames_muted_total\{camera="cam-a"[^}]*\} [1-9]/);
    expect(metrics).not.toMatch(/lookout_edge_fire_frames_total\{camera="cam-a"[^}]*\} [1-9]/);
  });
});
