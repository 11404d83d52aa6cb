import { describe, expect, it } from 'vitest';
import type { CameraInventory } from '../../protocols/mqtt/payloads.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { createEdgeBus, type CameraSource } from '../events.js';
import { camerasConfig } from './config.js';
import { CameraInventoryPart } from './inventory-part.js';
import { OnvifProblem, type ProvisionedDevice } from './onvif-client.js';
import { waitFor } from '../../tests/support/wait.js';

const device: ProvisionedDevice = {
  manufacturer: 'M',
  model: 'X',
  firmware: '1',
  profiles: [
    {
      token: 'main',
      width: 1920,
      height: 1080,
      streamUri: 'rtsp://10.0.0.9/main',
      snapshotUri: 'http://10.0.0.9/snap.jpg',
    },
    { token: 'sub', width: 640, height: 360, streamUri: 'rtsp://10.0.0.9/sub' },
  ],
};

function setup(
  outcomes: Array<ProvisionedDevice | OnvifProblem | Error>,
  extra: Record<string, unknown> = {},
) {
  const calls: number[] = [];
  const published: CameraInventory[] = [];
  const emitted: CameraSource[][] = [];
  const bus = createEdgeBus();
  bus.on('camera.sources', ({ cameras }) => emitted.push(cameras));
  const part = new CameraInventoryPart(
    camerasConfig({
      username: 'admin',
      password: 'pw',
      checkIntervalS: 0.1,
      retry: { initialS: 0.05, maxS: 0.2 },
      devices: [{ id: 'c1', xaddr: 'http://10.0.0.9/onvif/device_service' }],
      ...extra,
    }),
    {
      edgeId: 'e1',
      bus,
      log: silentLogger(),
      registry: createMetricsRegistry('t', false),
      publishRetained: async (_topic, payload) => {
        published.push(JSON.parse(payload) as CameraInventory);
        return true;
      },
      provision: async () => {
        calls.push(Date.now());
        const next = outcomes.length > 1 ? outcomes.shift()! : outcomes[0]!;
        if (next instanceof Error) throw next;
        return next;
      },
    },
  );
  return { part, bus, calls, published, emitted };
}

describe('CameraInventoryPart', () => {
  it('retries a failing camera with growing delays, then goes online with the stream nearest the analysis width (main) and credentials', async () => {
    const refused = new OnvifProblem('unreachable', 'Network Error: connect ECONNREFUSED');
    const { part, calls, published, emitted } = setup([refused, refused, refused, refused, device]);
    await part.start();
    await waitFor(() => published.at(-1)?.cameras[0]?.state === 'online', 15_000, 'online');
    await part.stop();
    expect(calls.length).toBeGreaterThanOrEqual(5);
    // Each retry counted (the delay between them doubles: 50, 100, 200, 200 ms here); the count resets online.
    expect(published.slice(0, 5).map((p) => p.cameras[0]!.failures)).toEqual([1, 2, 3, 4, 0]);
    expect(emitted.at(-1)).toEqual([
      {
        cameraId: 'c1',
        streamUrl: 'rtsp://admin:pw@10.0.0.9/main',
        snapshotUrl: 'http://admin:pw@10.0.0.9/snap.jpg',
        width: 1920,
        height: 1080,
      },
    ]);
  });

  it('publishes only when something changed, and again when the uplink reconnects', async () => {
    const { part, bus, calls, published } = setup([device]);
    await part.start();
    await waitFor(() => calls.length >= 5, 15_000, 'several checks');
    const count = published.length;
    expect(count).toBe(1);
    bus.emit('uplink.state', { connected: true });
    await waitFor(() => published.length === count + 1, 15_000, 'republished');
    await part.stop();
  });

  it('an unexpected error is a malformed camera, never a crash; no RTSP URI is malformed too', async () => {
    const noRtsp: ProvisionedDevice = { profiles: [{ token: 'p', width: 320, height: 180 }] };
    const { part, published } = setup([new TypeError('boom'), noRtsp]);
    await part.start();
    await waitFor(
      () => /RTSP stream URI/.test(published.at(-1)?.cameras[0]?.reason ?? ''),
      15_000,
      'malformed with reason about RTSP',
    );
    await part.stop();
    expect(published.some((p) => p.cameras[0]?.reason === 'boom' && p.cameras[0].state === 'malformed')).toBe(
      true,
    );
  });

  it('refuses a config without address or with duplicate ids, naming the path', () => {
    expect(() =>
      setup([device], {
        devices: [{ id: 'a' }, { id: 'b', streamUrl: 'rtsp://x/1' }, { id: 'b', streamUrl: 'rtsp://x/2' }],
      }),
    ).toThrow(
      /\/edge\/cameras\/devices\/0: give "xaddr".*\n.*\/edge\/cameras\/devices\/2\/id: duplicate camera id "b"/s,
    );
  });
});
