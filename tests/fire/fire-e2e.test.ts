/**
 * Fire detection end to end with real components: videos of the camera simulator's scenes
 * (simulators/cameras/scene.py: a fixed tower camera's view with a scripted fire or look-alikes only, never the
 * training generator), the edge (createEdge + fire part: ffmpeg readers, tiles at the camera's resolution,
 * onnxruntime with the committed model, the change-over-time check, confirmation, snapshot) publishing through its
 * disk outbox and MQTT uplink to the cloud (aedes broker inside createCloud, ingest journal, fire alerts part), real
 * influxd, and the cloud's HTTP API. Time bounds are in VIDEO time (the replayed file's frame times, which are the
 * scene's times), never wall-clock.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { fireAlertsFeature } from '../../cloud/fire/feature.js';
import { edgeConfig } from '../../edge/config.js';
import { createEdge, type Edge } from '../../edge/core.js';
import { fireFeature, type FirePart } from '../../edge/fire/index.js';
import type { FireAlertList, FireAlertRecord } from '../../protocols/api/fire.js';
import { createLogger, silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { freePort } from '../../runtime/ports.js';
import { metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { tempOutboxDir } from '../support/edge-fixtures.js';
import { decodeToRgb, outlineMatch, sceneVideo } from '../support/fire-media.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const MODEL = path.resolve(import.meta.dirname, '../../models/lookout-fire-smoke-256.onnx');
/**
 * A tower's cadence (the default fire.fps): one frame every 5 s of scene time. The change check is built for it: a
 * drifting cloud moves a few pixels between frames and is seen drifting; at 2 fps it moves less than a pixel a
 * frame, stands still for the drift test, and a calm sky's clouds got anchored and confirmed as smoke.
 */
const EVERY_S = 5;
const FPS = 1 / EVERY_S;
/** A test camera learns its view for 30 s (6 frames) instead of 2 minutes, so the videos stay short. */
const WARMUP_S = 30;
/** The fire ignites after the warm-up. */
const FIRE_AT_S = 60;
const FIRE_VIDEO_S = 120;
const CALM_VIDEO_S = 600;
/** Confirmation window (the default 5 frames) plus two frames, in video time. */
const CONFIRMED_WITHIN_S = (5 + 2) * EVERY_S;

const scope = scopeForFile();
let influx: TestInfluxd;
let cloud: Cloud;
let work: string;
let fireVideo: string;
let calmVideo: string;
const log = process.env.LOG_LEVEL ? createLogger('fire-e2e') : silentLogger();

beforeAll(async () => {
  work = await scope.use(tempDir('fire-e2e'), removeDir);
  fireVideo = path.join(work, 'fire.mp4');
  calmVideo = path.join(work, 'calm.mp4');
  const [influxd] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    // A quiet tree line under a pale sky; at second 60 a fire ignites left of centre, flames and a rising plume.
    sceneVideo({ seed: 5, fires: [{ ignitionS: FIRE_AT_S, x: 0.35, size: 0.8, growth: 0.6 }] }, fireVideo, {
      everyS: EVERY_S,
      durationS: FIRE_VIDEO_S,
    }),
    // Every look-alike at once: drifting clouds and a passing cloud bank, low sun glare, fog thickening and thinning,
    // a sunset tint. No fire anywhere.
    sceneVideo({ seed: 6, distractors: ['clouds', 'glare', 'fog', 'sunset'] }, calmVideo, {
      everyS: EVERY_S,
      durationS: CALM_VIDEO_S,
    }),
  ]);
  influx = influxd;
  cloud = createCloud(
    cloudConfig({
      mqtt: { port: 0, wsPort: 0 },
      http: { port: 0 },
      influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'fire_e2e' },
      dataDir: path.join(work, 'cloud'),
    }),
    { log, features: [fireAlertsFeature()] },
  );
  scope.defer(() => cloud.stop());
  await cloud.start();
});

async function startFireEdge(
  edgeId: string,
  camera: { id: string; url: string },
  mqttUrl = cloud.addresses.mqtt,
): Promise<{ edge: Edge; fire: FirePart; cleanup: () => Promise<void> }> {
  const outbox = tempOutboxDir();
  const config = edgeConfig({
    edgeId,
    ais: { udp: { enabled: false }, tcp: { enabled: false } },
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { url: mqttUrl, reconnect: { minMs: 50, maxMs: 500 } },
    outbox: { dir: outbox.dir },
    fire: {
      enabled: true,
      model: { path: MODEL, threads: 1 },
      fps: FPS,
      // The change-over-time check stays on (a simulated tower camera is a fixed camera), with a short warm-up.
      change: { warmupS: WARMUP_S },
      cameras: [
        { ...camera, realtime: false, position: { lat: 9.18, lon: 104.91 }, bearingDeg: 270, fovDeg: 60 },
      ],
    },
  });
  const fire = fireFeature();
  const edge = createEdge(config, { log, registry: createMetricsRegistry('edge', false), features: [fire] });
  await edge.start();
  return {
    edge,
    fire: fire.part,
    cleanup: async () => {
      await edge.stop();
      outbox.remove();
    },
  };
}

async function alertsAtCloud(cameraId: string, at: Cloud = cloud): Promise<FireAlertRecord[]> {
  const response = await fetch(`${at.addresses.http}/api/v1/fire/alerts?cameraId=${cameraId}&limit=1000`);
  expect(response.status).toBe(200);
  return ((await response.json()) as FireAlertList).alerts;
}

/** The stored events once both the `new` and the `end` event of an alert are there. */
async function newAndEndAtCloud(cameraId: string, at: Cloud = cloud): Promise<FireAlertRecord[] | undefined> {
  const list = await alertsAtCloud(cameraId, at);
  const events = new Set(list.map((a) => a.event));
  return events.has('new') && events.has('end') ? list : undefined;
}

describe('fire detection end to end', () => {
  it(`fire appearing at second ${FIRE_AT_S}: exactly one new alert at the cloud, soon after in video time, with a snapshot showing the box`, async () => {
    const { edge, fire, cleanup } = await startFireEdge('edge-fire', { id: 'tower-1', url: fireVideo });
    try {
      // The replay ends; open alerts are then ended, so an `end` event marks "everything arrived".
      await waitFor(
        () => fire.cameraStatus('tower-1')?.reason === 'source ended',
        45_000,
        'the fire video to be fully analysed',
      );
      await waitFor(() => edge.outbox.stats.messages === 0, 10_000, 'the outbox to drain');
      const alerts = await waitFor(
        () => newAndEndAtCloud('tower-1'),
        10_000,
        'the new and end events of the fire alert at the cloud',
      );
      const news = alerts.filter((a) => a.event === 'new');
      expect(news).toHaveLength(1);
      const alert = news[0]!;
      const start = fire.pipelineStartedAt('tower-1')!;
      const firstSeenS = (alert.firstSeenTs - start) / 1000;
      const raisedS = (alert.ts - start) / 1000;
      // Nothing is seen before the fire ignites; confirmed within the window (5 frames) plus two frames.
      expect(firstSeenS).toBeGreaterThanOrEqual(FIRE_AT_S);
      expect(raisedS).toBeGreaterThanOrEqual(FIRE_AT_S);
      expect(raisedS).toBeLessThanOrEqual(FIRE_AT_S + CONFIRMED_WITHIN_S);
      expect(alert).toMatchObject({
        edgeId: 'edge-fire',
        cameraId: 'tower-1',
        position: { lat: 9.18, lon: 104.91 },
        bearingDeg: 270,
      });
      expect(['fire', 'smoke']).toContain(alert.className);
      expect(alerts.filter((a) => a.event === 'end')).toHaveLength(1);
      expect(new Set(alerts.map((a) => a.alertId)).size).toBe(1);

      // The snapshot is served, decodes, and shows the alert's box drawn in its class colour.
      expect(alert.snapshotUrl).toMatch(/^\/api\/v1\/fire\/snapshots\/edge-fire\/.+\.jpg$/);
      const response = await fetch(`${cloud.addresses.http}${alert.snapshotUrl}`);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      // At the camera's own resolution (640x360: below snapshot.maxWidth 1280, never upscaled), not the model's 256x144.
      const picture = await decodeToRgb(Buffer.from(await response.arrayBuffer()));
      expect(picture.width).toBe(640);
      expect(picture.height).toBe(360);
      const best = alert.boxes.reduce((a, b) => (b.score > a.score ? b : a));
      const colour: [number, number, number] =
        (best.className ?? alert.className) === 'fire' ? [255, 32, 32] : [255, 230, 0];
      expect(outlineMatch(picture, best, colour)).toBeGreaterThan(0.6);

      // The strip: small frames from before the detection and the detection frame itself on `new`, from after it
      // on a later event of the alert (the first update with three frames analysed since the `new`, or its end).
      expect(alert.frames).toHaveLength(4);
      expect(alert.frames!.every((f) => f.ts <= alert.ts && f.width === 320 && f.height === 180)).toBe(true);
      expect(alert.frames!.filter((f) => f.ts === alert.ts)).toHaveLength(1);
      // The detection frame is clean (no box drawn): the picture the training export uses.
      const detectionFrame = alert.frames!.at(-1)!;
      expect(detectionFrame.ts).toBe(alert.ts);
      const clean = await decodeToRgb(
        Buffer.from(await (await fetch(`${cloud.addresses.http}${detectionFrame.url}`)).arrayBuffer()),
      );
      expect([clean.width, clean.height]).toEqual([320, 180]);
      expect(outlineMatch(clean, best, colour)).toBeLessThan(0.3);
      const later = alerts.filter((a) => a.event !== 'new' && a.frames?.length).sort((a, b) => a.ts - b.ts);
      expect(later).toHaveLength(1);
      const after = later[0]!;
      // An update carries them once three were analysed; only an end may carry fewer.
      if (after.event === 'update') expect(after.frames).toHaveLength(3);
      expect(after.frames!.every((f) => f.ts > alert.ts && f.ts <= after.ts)).toBe(true);
      const small = await fetch(`${cloud.addresses.http}${after.frames![0]!.url}`);
      const frame = await decodeToRgb(Buffer.from(await small.arrayBuffer()));
      expect([frame.width, frame.height]).toEqual([320, 180]);

      // The edge counted what it did.
      const metrics = await edge.registry.metrics();
      expect(metricValue(metrics, 'lookout_edge_fire_frames_total', { camera: 'tower-1' })).toBe(
        FIRE_VIDEO_S / EVERY_S + 1,
      );
      expect(
        metricValue(metrics, 'lookout_edge_fire_alert_events_total', { camera: 'tower-1', event: 'new' }),
      ).toBe(1);
      expect(
        metricValue(metrics, 'lookout_edge_fire_snapshots_total', { camera: 'tower-1', size: 'high' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        metricValue(metrics, 'lookout_edge_fire_snapshots_total', { camera: 'tower-1', size: 'model' }) ?? 0,
      ).toBe(0);
    } finally {
      await cleanup();
    }
  });

  it('an alert raised while the cloud is unreachable arrives when it comes back, with its original frame times', async () => {
    const port = await freePort();
    const { edge, fire, cleanup } = await startFireEdge(
      'edge-away',
      { id: 'tower-9', url: fireVideo },
      `mqtt://127.0.0.1:${port}`,
    );
    let late: Cloud | undefined;
    try {
      await waitFor(
        () => fire.cameraStatus('tower-9')?.reason === 'source ended',
        45_000,
        'the fire video to be fully analysed',
      );
      // new + end, held on disk (alerts leave the pipeline a moment after their frame, once the snapshot is encoded)
      await waitFor(() => edge.outbox.stats.messages >= 2, 10_000, 'the new and end events in the outbox');
      const start = fire.pipelineStartedAt('tower-9')!;
      late = createCloud(
        cloudConfig({
          mqtt: { port, wsPort: 0 },
          http: { port: 0 },
          influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'fire_e2e_late' },
          dataDir: path.join(work, 'cloud-late'),
        }),
        { log, features: [fireAlertsFeature()] },
      );
      await late.start();
      const alerts = await waitFor(
        () => newAndEndAtCloud('tower-9', late),
        20_000,
        'the alerts held in the outbox to reach the cloud',
      );
      const created = alerts.filter((a) => a.event === 'new');
      expect(created).toHaveLength(1);
      // Its times are the frame times the edge saw (video time here), not the time it reached the cloud.
      expect((created[0]!.firstSeenTs - start) / 1000).toBeGreaterThanOrEqual(FIRE_AT_S);
      expect((created[0]!.ts - start) / 1000).toBeLessThanOrEqual(FIRE_AT_S + CONFIRMED_WITHIN_S);
      expect(created[0]!.snapshotUrl).toBeDefined();
    } finally {
      await cleanup();
      await late?.stop();
    }
  });

  // 121 frames: a loaded machine may take a while; the test waits for the end of the replay, not for a time.
  it(
    'clouds, glare, fog and a sunset without fire, long past the warm-up: every frame analysed, no alert',
    { timeout: 240_000 },
    async () => {
      const { edge, fire, cleanup } = await startFireEdge('edge-calm', { id: 'calm-1', url: calmVideo });
      try {
        await waitFor(
          () => fire.cameraStatus('calm-1')?.reason === 'source ended',
          200_000,
          'the calm video to be fully analysed',
        );
        await waitFor(() => edge.outbox.stats.messages === 0, 10_000, 'the outbox to drain');
        const metrics = await edge.registry.metrics();
        expect(metricValue(metrics, 'lookout_edge_fire_frames_total', { camera: 'calm-1' })).toBe(
          CALM_VIDEO_S / EVERY_S + 1,
        );
        expect(
          metricValue(metrics, 'lookout_edge_fire_alert_events_total', { camera: 'calm-1', event: 'new' }) ??
            0,
        ).toBe(0);
        expect(await alertsAtCloud('calm-1')).toEqual([]);
      } finally {
        await cleanup();
      }
    },
  );
});
