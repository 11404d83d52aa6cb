/**
 * Per-camera settings from the API to the edge with real components: the cloud (createCloud: aedes over TCP, the
 * registry's PGlite on disk, the camera settings feature, fastify), and an edge (createEdge with the fire feature:
 * ffmpeg reading a camera video at its native rate, onnxruntime with a constant-output fixture model, the disk
 * outbox folder, the MQTT uplink). Settings are changed while the edge is offline, across an edge restart without
 * the cloud, and across a cloud restart (aedes forgets retained messages: the cloud publishes them again).
 */
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import { cameraSettingsFeature } from '../../cloud/camera-settings/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { registryFeature } from '../../cloud/registry/feature.js';
import { edgeConfig } from '../../edge/config.js';
import { createEdge, type Edge } from '../../edge/core.js';
import { fireFeature, type FireFeature } from '../../edge/fire/feature.js';
import type { CameraSettingsChanges, CameraSettingsState } from '../../protocols/api/camera-settings.js';
import { CameraSettingsDesired, type CameraSettings } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { createLogger, silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { freePort } from '../../runtime/ports.js';
import { metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { runFfmpeg } from '../support/fire-media.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const MODEL = path.resolve(import.meta.dirname, 'fixtures/yolov8-2class.onnx');
const EDGE = 'edge-tower';
const CAMERA = 'cam-1';
/** A deadline for a failure message on a loaded machine (the edge loads its model, ffmpeg starts), never a pace. */
const WAIT_MS = 45_000;
const log = process.env.LOG_LEVEL ? createLogger('camera-settings') : silentLogger();

const scope = scopeForFile();
let dataDir: string;
let outboxDir: string;
let video: string;
let ports: { mqtt: number; ws: number; http: number; influx: number };
let cloud: Cloud | undefined;
let edge: Edge | undefined;
let fire: FireFeature;

async function startCloud(): Promise<Cloud> {
  const registry = registryFeature();
  const started = createCloud(
    cloudConfig({
      mqtt: { port: ports.mqtt, wsPort: ports.ws },
      http: { port: ports.http },
      // Nothing here writes to InfluxDB: a closed port.
      influx: { host: '127.0.0.1', port: ports.influx, database: 'settings_e2e' },
      dataDir,
    }),
    { log, features: [registry, cameraSettingsFeature({ registry })] },
  );
  await started.start();
  cloud = started;
  return started;
}

async function stopCloud(): Promise<void> {
  await cloud?.stop();
  cloud = undefined;
}

async function startEdge(): Promise<Edge> {
  fire = fireFeature();
  const started = createEdge(
    edgeConfig({
      edgeId: EDGE,
      mqtt: { url: `mqtt://127.0.0.1:${ports.mqtt}`, reconnect: { minMs: 50, maxMs: 300 } },
      outbox: { dir: outboxDir },
      ais: { udp: { enabled: false }, tcp: { enabled: false } },
      http: { host: '127.0.0.1', port: 0 },
      fire: {
        enabled: true,
        model: { path: MODEL, classes: ['fire', 'smoke'], classThresholds: { fire: 0.5, smoke: 0.5 } },
        fps: 2,
        tiles: { enabled: false },
        change: { enabled: false },
        followCameraSources: false,
        cameras: [{ id: CAMERA, url: video, realtime: true }],
      },
    }),
    { log, registry: createMetricsRegistry('edge', false), features: [fire] },
  );
  await started.start();
  edge = started;
  return started;
}

async function stopEdge(): Promise<void> {
  await edge?.stop();
  edge = undefined;
}

beforeAll(async () => {
  dataDir = await scope.use(tempDir('settings-cloud'), removeDir);
  outboxDir = await scope.use(tempDir('settings-edge'), removeDir);
  video = path.join(dataDir, 'camera.mp4');
  // Ten minutes of a test pattern at 2 frames a second, read at its native rate like a live camera.
  await runFfmpeg([
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x180:rate=2',
    '-t',
    '600',
    '-pix_fmt',
    'yuv420p',
    video,
  ]);
  ports = { mqtt: await freePort(), ws: await freePort(), http: await freePort(), influx: await freePort() };
  scope.defer(() => stopEdge());
  scope.defer(() => stopCloud());
});

const url = () => `http://127.0.0.1:${ports.http}/api/v1/cameras/${EDGE}/${CAMERA}/settings`;

async function getSettings(): Promise<CameraSettingsState> {
  const response = await fetch(url());
  expect(response.status).toBe(200);
  return (await response.json()) as CameraSettingsState;
}

async function putSettings(
  settings: Partial<CameraSettings>,
  by = 'kiem.lam.an',
): Promise<CameraSettingsState> {
  const response = await fetch(url(), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ settings: { sensitivity: 0, ignoreMasks: [], ...settings }, by }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as CameraSettingsState;
}

const applied = (version: number) =>
  waitFor(
    async () => {
      const state = await getSettings();
      return state.applied?.version === version && !state.pending ? state : undefined;
    },
    WAIT_MS,
    `the edge to report version ${version} applied`,
  );

async function edgeMetric(name: string): Promise<number> {
  return metricValue(await edge!.registry.metrics(), name, { camera: CAMERA }) ?? 0;
}

const mask: Array<[number, number]> = [
  [0.3, 0.1],
  [0.7, 0.1],
  [0.7, 0.45],
  [0.3, 0.45],
];
const inAnHour = () => Date.now() + 3_600_000;

describe('camera settings from the API to the edge', { timeout: 150_000 }, () => {
  it('settings saved while the edge was never connected reach it when it starts, with who changed them', async () => {
    await startCloud();
    const refused = await fetch(url(), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ settings: { sensitivity: 1, ignoreMasks: [] } }),
    });
    expect(refused.status).toBe(400); // who changes them is required while the API has no accounts

    expect(await getSettings()).toMatchObject({ version: 0, pending: false, settings: { sensitivity: 0 } });
    expect(await putSettings({ sensitivity: 1, ignoreMasks: [mask] })).toMatchObject({
      version: 1,
      pending: true,
      updatedBy: 'kiem.lam.an',
    });
    const second = await putSettings(
      { sensitivity: 1, ignoreMasks: [mask], muteUntil: inAnHour() },
      'tram.u.minh',
    );
    expect(second).toMatchObject({ version: 2, pending: true });
    expect(second.applied).toBeUndefined();

    const changes = (await (await fetch(`${url()}/changes`)).json()) as CameraSettingsChanges;
    expect(changes.changes.map((c) => [c.version, c.by])).toEqual([
      [2, 'tram.u.minh'],
      [1, 'kiem.lam.an'],
    ]);
    expect(changes.changes[0]!.previous).toMatchObject({ sensitivity: 1 });
    expect(changes.changes[0]!.previous?.muteUntil).toBeUndefined();

    await startEdge();
    const state = await applied(2);
    expect(state.applied?.appliedAt).toBeGreaterThan(0);
    // muted: frames are read, the model does not run (a frame or two may have been analysed before the
    // retained settings arrived: this edge had none on disk yet)
    await waitFor(
      async () => (await edgeMetric('lookout_edge_fire_frames_muted_total')) > 0,
      WAIT_MS,
      'muted frames',
    );
  });

  it('a change while the edge runs is applied without a restart', async () => {
    await putSettings({ sensitivity: 1, ignoreMasks: [mask] });
    await applied(3);
    await waitFor(
      async () => (await edgeMetric('lookout_edge_fire_frames_total')) > 0,
      WAIT_MS,
      'the model to run again',
    );
    // the mask over the fixture's fire box drops it on every frame
    await waitFor(
      async () => (await edgeMetric('lookout_edge_fire_detections_masked_total')) > 0,
      WAIT_MS,
      'masked detections',
    );
    expect(fire.part.settings?.version(CAMERA)).toBe(3);
  });

  it('a version saved while the edge is offline survives a cloud restart (published again) and reaches the edge', async () => {
    await stopEdge();
    expect(await putSettings({ muteUntil: inAnHour() })).toMatchObject({ version: 4, pending: true });
    await stopCloud();
    await startCloud(); // aedes starts empty: the retained copy now exists only because the cloud published it again
    expect(await getSettings()).toMatchObject({ version: 4, pending: true, applied: { version: 3 } });
    await startEdge();
    await applied(4);
    await waitFor(
      async () => (await edgeMetric('lookout_edge_fire_frames_muted_total')) > 0,
      WAIT_MS,
      'muted frames',
    );
  });

  it('no client but the cloud may publish desired settings', async () => {
    const rogue = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, {
      clientId: 'rogue',
      reconnectPeriod: 0,
    });
    const forged = JSON.stringify({
      edgeId: EDGE,
      cameraId: CAMERA,
      version: 99,
      updatedAt: Date.now(),
      updatedBy: 'rogue',
      settings: { sensitivity: -2, ignoreMasks: [] },
    });
    const closed = new Promise<void>((resolve) => rogue.once('close', () => resolve()));
    void rogue
      .publishAsync(topics.cameraSettingsDesired(EDGE, CAMERA), forged, { qos: 1, retain: true })
      .catch(() => undefined);
    await closed; // aedes closes a connection whose PUBLISH it refused
    rogue.end(true);

    const reader = await mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqtt}`, {
      clientId: 'reader',
      reconnectPeriod: 0,
    });
    try {
      const retained = new Promise<Buffer>((resolve) =>
        reader.on('message', (_t, payload) => resolve(payload)),
      );
      await reader.subscribeAsync(topics.cameraSettingsDesired(EDGE, CAMERA), { qos: 1 });
      const parsed = compileSchema(CameraSettingsDesired).parseJson(await retained);
      expect(parsed.ok && parsed.value.version).toBe(4);
    } finally {
      await reader.endAsync(true);
    }
    expect(fire.part.settings?.version(CAMERA)).toBe(4);
  });

  it('a restarted edge applies its settings from disk with the cloud down, and reports them when it is back', async () => {
    await stopEdge();
    await stopCloud();
    await startEdge();
    expect(edge!.uplink.connected).toBe(false);
    expect(fire.part.settings?.version(CAMERA)).toBe(4);
    await waitFor(
      async () => (await edgeMetric('lookout_edge_fire_frames_muted_total')) > 0,
      WAIT_MS,
      'muted frames offline',
    );
    expect(await edgeMetric('lookout_edge_fire_frames_total')).toBe(0);

    const since = Date.now();
    await startCloud();
    const state = await waitFor(
      async () => {
        const current = await getSettings();
        return (current.applied?.reportedAt ?? 0) >= since ? current : undefined;
      },
      WAIT_MS,
      'the edge to report again after the reconnect',
    );
    expect(state).toMatchObject({ version: 4, pending: false, applied: { version: 4 } });
  });
});

describe('camera settings with operator accounts', () => {
  it('records the login as who changed them, whatever the body says; a viewer may only read', async () => {
    const registry = registryFeature();
    const secured = createCloud(
      cloudConfig({
        mqtt: { port: 0, wsPort: 0 },
        http: {
          port: 0,
          operators: [
            { username: 'kiem.lam.binh', password: 'ranger-secret', role: 'operator' },
            { username: 'wall-screen', password: 'screen-secret', role: 'viewer' },
          ],
        },
        influx: { host: '127.0.0.1', port: ports.influx, database: 'settings_auth' },
        dataDir: await scope.use(tempDir('settings-auth'), removeDir),
      }),
      { log, features: [registry, cameraSettingsFeature({ registry })] },
    );
    await scope.use(secured.start(), () => secured.stop());
    const target = `${secured.addresses.http}/api/v1/cameras/${EDGE}/${CAMERA}/settings`;
    const basic = (user: string, password: string) =>
      `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const put = (authorization: string) =>
      fetch(target, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify({ settings: { sensitivity: -1, ignoreMasks: [] }, by: 'someone-else' }),
      });

    expect((await fetch(target)).status).toBe(401);
    expect((await put(basic('wall-screen', 'screen-secret'))).status).toBe(403);
    const saved = await put(basic('kiem.lam.binh', 'ranger-secret'));
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ version: 1, updatedBy: 'kiem.lam.binh' });
    const changes = (await (
      await fetch(`${target}/changes`, { headers: { authorization: basic('wall-screen', 'screen-secret') } })
    ).json()) as CameraSettingsChanges;
    expect(changes.changes.map((c) => c.by)).toEqual(['kiem.lam.binh']);
  });
});
