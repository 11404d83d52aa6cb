/**
 * Camera inventory end to end with real components: simulated ONVIF cameras, the edge (createEdge with its
 * camera part, node-onvif), a real aedes broker inside the cloud, real influxd, and GET /api/v1/cameras.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camerasFeature } from '../../cloud/cameras/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import type { Edge } from '../../edge/core.js';
import type { CameraList } from '../../protocols/api/cameras.js';
import { CameraInventory } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { createCameraSimulator, type CameraSimulator } from '../../simulators/cameras/simulator.js';
import { capturingLogger, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { startTestEdge, tempOutboxDir } from '../support/edge-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
let influx: TestInfluxd;
let sim: CameraSimulator;
let cloud: Cloud;
let edge: Edge;
const outbox = tempOutboxDir();

beforeAll(async () => {
  [influx, sim] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    createCameraSimulator({ count: 2, discovery: false }),
  ]);
  await sim.start();
  cloud = createCloud(
    cloudConfig({
      mqtt: { port: 0, wsPort: 0 },
      http: { port: 0 },
      influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'cameras_e2e' },
      dataDir: await scope.use(tempDir('cloud-cameras'), removeDir),
    }),
    { log: capturingLogger('warn').log, features: [camerasFeature()] },
  );
  await cloud.start();
  edge = await startTestEdge(cloud.addresses.mqtt, outbox.dir, {
    cameras: {
      username: 'admin',
      password: 'demo',
      checkIntervalS: 1,
      retry: { initialS: 0.2, maxS: 1 },
      devices: [
        {
          id: 'tower-1',
          xaddr: sim.cameras[0]!.xaddr,
          position: { lat: 9.176, lon: 104.912 },
          bearingDeg: 270,
        },
        { id: 'tower-2', xaddr: sim.cameras[1]!.xaddr, password: 'wrong' },
      ],
    },
  });
});

afterAll(async () => {
  await edge?.stop();
  await cloud?.stop();
  await sim?.stop();
  outbox.remove();
});

const getCameras = async (query = '') =>
  (await (await fetch(`${cloud.addresses.http}/api/v1/cameras${query}`)).json()) as CameraList;

describe('camera inventory from edge to cloud API', () => {
  it('GET /api/v1/cameras shows what the edge provisioned, per camera state', async () => {
    const { cameras } = await waitFor(
      async () => {
        const list = await getCameras();
        const states = list.cameras.map((c) => `${c.cameraId}:${c.state}`).sort();
        return states.join() === 'tower-1:online,tower-2:unauthorized' ? list : undefined;
      },
      20_000,
      'both cameras settled in the cloud',
    );
    const [one, two] = cameras;
    expect(one).toMatchObject({
      edgeId: 'edge-test',
      cameraId: 'tower-1',
      origin: 'onvif',
      manufacturer: 'SimVision',
      model: 'SV-T640-IR',
      profile: { token: 'profile_main', width: 640, height: 360 },
      streamUrl: sim.cameras[0]!.streamUrls.main,
      position: { lat: 9.176, lon: 104.912 },
      bearingDeg: 270,
    });
    expect(two).toMatchObject({
      cameraId: 'tower-2',
      state: 'unauthorized',
      reason: expect.stringMatching(/authori[sz]ed/i),
    });
    expect((await getCameras('?state=unauthorized')).cameras.map((c) => c.cameraId)).toEqual(['tower-2']);
    expect((await getCameras('?edgeId=other-edge')).cameras).toEqual([]);
    expect(edge.health().cameras).toEqual({ online: 1, offline: 1 });
  });

  it('the inventory is retained on the broker, and a frame-reader status shows up as `stream`', async () => {
    const client = await mqtt.connectAsync(cloud.addresses.mqtt, {
      clientId: 'camera-test-subscriber',
      reconnectPeriod: 0,
    });
    try {
      const retained = new Promise<Buffer>((resolve) =>
        client.on('message', (_topic, payload, packet) => packet.retain && resolve(payload)),
      );
      await client.subscribeAsync(topics.cameraInventory('edge-test'), { qos: 1 });
      const inventory = compileSchema(CameraInventory).parseJson(await retained);
      expect(inventory.ok && inventory.value.cameras.map((c) => c.cameraId).sort()).toEqual([
        'tower-1',
        'tower-2',
      ]);

      const status = {
        cameraId: 'tower-1',
        ts: Date.now(),
        state: 'online',
        lastFrameTs: Date.now(),
        restarts: 2,
      };
      await client.publishAsync(topics.cameraStatus('edge-test', 'tower-1'), JSON.stringify(status), {
        qos: 1,
        retain: true,
      });
      const withStream = await waitFor(
        async () =>
          (await getCameras()).cameras.find((c) => c.cameraId === 'tower-1' && c.stream?.restarts === 2),
        20_000,
        'the stream status in the API',
      );
      expect(withStream.stream).toMatchObject({ state: 'online', restarts: 2 });
    } finally {
      await client.endAsync(true);
    }
  });
});
