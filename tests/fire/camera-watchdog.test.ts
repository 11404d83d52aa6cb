/**
 * A camera that hangs, dies and comes back: a real HTTP snapshot camera (node http server serving a JPEG that
 * ffmpeg made), the edge with its fire part reading it through ffmpeg, the real MQTT uplink to a real aedes
 * broker. The watchdog must kill the hung reader, restart it with backoff, and the retained camera status on
 * MQTT must go online -> offline -> online, counted in /metrics.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { edgeConfig } from '../../edge/config.js';
import { createEdge, type Edge } from '../../edge/core.js';
import { edgeFeatures } from '../../edge/features.js';
import { CameraStatus } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { freePort } from '../../runtime/ports.js';
import { startTestBroker, type TestBroker } from '../support/aedes-broker.js';
import { metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { tempOutboxDir } from '../support/edge-fixtures.js';
import { runFfmpeg } from '../support/fire-media.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
const MODEL = path.resolve(import.meta.dirname, '../../models/lookout-fire-smoke-256.onnx');

let broker: TestBroker;
let edge: Edge;
let jpeg: Buffer;
let port: number;
let camera: Server | undefined;
let mode: 'serve' | 'hang' = 'serve';
const outbox = tempOutboxDir();

async function startCamera(): Promise<void> {
  camera = createServer((_request, response) => {
    if (mode === 'hang') return; // accepts and never answers, like a wedged camera
    response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.length });
    response.end(jpeg);
  });
  await new Promise<void>((resolve) => camera!.listen(port, '127.0.0.1', () => resolve()));
}

async function killCamera(): Promise<void> {
  const server = camera;
  camera = undefined;
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const statusSchema = compileSchema(CameraStatus);
const statusTopic = topics.cameraStatus('edge-wd', 'cam-http');
const statuses = () =>
  broker.on(statusTopic).map((p) => {
    const parsed = statusSchema.parseJson(p.payload);
    if (!parsed.ok) throw new Error(`invalid CameraStatus: ${parsed.errors.join('; ')}`);
    expect(p.retain).toBe(true);
    return parsed.value;
  });
const states = () => statuses().map((s) => s.state);

beforeAll(async () => {
  const dir = await scope.use(tempDir('fire-watchdog'), removeDir);
  const file = path.join(dir, 'snapshot.jpg');
  await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=640x360', '-frames:v', '1', file]);
  jpeg = await readFile(file);
  port = await freePort();
  await startCamera();
  broker = await startTestBroker();
  const config = edgeConfig({
    edgeId: 'edge-wd',
    ais: { udp: { enabled: false }, tcp: { enabled: false } },
    http: { host: '127.0.0.1', port: 0 },
    mqtt: { url: broker.url, reconnect: { minMs: 50, maxMs: 500 } },
    outbox: { dir: outbox.dir },
    fire: {
      enabled: true,
      model: { path: MODEL },
      fps: 2,
      stallTimeoutS: 2,
      socketTimeoutS: 1,
      backoff: { minMs: 200, maxMs: 1000 },
      cameras: [{ id: 'cam-http', url: `http://127.0.0.1:${port}/snapshot.jpg` }],
    },
  });
  edge = createEdge(config, {
    log: silentLogger(),
    registry: createMetricsRegistry('edge', false),
    features: edgeFeatures(config),
  });
  await edge.start();
});

afterAll(async () => {
  await edge?.stop();
  await killCamera();
  await broker?.stop();
  outbox.remove();
});

it('a camera that hangs, then dies, then comes back: killed, restarted, status offline then online on MQTT', async () => {
  await waitFor(() => states().at(-1) === 'online', 20_000, 'camera online');

  // 1. The camera hangs: ffmpeg blocks in a read; the watchdog kills it after 2 s without a frame.
  mode = 'hang';
  await waitFor(() => states().at(-1) === 'offline', 20_000, 'offline after the hang');
  const hung = statuses().at(-1)!;
  expect(hung.reason).toMatch(/no frame for 2 s|exited/);
  mode = 'serve';
  await waitFor(() => states().at(-1) === 'online', 20_000, 'online again after the hang');

  // 2. The camera dies (server gone) and comes back on the same address.
  await killCamera();
  await waitFor(() => states().at(-1) === 'offline', 20_000, 'offline after the camera died');
  await startCamera();
  await waitFor(() => states().at(-1) === 'online', 20_000, 'online after the camera came back');

  const last = statuses().at(-1)!;
  expect(last.restarts).toBeGreaterThanOrEqual(2);
  expect(last.lastFrameTs).toBeGreaterThan(hung.ts - 60_000);
  // Each stage above waited for its own transition, in order; on a loaded machine a slow ffmpeg start may add a
  // stall restart of its own (offline, online), even before the first frame, so the count is a lower bound.
  const collapsed = states().filter((s, i, all) => i === 0 || s !== all[i - 1]);
  expect(collapsed.filter((s) => s === 'offline').length).toBeGreaterThanOrEqual(2);

  const metrics = await (await fetch(`${edge.httpAddress}/metrics`)).text();
  expect(
    metricValue(metrics, 'lookout_edge_camera_reader_restarts_total', { camera: 'cam-http' }),
  ).toBeGreaterThanOrEqual(2);
  expect(metricValue(metrics, 'lookout_edge_camera_online', { camera: 'cam-http' })).toBe(1);
  expect(metricValue(metrics, 'lookout_edge_fire_frames_total', { camera: 'cam-http' })).toBeGreaterThan(2);
});
