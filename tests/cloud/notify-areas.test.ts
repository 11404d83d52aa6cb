/**
 * Routing by area through the whole cloud (cloudFeatures) with real components: two edges publish their camera
 * inventories (positions) and fire alerts over MQTT (TCP) to the cloud's aedes broker, alarms are raised and stored
 * in a real influxd, and real HTTP webhook receivers on loopback stand for two ranger stations (one subscribed by
 * commune from a GeoJSON file, one by a polygon) and the provincial room (no area): each station gets only its
 * own fire, the provincial room gets both.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CloudConfig } from '../../cloud/config.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { createCloudBus } from '../../cloud/events.js';
import { cloudFeatures } from '../../cloud/features.js';
import { alarmPoint, inArea, loadCommunes } from '../../cloud/notify/area.js';
import { NotifyConfig } from '../../cloud/notify/config.js';
import { NotifyPart } from '../../cloud/notify/notify-part.js';
import type { Alarm } from '../../protocols/api/alarms.js';
import type { CameraInventory, FireAlert } from '../../protocols/mqtt/payloads.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { silentLogger } from '../../runtime/logger.js';
import { createMetricsRegistry } from '../../runtime/metrics.js';
import { WebhookReceiver } from '../../simulators/notifications/webhook-receiver.js';
import { metricValue, removeDir, tempDir } from '../support/cloud-fixtures.js';
import { startTestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
let dir: string;
let communesFile: string;
let cloud: Cloud;
const uMinh = new WebhookReceiver();
const tranVanThoi = new WebhookReceiver();
const province = new WebhookReceiver();

/** Two communes side by side (lon 104.9-105.0 and 105.0-105.1, lat 9.2-9.3); Khánh An as two parts. */
const square = (lon: number, lat: number, size: number) => [
  [
    [lon, lat],
    [lon + size, lat],
    [lon + size, lat + size],
    [lon, lat + size],
    [lon, lat],
  ],
];
const COMMUNES = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      properties: { name: 'Khánh Thuận' },
      geometry: { type: 'Polygon', coordinates: square(104.9, 9.2, 0.1) },
    },
    {
      type: 'Feature',
      properties: { name: 'Khánh An' },
      geometry: { type: 'MultiPolygon', coordinates: [square(105.0, 9.2, 0.05), square(105.05, 9.2, 0.05)] },
    },
  ],
};
/** The Trần Văn Thời station's forest, drawn by hand: around 9.05-9.15 N, 104.95-105.05 E. */
const TRAN_VAN_THOI: Array<[number, number]> = [
  [104.95, 9.05],
  [105.05, 9.05],
  [105.05, 9.15],
  [104.95, 9.15],
];

beforeAll(async () => {
  dir = await scope.use(tempDir('notify-areas'), removeDir);
  communesFile = path.join(dir, 'communes.geojson');
  await writeFile(communesFile, JSON.stringify(COMMUNES));
  const [influx] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    ...[uMinh, tranVanThoi, province].map((receiver) => scope.use(receiver.start(), () => receiver.stop())),
  ]);
  const config: CloudConfig = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'notify_areas' },
    dataDir: path.join(dir, 'cloud'),
    notify: {
      communesFile,
      webhooks: [
        { name: 'u-minh', url: uMinh.url, types: ['fire'], area: { communes: ['khánh thuận'] } },
        { name: 'tran-van-thoi', url: tranVanThoi.url, types: ['fire'], area: { polygon: TRAN_VAN_THOI } },
        { name: 'province', url: province.url },
      ],
    },
  });
  cloud = createCloud(config, { log: silentLogger(), features: cloudFeatures(config) });
  await scope.use(cloud.start(), () => cloud.stop());
});

function inventory(edgeId: string, lat: number, lon: number): CameraInventory {
  const ts = Date.now();
  return {
    edgeId,
    ts,
    cameras: [
      { cameraId: 'cam-1', state: 'online', origin: 'url', position: { lat, lon }, since: ts, failures: 0 },
    ],
  };
}

function fire(edgeId: string): FireAlert {
  const ts = Date.now();
  return {
    edgeId,
    cameraId: 'cam-1',
    alertId: `${edgeId}-cam-1-1`,
    event: 'new',
    className: 'smoke',
    confidence: 0.8,
    boxes: [{ x1: 0.4, y1: 0.3, x2: 0.6, y2: 0.5, score: 0.8 }],
    firstSeenTs: ts,
    ts,
    camera: {},
  };
}

it('sends each ranger station only the fires in its area, and the provincial room all of them', async () => {
  const towers = [
    { edgeId: 'edge-a', lat: 9.25, lon: 104.95 }, // in Khánh Thuận: U Minh's
    { edgeId: 'edge-b', lat: 9.1, lon: 105.0 }, // in the Trần Văn Thời polygon
  ];
  for (const tower of towers) {
    const client = await mqtt.connectAsync(cloud.addresses.mqtt, {
      clientId: tower.edgeId,
      reconnectPeriod: 0,
    });
    scope.defer(() => client.endAsync(true));
    await client.publishAsync(
      topics.cameraInventory(tower.edgeId),
      JSON.stringify(inventory(tower.edgeId, tower.lat, tower.lon)),
      { qos: 1, retain: true },
    );
    await waitFor(
      async () => {
        const response = await fetch(`${cloud.addresses.http}/api/v1/cameras?edgeId=${tower.edgeId}`);
        return ((await response.json()) as { cameras: unknown[] }).cameras.length === 1 ? true : undefined;
      },
      10_000,
      `${tower.edgeId}'s inventory`,
    );
    await client.publishAsync(topics.fireAlert(tower.edgeId), JSON.stringify(fire(tower.edgeId)), { qos: 1 });
  }
  await waitFor(() => province.received.length === 2, 20_000, 'the provincial room got both fires');
  await waitFor(
    () => uMinh.received.length >= 1 && tranVanThoi.received.length >= 1,
    20_000,
    'each station got a fire',
  );
  // Every webhook's queue was filled in the same step as the province's: nothing more is on its way.
  const metrics = await (await fetch(`${cloud.addresses.http}/metrics`)).text();
  for (const webhook of ['u-minh', 'tran-van-thoi'])
    expect(metricValue(metrics, 'lookout_cloud_notifications_queued', { webhook })).toBe(0);
  const originators = (receiver: WebhookReceiver) => receiver.json().map((n) => n.alarm.originator);
  expect(originators(uMinh)).toEqual(['camera:edge-a/cam-1']);
  expect(originators(tranVanThoi)).toEqual(['camera:edge-b/cam-1']);
  expect(originators(province).sort()).toEqual(['camera:edge-a/cam-1', 'camera:edge-b/cam-1']);
});

describe('areas', () => {
  const alarm = (originator: string, details: Record<string, unknown> = {}): Alarm => ({
    id: 'a',
    originator,
    type: 'fire',
    severity: 'CRITICAL',
    status: 'ACTIVE_UNACK',
    startTs: 0,
    lastTs: 0,
    createdAt: 0,
    updatedAt: 0,
    count: 1,
    details,
  });

  it('match listed cameras and edges (an edge alarm goes to whoever watches one of its cameras), polygons and communes', async () => {
    const communes = await loadCommunes(communesFile, '/');
    const cameras = { cameras: ['edge-a/cam-1'] };
    expect(inArea(cameras, alarm('camera:edge-a/cam-1'), undefined, communes)).toBe(true);
    expect(inArea(cameras, alarm('camera:edge-a/cam-2'), undefined, communes)).toBe(false);
    expect(inArea(cameras, alarm('edge:edge-a'), undefined, communes)).toBe(true);
    expect(inArea({ edges: ['edge-b'] }, alarm('camera:edge-b/cam-9'), undefined, communes)).toBe(true);
    expect(inArea({ edges: ['edge-b'] }, alarm('edge:edge-a'), undefined, communes)).toBe(false);
    const khanhAn = { communes: ['Khánh An'] };
    expect(inArea(khanhAn, alarm('vessel:1'), { lat: 9.22, lon: 105.07 }, communes)).toBe(true); // second part
    expect(inArea(khanhAn, alarm('vessel:1'), { lat: 9.22, lon: 104.97 }, communes)).toBe(false);
    expect(inArea(khanhAn, alarm('vessel:1'), undefined, communes)).toBe(false); // nowhere: only to webhooks without an area
    expect(inArea({ polygon: TRAN_VAN_THOI }, alarm('x'), { lat: 9.1, lon: 105 }, communes)).toBe(true);
    expect(inArea({ polygon: TRAN_VAN_THOI }, alarm('x'), { lat: 9.2, lon: 105 }, communes)).toBe(false);
  });

  it("place an alarm at the located fire, else its camera's position (details, else the inventory), else nowhere", () => {
    const inventory = (edgeId: string, cameraId: string) =>
      edgeId === 'edge-a' && cameraId === 'cam-1' ? { lat: 9.3, lon: 105.3 } : undefined;
    const located = alarm('camera:edge-a/cam-1', { lat: 9.1, lon: 105.1, cameraLat: 9.2, cameraLon: 105.2 });
    expect(alarmPoint(located, inventory)).toEqual({ lat: 9.1, lon: 105.1 });
    expect(alarmPoint(alarm('camera:edge-a/cam-1', { cameraLat: 9.2, cameraLon: 105.2 }), inventory)).toEqual(
      {
        lat: 9.2,
        lon: 105.2,
      },
    );
    expect(alarmPoint(alarm('camera:edge-a/cam-1'), inventory)).toEqual({ lat: 9.3, lon: 105.3 });
    expect(alarmPoint(alarm('camera:edge-b/cam-1'), inventory)).toBeUndefined();
    expect(alarmPoint(alarm('edge:edge-a'), inventory)).toBeUndefined();
  });

  it('refuse to start with a commune the file does not have, naming the webhook', async () => {
    const parsed = compileSchema(NotifyConfig).parseValue({
      communesFile,
      webhooks: [{ name: 'station-x', url: 'http://127.0.0.1:9/', area: { communes: ['Nowhere'] } }],
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const part = new NotifyPart({
      config: parsed.value,
      bus: createCloudBus(),
      log: silentLogger(),
      registry: createMetricsRegistry('cloud', false),
      communes: () => loadCommunes(communesFile, '/'),
    });
    await expect(part.start()).rejects.toThrow(
      /station-x: area.communes "Nowhere" not in .*communes.geojson/,
    );
  });
});
