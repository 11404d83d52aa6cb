/**
 * Real components end to end: simulated ONVIF cameras (Node SOAP + GStreamer RTSP + JPEG snapshot),
 * node-onvif discovery and provisioning, ffprobe/ffmpeg on the stream URIs, the edge's camera inventory.
 * One simulator (3 cameras) for the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEdgeBus, type CameraSource } from '../../edge/events.js';
import { camerasConfig } from '../../edge/cameras/config.js';
import { CameraInventoryPart } from '../../edge/cameras/inventory-part.js';
import { OnvifProblem, discoverOnvif, provisionOnvif } from '../../edge/cameras/onvif-client.js';
import { chooseDetectionProfile, withCredentials } from '../../edge/cameras/profile.js';
import { CameraInventory } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { parseScenario } from '../../simulators/cameras/scenario.js';
import { createCameraSimulator, type CameraSimulator } from '../../simulators/cameras/simulator.js';
import { capturingLogger, metricValue } from '../support/cloud-fixtures.js';
import { decodeFrames, ffprobeStream, isJpeg } from '../support/media.js';
import { waitFor } from '../support/wait.js';

let sim: CameraSimulator;

beforeAll(async () => {
  sim = createCameraSimulator({
    count: 3,
    scenario: parseScenario({
      cameras: [
        { id: 'tower-a', fires: [{ ignitionS: 0, x: 0.5, size: 1.2 }] },
        { id: 'tower-b', distractors: ['clouds', 'glare'] },
        { id: 'tower-c', fault: 'truncated-xml' },
      ],
    }),
  });
  await sim.start();
});

afterAll(async () => {
  await sim?.stop();
});

/** Orange/yellow flame-coloured pixels in an RGB frame. */
function flamePixels(frame: Buffer): number {
  let n = 0;
  for (let i = 0; i < frame.length; i += 3) {
    const r = frame[i]!,
      g = frame[i + 1]!,
      b = frame[i + 2]!;
    if (r > 200 && g > 70 && g < 215 && b < 110 && r - b > 120) n++;
  }
  return n;
}

describe('simulated cameras seen by real ONVIF clients', () => {
  it('node-onvif discovers every simulated camera (multicast, or directed probe when the host has no multicast route)', async () => {
    const { cameras } = await discoverOnvif({
      multicast: true,
      unicastTargets: [`127.0.0.1:${sim.discoveryPort}`],
    });
    const found = new Set(cameras.flatMap((c) => c.xaddrs));
    for (const camera of sim.cameras)
      expect(found, `discovery should find ${camera.id}`).toContain(camera.xaddr);
    const own = cameras.filter((c) => sim.cameras.some((s) => c.xaddrs.includes(s.xaddr)));
    // Records which path worked here (multicast through the default route, or the directed probe).
    console.info(`discovery paths: ${[...new Set(own.map((c) => c.via))].join(', ')}`);
  });

  it('provisions with node-onvif: make/model/firmware, two profiles, sub-stream chosen; ffprobe opens it and ffmpeg decodes frames', async () => {
    const camera = sim.camera('tower-a');
    const device = await provisionOnvif({ xaddr: camera.xaddr, username: 'admin', password: 'demo' });
    expect(device).toMatchObject({
      manufacturer: 'SimVision',
      model: 'SV-T640-IR',
      firmware: 'V5.7.3 build 240117',
    });
    expect(device.profiles.map((p) => [p.token, p.width, p.height])).toEqual([
      ['profile_main', 640, 360],
      ['profile_sub', 320, 180],
    ]);
    const profile = chooseDetectionProfile(device.profiles, 320)!;
    expect(profile.token).toBe('profile_sub');
    expect(chooseDetectionProfile(device.profiles, 640)!.token).toBe('profile_main');

    const url = withCredentials(profile.streamUri!, 'admin', 'demo');
    expect(await ffprobeStream(url)).toEqual({ codec: 'h264', width: 320, height: 180 });
    const frames = await decodeFrames(url, 3, 320, 180);
    expect(frames).toHaveLength(3);
    // The scripted fire (ignition at 0 s) is in the picture; the calm camera has none.
    expect(flamePixels(frames[2]!)).toBeGreaterThan(20);
    const calm = await decodeFrames(
      withCredentials(sim.camera('tower-b').streamUrls.sub, 'admin', 'demo'),
      1,
      320,
      180,
    );
    expect(flamePixels(calm[0]!)).toBeLessThan(5);
  });

  it('the snapshot URI returns a JPEG with the credentials and 401 without', async () => {
    const device = await provisionOnvif({
      xaddr: sim.camera('tower-b').xaddr,
      username: 'admin',
      password: 'demo',
    });
    const snapshot = device.profiles[0]!.snapshotUri!;
    const auth = `Basic ${Buffer.from('admin:demo').toString('base64')}`;
    const ok = await fetch(snapshot, { headers: { authorization: auth } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/jpeg');
    expect(isJpeg(Buffer.from(await ok.arrayBuffer()))).toBe(true);
    expect((await fetch(snapshot)).status).toBe(401);
  });

  it('wrong credentials are refused with a SOAP NotAuthorized fault', async () => {
    const attempt = provisionOnvif({
      xaddr: sim.camera('tower-b').xaddr,
      username: 'admin',
      password: 'wrong',
    });
    await expect(attempt).rejects.toBeInstanceOf(OnvifProblem);
    await expect(attempt).rejects.toMatchObject({
      kind: 'unauthorized',
      message: expect.stringMatching(/Not ?Authori[sz]ed/i),
    });
  });

  it('truncated and incomplete ONVIF answers are reported as malformed', async () => {
    const camera = sim.camera('tower-c');
    const truncated = provisionOnvif({ xaddr: camera.xaddr, username: 'admin', password: 'demo' });
    await expect(truncated).rejects.toMatchObject({ kind: 'malformed' });
    camera.setFault('missing-elements');
    const incomplete = provisionOnvif({ xaddr: camera.xaddr, username: 'admin', password: 'demo' });
    await expect(incomplete).rejects.toMatchObject({ kind: 'malformed' });
    camera.setFault('truncated-xml');
  });
});

describe('edge camera inventory', () => {
  const inventorySchema = compileSchema(CameraInventory);

  it('reports online / unauthorized / malformed per camera, heals, and brings back a killed camera', async () => {
    const published: CameraInventory[] = [];
    const emitted: CameraSource[][] = [];
    const bus = createEdgeBus();
    bus.on('camera.sources', ({ cameras }) => emitted.push(cameras));
    const { log, lines } = capturingLogger('info');
    const registry = createMetricsRegistry('edge-test', false);
    const config = camerasConfig({
      username: 'admin',
      password: 'demo',
      checkIntervalS: 0.5,
      retry: { initialS: 0.2, maxS: 1 },
      devices: [
        {
          id: 'north',
          xaddr: sim.camera('tower-a').xaddr,
          position: { lat: 9.05, lon: 104.9 },
          bearingDeg: 315,
        },
        { id: 'east', xaddr: sim.camera('tower-b').xaddr, password: 'not-the-password' },
        { id: 'south', xaddr: sim.camera('tower-c').xaddr },
        { id: 'cheap', streamUrl: 'rtsp://127.0.0.1:1/live', username: 'u', password: 'p' },
      ],
    });
    const part = new CameraInventoryPart(config, {
      edgeId: 'edge-cam-test',
      bus,
      log,
      registry,
      publishRetained: async (topic, payload) => {
        expect(topic).toBe(topics.cameraInventory('edge-cam-test'));
        const parsed = inventorySchema.parseJson(payload);
        expect(parsed.ok).toBe(true);
        if (parsed.ok) published.push(parsed.value);
        return true;
      },
    });
    const state = (id: string) => published.at(-1)?.cameras.find((c) => c.cameraId === id);
    await part.start();
    try {
      await waitFor(
        () =>
          state('north')?.state === 'online' &&
          state('east')?.state === 'unauthorized' &&
          state('south')?.state === 'malformed',
        20_000,
        'north online, east unauthorized, south malformed',
      );
      const north = state('north')!;
      expect(north).toMatchObject({
        origin: 'onvif',
        manufacturer: 'SimVision',
        model: 'SV-T640-IR',
        firmware: 'V5.7.3 build 240117',
        profile: { token: 'profile_main', width: 640, height: 360 },
        profiles: 2,
        position: { lat: 9.05, lon: 104.9 },
        bearingDeg: 315,
      });
      // Credentials never leave the edge.
      expect(JSON.stringify(published.at(-1))).not.toMatch(/demo|not-the-password|u:p@/);
      expect(state('cheap')).toMatchObject({
        origin: 'url',
        state: 'online',
        streamUrl: 'rtsp://127.0.0.1:1/live',
      });
      expect(state('east')!.reason).toMatch(/Not ?Authori[sz]ed/i);
      expect(lines.some((l) => l.camera === 'east' && /unauthorized/.test(String(l.msg)))).toBe(true);
      expect(lines.some((l) => l.camera === 'south' && /malformed/.test(String(l.msg)))).toBe(true);

      const sources = emitted.at(-1)!;
      expect(sources.map((s) => s.cameraId).sort()).toEqual(['cheap', 'north']);
      const northSource = sources.find((s) => s.cameraId === 'north')!;
      expect(northSource).toMatchObject({
        width: 640,
        height: 360,
        bearingDeg: 315,
        position: { lat: 9.05, lon: 104.9 },
      });
      expect(northSource.streamUrl).toMatch(/^rtsp:\/\/admin:demo@127\.0\.0\.1:\d+\/main$/);
      expect(sources.find((s) => s.cameraId === 'cheap')!.streamUrl).toBe('rtsp://u:p@127.0.0.1:1/live');

      // Broken firmware fixed: south comes online at its next retry.
      sim.camera('tower-c').setFault('none');
      await waitFor(() => state('south')?.state === 'online', 20_000, 'south online');

      // Power cut on the north camera: unreachable, gone from the sources; back on: online, frames flow.
      await sim.camera('tower-a').stop({ kill: true });
      await waitFor(() => state('north')?.state === 'unreachable', 20_000, 'north unreachable');
      expect(emitted.at(-1)!.some((s) => s.cameraId === 'north')).toBe(false);
      await sim.camera('tower-a').start();
      await waitFor(() => state('north')?.state === 'online', 30_000, 'north online again');
      const back = await waitFor(
        () => emitted.at(-1)!.find((s) => s.cameraId === 'north'),
        20_000,
        'north back in the sources',
      );
      const frames = await decodeFrames(back.streamUrl, 2, 320, 180);
      expect(frames).toHaveLength(2);

      const metrics = await registry.metrics();
      expect(
        metricValue(metrics, 'lookout_edge_camera_provisioning_total', { result: 'unauthorized' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        metricValue(metrics, 'lookout_edge_camera_provisioning_total', { result: 'unreachable' }),
      ).toBeGreaterThanOrEqual(1);
      expect(metricValue(metrics, 'lookout_edge_cameras', { state: 'online' })).toBe(3);
    } finally {
      await part.stop();
      sim.camera('tower-c').setFault('truncated-xml');
    }
  });

  it('adds cameras found by WS-Discovery with the default credentials', async () => {
    const published: CameraInventory[] = [];
    const config = camerasConfig({
      username: 'admin',
      password: 'demo',
      retry: { initialS: 0.2, maxS: 1 },
      discovery: { enabled: true, multicast: false, unicastTargets: [`127.0.0.1:${sim.discoveryPort}`] },
    });
    const part = new CameraInventoryPart(config, {
      edgeId: 'edge-disc',
      bus: createEdgeBus(),
      log: capturingLogger('warn').log,
      registry: createMetricsRegistry('edge-disc', false),
      publishRetained: async (_topic, payload) => {
        published.push(JSON.parse(payload) as CameraInventory);
        return true;
      },
    });
    await part.start();
    try {
      const inventory = await waitFor(
        () => {
          const last = published.at(-1);
          return last &&
            last.cameras.length === 3 &&
            last.cameras.filter((c) => c.state !== 'pending').length === 3
            ? last
            : undefined;
        },
        20_000,
        'three discovered cameras provisioned',
      );
      expect(
        inventory.cameras.every((c) => c.origin === 'discovered' && /^onvif-[0-9a-f]{12}$/.test(c.cameraId)),
      ).toBe(true);
      expect(inventory.cameras.map((c) => c.state).sort()).toEqual(['malformed', 'online', 'online']);
      expect(new Set(inventory.cameras.map((c) => c.xaddr))).toEqual(
        new Set(sim.cameras.map((c) => c.xaddr)),
      );
    } finally {
      await part.stop();
    }
  });
});
