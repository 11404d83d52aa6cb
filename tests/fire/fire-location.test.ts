/**
 * Locating a fire from two towers with real components: two edges publish their cameras' fire alerts as the edge
 * builds them (`toFireAlert`, QoS 1 over TCP to the cloud's aedes broker), the cloud (real influxd) groups the
 * alerts of the two cameras into a located fire, stores it, serves it on the API, publishes it on MQTT and says
 * where it is in the rangers' notification. A third camera looking elsewhere stays a bearing of its own.
 */
import path from 'node:path';
import mqtt from 'mqtt';
import { beforeAll, expect, it } from 'vitest';
import { alarmsFeature } from '../../cloud/alarms/feature.js';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { fireAlertsFeature } from '../../cloud/fire/feature.js';
import { distanceM } from '../../cloud/fire/locate.js';
import { notifyFeature } from '../../cloud/notify/feature.js';
import type { PipelineCamera } from '../../edge/fire/pipeline.js';
import type { FireAlertList, LocatedFire, LocatedFireList } from '../../protocols/api/fire.js';
import { AlarmNotification } from '../../protocols/api/notifications.js';
import type { FireAlert } from '../../protocols/mqtt/payloads.js';
import { filters } from '../../protocols/mqtt/topics.js';
import { compileSchema } from '../../protocols/validation.js';
import { silentLogger } from '../../runtime/logger.js';
import { WebhookReceiver } from '../../simulators/notifications/webhook-receiver.js';
import { removeDir, tempDir } from '../support/cloud-fixtures.js';
import { FIRE, publishAsEdge, tower, towerAlert } from '../support/fire-towers.js';
import { startTestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
let cloud: Cloud;
const rangers = new WebhookReceiver();
const checkNotification = compileSchema(AlarmNotification);

/** Stated error: the located point within 150 m of the fire for towers 3-7 km away with exact headings. */
const MAX_ERROR_M = 150;

const south = tower('cam-south', 200, 3.4, 0.35, 'Tháp Nam');
const east = tower('cam-east', 100, 6.3, 0.7, 'Tháp Đông');
// Looks away from the fire: smoke it sees elsewhere (cooking fire) is not the same fire.
const west = { ...tower('cam-west', 280, 5, 0.5, 'Tháp Tây'), bearingDeg: 300 };

const alertOf = (camera: PipelineCamera, x: number, kind: 'new' | 'update', ts: number) =>
  towerAlert(camera, x, kind, ts);
const publishAs = (edgeId: string, alert: FireAlert) => publishAsEdge(cloud.addresses.mqtt, edgeId, alert);

beforeAll(async () => {
  const dir = await scope.use(tempDir('fire-location'), removeDir);
  const [influx] = await Promise.all([
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    scope.use(rangers.start(), () => rangers.stop()),
  ]);
  const config = cloudConfig({
    mqtt: { port: 0, wsPort: 0 },
    http: { port: 0 },
    influx: { host: influx.influxd.host, port: influx.influxd.port, database: 'fire_location' },
    dataDir: path.join(dir, 'cloud'),
    fire: { placesFile: 'cloud/fire/places/u-minh-ha-demo.geojson' },
    notify: { publicUrl: 'https://lookout.example.vn', webhooks: [{ name: 'rangers', url: rangers.url }] },
  });
  const alarms = alarmsFeature();
  cloud = createCloud(config, {
    log: silentLogger(),
    features: [alarms, fireAlertsFeature({ alarms }), notifyFeature(config.notify)],
  });
  scope.defer(() => cloud.stop());
  await cloud.start();
});

it('locates a fire two towers see within the stated error, on the API, on MQTT and in the notification', async () => {
  const live: LocatedFire[] = [];
  const dashboard = await mqtt.connectAsync(cloud.addresses.mqtt, { clientId: 'dashboard-test' });
  dashboard.on('message', (_topic, payload) => live.push(JSON.parse(payload.toString()) as LocatedFire));
  await dashboard.subscribeAsync(filters.cloudLocatedFires, { qos: 1 });
  try {
    const t0 = Date.now() - 120_000;
    await publishAs('edge-south', alertOf(south, 0.35, 'new', t0));
    await publishAs('edge-west', alertOf(west, 0.5, 'new', t0 + 5_000));
    await publishAs('edge-east', alertOf(east, 0.7, 'new', t0 + 60_000));

    const fires = await waitFor(
      async () => {
        const response = await fetch(`${cloud.addresses.http}/api/v1/fire/located`);
        const list = ((await response.json()) as LocatedFireList).fires;
        return list.some((f) => f.method === 'intersection') && list.length >= 2 ? list : undefined;
      },
      20_000,
      'a located fire',
    );
    const located = fires.find((f) => f.method === 'intersection')!;
    expect(distanceM(located.point!, FIRE)).toBeLessThan(MAX_ERROR_M);
    expect(located.id).toBe('edge-south.cam-south-0001'); // named by the first camera that saw it
    expect(located.cameras.map((c) => `${c.edgeId}/${c.cameraId}`)).toEqual([
      'edge-south/cam-south',
      'edge-east/cam-east',
    ]);
    expect(located.cameras[0]!.distanceM).toBeGreaterThan(3300);
    expect(located.cameras[0]!.distanceM).toBeLessThan(3500);
    expect(located.errorM).toBeGreaterThan(50);
    expect(located.errorM).toBeLessThan(1000);
    expect(located.area.length).toBeGreaterThan(3);
    expect(located.place?.area).toBe('Tiểu khu 10 (demo)');
    expect(located.place?.nearest?.name).toBe('Trạm kiểm lâm Vồ Dơi (demo)');
    // The west camera's smoke is not in the others' cones: a bearing of its own.
    const bearing = fires.find((f) => f.id === 'edge-west.cam-west-0001')!;
    expect(bearing).toMatchObject({ method: 'bearing', ray: { bearingDeg: 300, fromM: 0, toM: 15_000 } });

    const one = await fetch(`${cloud.addresses.http}/api/v1/fire/located/${located.id}`);
    expect(await one.json()).toEqual(located);
    expect((await fetch(`${cloud.addresses.http}/api/v1/fire/located/nope`)).status).toBe(404);
    const events = await fetch(`${cloud.addresses.http}/api/v1/fire/alerts?alertId=cam-east-0001`);
    expect(((await events.json()) as FireAlertList).alerts[0]!.location).toEqual({
      fireId: located.id,
      method: 'intersection',
      point: located.point,
      errorM: located.errorM,
    });

    await waitFor(async () => live.find((f) => f.method === 'intersection'), 10_000, 'live located fire');
    expect(live.find((f) => f.method === 'intersection')).toEqual(located);

    // The east camera's alarm is the first to know where the fire is: its notification says it.
    const notification = await waitFor(
      async () =>
        rangers.received
          .map((r) => checkNotification.parseJson(r.body))
          .map((parsed) => (parsed.ok ? parsed.value : undefined))
          .find((n) => n?.alarm.originator === 'camera:edge-east/cam-east'),
      20_000,
      'the east camera notification',
    );
    expect(notification.text).toContain('camera Tháp Đông (edge-east/cam-east)');
    expect(notification.text).toContain('2 camera cùng thấy');
    expect(notification.text).toContain('trong Tiểu khu 10 (demo)');
    expect(notification.text).toMatch(/cách Trạm kiểm lâm Vồ Dơi \(demo\) \d+ m về phía (bắc|đông bắc)/);
    expect(notification.text).toMatch(/cách camera 6,\d km/);
    expect(notification.geoUri).toBe(
      `geo:${located.point!.lat.toFixed(6)},${located.point!.lon.toFixed(6)}?q=${located.point!.lat.toFixed(6)},${located.point!.lon.toFixed(6)}`,
    );
    expect(notification.mapUrl).toContain('https://www.openstreetmap.org/?mlat=');
    expect(notification.link).toBe('https://lookout.example.vn/#/fire/cam-east-0001');
    // The first camera alone could only give its bearing and range.
    const first = rangers.received
      .map((r) => checkNotification.parseJson(r.body))
      .find((parsed) => parsed.ok && parsed.value.alarm.originator === 'camera:edge-south/cam-south');
    expect(first?.ok && first.value.text).toMatch(/hướng \d+° tính từ camera, trong phạm vi 15 km/);
  } finally {
    await dashboard.endAsync();
  }
});

it('does not join sightings further apart in time than the window', async () => {
  const t0 = Date.now() - 3_600_000;
  await publishAs('edge-south', { ...alertOf(south, 0.35, 'new', t0), alertId: 'cam-south-0002' });
  await publishAs('edge-east', { ...alertOf(east, 0.7, 'new', t0 + 400_000), alertId: 'cam-east-0002' });
  const fires = await waitFor(
    async () => {
      const response = await fetch(`${cloud.addresses.http}/api/v1/fire/located?since=${t0}`);
      const list = ((await response.json()) as LocatedFireList).fires;
      return list.some((f) => f.id === 'edge-east.cam-east-0002') ? list : undefined;
    },
    20_000,
    'the late sighting',
  );
  expect(fires.find((f) => f.id === 'edge-east.cam-east-0002')?.method).toBe('bearing');
});
