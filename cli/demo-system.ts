import { Type } from '@sinclair/typebox';
import { DEFAULT_LANGUAGE, translator, type Translator } from '../cloud/i18n/index.js';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cloudConfig, createCloud, type Cloud } from '../cloud/core.js';
import { cloudFeatures } from '../cloud/features.js';
import { LocalInfluxd } from '../cloud/influxdb/local-influxd.js';
import { LocalRedis } from '../cloud/cluster/local-redis.js';
import type { CloudConfig } from '../cloud/config.js';
import { edgeConfig } from '../edge/config.js';
import { createEdge, type Edge } from '../edge/core.js';
import { edgeFeatures } from '../edge/features.js';
import { bearingDeg } from '../cloud/fire/locate.js';
import { headingShowingAt } from '../protocols/fire/camera-geometry.js';
import { AlarmNotification, ReportNotification } from '../protocols/api/notifications.js';
import { compileSchema } from '../protocols/validation.js';
import { readConfigDocument } from '../runtime/config.js';
import { LocalPostgres } from '../runtime/local-postgres.js';
import { createFileLogger, type Logger } from '../runtime/logger.js';
import { freePort, preferredPort } from '../runtime/ports.js';
import {
  describeScript,
  loadScenario,
  type CameraScenario,
  type CameraScript,
} from '../simulators/cameras/scenario.js';
import { createCameraSimulator, type CameraSimulator } from '../simulators/cameras/simulator.js';
import { demoRegistry } from '../simulators/fleet/demo-registry.js';
import { createFleetSimulator, type FleetSimulator } from '../simulators/fleet/fleet.js';
import { FleetModel } from '../simulators/fleet/vessels.js';
import { iuuScenario } from '../simulators/fleet/scenarios/iuu.js';
import { replayPositions } from '../simulators/fleet/scenarios/replay.js';
import { UdpTransport } from '../simulators/fleet/transport.js';
import { WebhookReceiver } from '../simulators/notifications/webhook-receiver.js';

// The demo's console webhook hears alarms and, when `office.reports.dailyAt` is set, the scheduled reports.
const checkNotification = compileSchema(Type.Union([AlarmNotification, ReportNotification]));

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A progress line of the demo in Vietnamese, then in English (catalogues `demo.*`), as a ranger reads it first. */
export function bilingual(say: (line: string) => void): (...message: Parameters<Translator['t']>) => void {
  const [vi, en] = [translator('vi'), translator('en')];
  return (key, params) => {
    say(vi.t(key, params));
    say(`  ${en.t(key, params)}`);
  };
}

export interface DemoOptions {
  /** Where InfluxDB data, journals, outboxes and logs go. */
  dir: string;
  vessels: number;
  /** Position reports per second of the live fleet. */
  rate: number;
  /** Simulated cameras with the scripted fire scenario; 0 = no cameras, no fire detection. */
  cameras: number;
  /** Hours of the scripted IUU scenario replayed (compressed) at start; 0 = none. */
  replayHours: number;
  /** Real seconds the replay is spread over. */
  replaySeconds: number;
  /** Preferred ports, taken when free, else any free port (0 = any free port). */
  ports: { http: number; mqtt: number; ws: number; influx: number; edgeHttp: number };
  /** Config file whose `cloud:` and `edge:` sections the demo starts from (default: lookout.example.yaml). */
  configFile: string;
  /** Progress lines for people (stdout); the services log JSON into `<dir>/logs/`. */
  say: (line: string) => void;
  /**
   * Cloud instances: 1 (default) or 2, a cluster on a Redis server and a PostgreSQL server the demo starts: the
   * first in this process, the second a `lookout cloud` process of its own; the edge knows both.
   */
  instances?: number;
}

export interface DemoAddresses {
  dashboard: string;
  api: string;
  cloudHealth: string;
  cloudMetrics: string;
  edgeHealth: string;
  mqtt: string;
  influx: string;
  influxQuery: string;
  logs: string;
  aisUdp: string;
  aisTcp: string;
  /** With `instances: 2`: the second cloud's dashboard, MQTT broker and health, the Redis and PostgreSQL servers. */
  second?: { dashboard: string; mqtt: string; health: string; redis: string; postgres: string };
}

export interface DemoSystem {
  readonly addresses: DemoAddresses;
  readonly cloud: Cloud;
  readonly edge: Edge;
  readonly fleet: FleetSimulator;
  /** Resolves with the number of scenario positions sent once the replay is over. */
  readonly replayDone: Promise<number>;
  stop(): Promise<void>;
}

/** The live fleet's seed: the demo registry is generated from the same vessels. */
const FLEET_SEED = 1;

/**
 * Camera towers over U Minh Hạ (DEMO positions and names) and where each camera looks. The scripted fire of the
 * camera scenario burns at DEMO_FIRE: a tower whose camera has a scripted fire is turned so that it shows
 * DEMO_FIRE where the scenario draws it (the fire's `x`), so the cones of cam-1 (near, 3.3 km) and cam-3 (far,
 * 6.3 km) cross over it and the map shows the located point.
 */
export const DEMO_FIRE = { lat: 9.2611, lon: 104.9546 };
export const TOWERS = [
  { lat: 9.2412, lon: 104.9327, bearingDeg: 315, name: 'Tháp canh Vồ Dơi (demo)' },
  { lat: 9.2801, lon: 104.9655, bearingDeg: 45, name: 'Tháp canh Sông Trẹm (demo)' },
  { lat: 9.2203, lon: 104.9941, bearingDeg: 180, name: 'Tháp canh Kênh Đứng (demo)' },
  { lat: 9.3105, lon: 104.9102, bearingDeg: 270, name: 'Tháp canh Kênh Tắc (demo)' },
];
const DEMO_FOV_DEG = 60;

/** The demo cameras' geometry: towers with a scripted fire look so that they show DEMO_FIRE where it is drawn. */
export function demoCameraGeometry(index: number, script: CameraScript | undefined) {
  const tower = TOWERS[index % TOWERS.length]!;
  const fireX = script?.fires[0]?.x;
  const position = { lat: tower.lat, lon: tower.lon };
  return {
    position,
    bearingDeg:
      fireX === undefined
        ? tower.bearingDeg
        : Math.round(headingShowingAt(bearingDeg(position, DEMO_FIRE), DEMO_FOV_DEG, fireX) * 10) / 10,
    fovDeg: DEMO_FOV_DEG,
    name: index < TOWERS.length ? tower.name : `${tower.name} ${index + 1}`,
    heightM: 30,
    rangeM: 15_000,
  };
}

/** Two ranger stations splitting the demo towers' forest at 104.95° E (towers 1 and 4 west, 2 and 3 east). */
const DEMO_STATIONS: Array<{ id: string; name: string; polygon: Array<[number, number]> }> = [
  {
    id: 'station-west',
    name: 'Trạm kiểm lâm Tây (demo)',
    polygon: [
      [104.8, 9.1],
      [104.95, 9.1],
      [104.95, 9.4],
      [104.8, 9.4],
    ],
  },
  {
    id: 'station-east',
    name: 'Trạm kiểm lâm Đông (demo)',
    polygon: [
      [104.95, 9.1],
      [105.1, 9.1],
      [105.1, 9.4],
      [104.95, 9.4],
    ],
  },
];

/**
 * The whole system on one machine: InfluxDB (own data folder and config), the cloud with every feature, one
 * edge (AIS over UDP/TCP, cameras, fire detection), the vessel fleet, a replay of the scripted IUU scenario
 * and the simulated cameras. Stops in reverse order; a failed start stops what had started.
 */
export async function startDemoSystem(options: DemoOptions): Promise<DemoSystem> {
  const { say } = options;
  const tell = bilingual(say);
  const dir = path.resolve(options.dir);
  const logs = path.join(dir, 'logs');
  await mkdir(logs, { recursive: true });
  const logger = (name: string): Logger => createFileLogger(name, path.join(logs, `${name}.log`));
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stops.splice(0).reverse()) await stopOne().catch(() => undefined);
  };

  try {
    const document = (await readConfigDocument(options.configFile)) as {
      cloud?: Record<string, unknown>;
      edge?: Record<string, unknown>;
    };

    tell('demo.startInflux', { dir: path.join(dir, 'influxdb') });
    const influxd = new LocalInfluxd({
      dir: path.join(dir, 'influxdb'),
      port: await preferredPort(options.ports.influx),
      log: logger('influxd'),
    });
    await influxd.start();
    stops.push(() => influxd.stop());

    let redis: LocalRedis | undefined;
    let postgres: LocalPostgres | undefined;
    if ((options.instances ?? 1) > 1) {
      tell('demo.startRedis', { dir: path.join(dir, 'redis') });
      redis = new LocalRedis({ dir: path.join(dir, 'redis'), log: logger('redis') });
      await redis.start();
      stops.push(() => redis!.stop());
      // A cluster's instances share one SQL database (registry, camera settings, office cases), not a PGlite each.
      tell('demo.startPostgres', { dir: path.join(dir, 'postgres') });
      postgres = new LocalPostgres({ dir: path.join(dir, 'postgres'), log: logger('postgres') });
      await postgres.start();
      stops.push(() => postgres!.stop());
    }

    const scenario =
      options.replayHours > 0
        ? iuuScenario({
            startTs: Date.now() - options.replayHours * 3_600_000 - 60_000,
            durationH: options.replayHours,
          })
        : undefined;
    tell('demo.startCloud');
    const baseCloud = cloudConfig(document.cloud ?? {});
    const fisheries = {
      ...baseCloud.fisheries,
      // A demo visitor should see signal-loss alarms within seconds, not at the next minute's check.
      tickIntervalS: Math.min(baseCloud.fisheries.tickIntervalS, 5),
      rules: {
        ...baseCloud.fisheries.rules,
        signalLoss: {
          ...baseCloud.fisheries.rules.signalLoss,
          arrivalGraceS: Math.min(baseCloud.fisheries.rules.signalLoss.arrivalGraceS, 10),
        },
      },
      vessels: [
        ...baseCloud.fisheries.vessels,
        ...(scenario?.registry ?? []).filter(
          (v) => !baseCloud.fisheries.vessels.some((b) => b.mmsi === v.mmsi),
        ),
      ],
    };
    // Where a ranger's chat would be: the demo prints each alarm notification the cloud sends.
    const notifications = new WebhookReceiver((request) => {
      const parsed = checkNotification.parseJson(request.body);
      const { t } = translator(DEFAULT_LANGUAGE);
      say(
        parsed.ok
          ? t(parsed.value.kind === 'reports' ? 'demo.reports' : 'demo.alarm', { text: parsed.value.text })
          : t('demo.unreadable', { errors: parsed.errors.join('; ') }),
      );
    });
    await notifications.start();
    stops.push(() => notifications.stop());
    // DEMO DATA: two ranger stations, each told only of its own side of the forest (cloud.notify area routing).
    const stations = await Promise.all(
      DEMO_STATIONS.map(async (station) => {
        const receiver = new WebhookReceiver((request) => {
          const parsed = checkNotification.parseJson(request.body);
          if (parsed.ok)
            say(
              translator(DEFAULT_LANGUAGE).t('demo.station', {
                station: station.name,
                text: parsed.value.text,
              }),
            );
        });
        await receiver.start();
        stops.push(() => receiver.stop());
        return { station, receiver };
      }),
    );
    const httpPort = await preferredPort(options.ports.http);
    const config = cloudConfig({
      ...(document.cloud ?? {}),
      mqtt: {
        ...baseCloud.mqtt,
        port: await preferredPort(options.ports.mqtt),
        wsPort: await preferredPort(options.ports.ws),
      },
      http: { ...baseCloud.http, port: httpPort },
      influx: { ...baseCloud.influx, host: influxd.host, port: influxd.port },
      dataDir: path.join(dir, 'cloud'),
      ...(redis && postgres
        ? {
            cluster: { redis: redis.url, instanceId: 'cloud-1' },
            registry: { ...baseCloud.registry, database: { url: postgres.url } },
          }
        : {}),
      fisheries,
      notify: {
        ...baseCloud.notify,
        publicUrl: baseCloud.notify.publicUrl ?? `http://127.0.0.1:${httpPort}`,
        webhooks: [
          ...baseCloud.notify.webhooks,
          { name: 'demo-console', url: notifications.url, format: 'json', reports: true },
          ...stations.map(({ station, receiver }) => ({
            name: station.id,
            url: receiver.url,
            format: 'json' as const,
            types: ['fire', 'camera_offline', 'edge_offline'],
            area: { polygon: station.polygon },
          })),
        ],
      },
    });
    // DEMO DATA: a generated registry (a few hundred vessels over six Cà Mau communes) holding the live fleet
    // (same seed as the simulator below) and the scenario's vessels, with licences, beacons and owners.
    const registryDemo = demoRegistry({
      fleet: new FleetModel({ vessels: options.vessels, seed: FLEET_SEED, startMs: Date.now() }).vessels.map(
        (v) => v.identity,
      ),
      scenario: scenario?.registry,
      total: Math.max(300, options.vessels + 50),
      today: new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10),
    });
    tell('demo.registry', { n: registryDemo.vessels.length });
    const cloud = createCloud(config, {
      log: logger('cloud'),
      features: cloudFeatures(config, { registryDemo }),
    });
    await cloud.start();
    stops.push(() => cloud.stop());
    const second = redis ? await startSecondCloud(config, redis, dir, say) : undefined;
    if (second) stops.push(second.stop);

    let cameras: CameraSimulator | undefined;
    let cameraScenario: CameraScenario | undefined;
    if (options.cameras > 0) {
      tell('demo.startCameras', { n: options.cameras });
      cameraScenario = await loadScenario(path.join(ROOT, 'simulators/cameras/scenarios/demo.yaml'));
      cameras = createCameraSimulator({
        count: options.cameras,
        scenario: cameraScenario,
        discovery: false,
        log: logger('cameras'),
      });
      await cameras.start();
      stops.push(() => cameras!.stop());
      for (const camera of cameras.info()) say(`  ${camera.id}: ${describeScript(camera)}`);
      tell('demo.cameraWarmup');
      tell('demo.twoTowers');
    }

    tell('demo.startEdge');
    const baseEdge = edgeConfig(document.edge ?? {});
    const modelPath = path.join(ROOT, baseEdge.fire.model.path);
    const fireOn = cameras !== undefined && existsSync(modelPath);
    if (cameras && !fireOn) tell('demo.noModel', { path: modelPath });
    const demoEdgeConfig = edgeConfig({
      ...(document.edge ?? {}),
      edgeId: 'edge-demo',
      mqtt: {
        ...baseEdge.mqtt,
        url: cloud.addresses.mqtt,
        ...(second ? { urls: [cloud.addresses.mqtt, second.mqtt] } : {}),
      },
      ais: { ...baseEdge.ais, udp: { ...baseEdge.ais.udp, port: 0 }, tcp: { ...baseEdge.ais.tcp, port: 0 } },
      outbox: { ...baseEdge.outbox, dir: path.join(dir, 'edge-outbox') },
      http: { ...baseEdge.http, port: await preferredPort(options.ports.edgeHttp) },
      health: { intervalS: 10 },
      cameras: {
        ...baseEdge.cameras,
        devices: (cameras?.info() ?? []).map((camera, index) => ({
          id: camera.id,
          xaddr: camera.xaddr,
          username: camera.username,
          password: camera.password,
          ...demoCameraGeometry(index, cameraScenario?.cameras[index]),
        })),
      },
      fire: { ...baseEdge.fire, enabled: fireOn, model: { ...baseEdge.fire.model, path: modelPath } },
    });
    const edge = createEdge(demoEdgeConfig, { log: logger('edge'), features: edgeFeatures(demoEdgeConfig) });
    await edge.start();
    stops.push(() => edge.stop());

    tell('demo.startFleet', { vessels: options.vessels, rate: options.rate });
    const fleet = createFleetSimulator({
      vessels: options.vessels,
      seed: FLEET_SEED,
      rate: options.rate,
      target: { protocol: 'udp', host: '127.0.0.1', port: edge.ports.udp! },
      log: logger('fleet'),
    });
    await fleet.start();
    stops.push(() => fleet.stop());

    const abort = new AbortController();
    stops.push(async () => abort.abort());
    let replayDone: Promise<number> = Promise.resolve(0);
    if (scenario) {
      tell('demo.replay', {
        hours: options.replayHours,
        vessels: scenario.registry.length,
        violations: scenario.expected.length,
        seconds: options.replaySeconds,
      });
      const transport = new UdpTransport({ protocol: 'udp', host: '127.0.0.1', port: edge.ports.udp! });
      await transport.start();
      stops.push(() => transport.stop());
      replayDone = replayPositions(scenario.positions, transport, {
        durationS: options.replaySeconds,
        signal: abort.signal,
      });
    }

    const http = cloud.addresses.http;
    const addresses: DemoAddresses = {
      dashboard: `${http}/`,
      api: `${http}/api/v1/vessels`,
      cloudHealth: `${http}/health`,
      cloudMetrics: `${http}/metrics`,
      edgeHealth: `${edge.httpAddress}/health`,
      mqtt: cloud.addresses.mqtt,
      influx: influxd.url,
      influxQuery: `influx -host ${influxd.host} -port ${influxd.port} -database ${config.influx.database} -execute 'SELECT count(lat) FROM vessel_position'`,
      logs,
      aisUdp: `127.0.0.1:${edge.ports.udp}`,
      aisTcp: `127.0.0.1:${edge.ports.tcp}`,
      ...(second && redis && postgres
        ? {
            second: {
              dashboard: `${second.http}/`,
              mqtt: second.mqtt,
              health: `${second.http}/health`,
              redis: redis.url,
              postgres: postgres.url,
            },
          }
        : {}),
    };
    return { addresses, cloud, edge, fleet, replayDone, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The second cloud instance of `--instances 2`: a `lookout cloud` process (its own listeners on free ports, its own
 * data folder and journal) with the first one's config and the same Redis, PostgreSQL and InfluxDB; its log in
 * `logs/cloud-2.log`. The first has migrated and seeded the registry: this one finds it done.
 */
async function startSecondCloud(
  first: CloudConfig,
  redis: LocalRedis,
  dir: string,
  say: (line: string) => void,
): Promise<{ http: string; mqtt: string; stop: () => Promise<void> }> {
  const [mqttPort, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const config: CloudConfig = {
    ...first,
    mqtt: { ...first.mqtt, port: mqttPort, wsPort },
    http: { ...first.http, port: httpPort },
    dataDir: path.join(dir, 'cloud-2'),
    cluster: { redis: redis.url, instanceId: 'cloud-2', leaseMs: first.cluster?.leaseMs ?? 10_000 },
  };
  const configFile = path.join(dir, 'cloud-2.yaml');
  await writeFile(configFile, stringify({ cloud: config }));
  bilingual(say)('demo.startSecondCloud');
  const log = createWriteStream(path.join(dir, 'logs', 'cloud-2.log'), { flags: 'a' });
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'cli/lookout.js'), 'cloud', '--config', configFile],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    log.end();
  };
  const http = `http://${config.http.host}:${httpPort}`;
  const deadline = Date.now() + 60_000;
  while (
    !(await fetch(`${http}/health`).then(
      () => true,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(
        `the second cloud instance did not start; see ${path.join(dir, 'logs', 'cloud-2.log')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { http, mqtt: `mqtt://${config.mqtt.host}:${mqttPort}`, stop };
}

interface DemoCounts {
  vessels: number;
  activeAlarms: number;
  fireAlerts: number;
  points: number;
}

/** What a person watching the demo wants to see move, read from the public API and InfluxDB. */
export async function demoCounts(system: DemoSystem): Promise<DemoCounts> {
  const api = system.cloud.addresses.http;
  const get = async (route: string): Promise<Record<string, unknown>> => {
    const response = await fetch(`${api}${route}`, { signal: AbortSignal.timeout(3000) });
    return response.ok ? ((await response.json()) as Record<string, unknown>) : {};
  };
  const [vessels, alarms, fire, points] = await Promise.all([
    get('/api/v1/vessels').catch(() => ({}) as Record<string, unknown>),
    get('/api/v1/alarms?status=active').catch(() => ({}) as Record<string, unknown>),
    get('/api/v1/fire/alerts').catch(() => ({}) as Record<string, unknown>),
    system.cloud.influx
      .query<{ count: number }>('SELECT count(lat) AS count FROM vessel_position', {
        database: system.cloud.config.influx.database,
      })
      .then((rows) => rows[0]?.count ?? 0)
      .catch(() => 0),
  ]);
  const length = (value: unknown) => (Array.isArray(value) ? value.length : 0);
  return {
    vessels: length(vessels.vessels),
    activeAlarms: length(alarms.alarms),
    fireAlerts: length(fire.alerts),
    points,
  };
}
