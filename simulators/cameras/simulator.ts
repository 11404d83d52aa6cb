import { createHash } from 'node:crypto';
import type { ProbeMatch } from '../../protocols/onvif/index.js';
import { silentLogger, type Logger } from '../../runtime/logger.js';
import { DiscoveryResponder } from './discovery-responder.js';
import { MediaProcess, DEFAULT_PYTHON } from './media-process.js';
import { OnvifDeviceServer, scopesOf, type DeviceIdentity, type OnvifFault } from './onvif-device.js';
import type { CameraScenario, CameraScript } from './scenario.js';

export interface CameraSimulatorOptions {
  count: number;
  scenario?: CameraScenario;
  host?: string;
  /** DEMO credentials, the same for every simulated camera. */
  username?: string;
  password?: string;
  /** Answer WS-Discovery probes (UDP 3702 and a unicast port). Default true. */
  discovery?: boolean;
  width?: number;
  height?: number;
  subWidth?: number;
  subHeight?: number;
  fps?: number;
  /** Frames between key frames; short, so a new viewer gets its first frame fast. */
  gop?: number;
  /** Scenario clock origin (ms since epoch); default: when start() is called. */
  startedAtMs?: number;
  python?: string;
  log?: Logger;
}

/** The makes a fleet of towers has: the simulator rotates through them. */
const MAKES: Array<Pick<DeviceIdentity, 'manufacturer' | 'model' | 'firmware'>> = [
  { manufacturer: 'SimVision', model: 'SV-T640-IR', firmware: 'V5.7.3 build 240117' },
  { manufacturer: 'TramWatch', model: 'TW-Bullet-2', firmware: '2.4.1' },
  { manufacturer: 'DeltaOptics', model: 'DO-PTZ-12X', firmware: '1.0.9-rc3' },
];

export interface SimulatedCameraInfo {
  id: string;
  manufacturer: string;
  model: string;
  firmware: string;
  /** ONVIF device service: what a client (node-onvif, ONVIF Device Manager) is given. */
  xaddr: string;
  username: string;
  password: string;
  /** RTSP URLs without credentials (as GetStreamUri returns them); the server asks for Digest auth. */
  streamUrls: { main: string; sub: string };
  snapshotUrl: string;
  fires: CameraScript['fires'];
  distractors: CameraScript['distractors'];
}

/** One simulated camera: ONVIF device/media services + its media process (RTSP + snapshot). */
export class SimulatedCamera {
  readonly onvif: OnvifDeviceServer;
  readonly media: MediaProcess;
  readonly identity: DeviceIdentity;
  readonly endpoint: string;
  #running = false;

  constructor(
    readonly id: string,
    readonly index: number,
    private readonly script: CameraScript,
    private readonly settings: Required<
      Omit<CameraSimulatorOptions, 'scenario' | 'startedAtMs' | 'count' | 'log'>
    > & { startedAtMs: number },
    log: Logger,
  ) {
    const make = MAKES[index % MAKES.length]!;
    this.identity = {
      ...make,
      serial: `LKS${String(index + 1).padStart(6, '0')}`,
      hardwareId: make.model,
      name: `Lookout sim ${id}`,
      location: 'CaMau',
    };
    this.endpoint = `urn:uuid:${uuidFrom(`lookout-sim-camera-${id}`)}`;
    const s = settings;
    this.media = new MediaProcess(
      {
        host: s.host,
        username: s.username,
        password: s.password,
        width: s.width,
        height: s.height,
        subWidth: s.subWidth,
        subHeight: s.subHeight,
        fps: s.fps,
        gop: s.gop,
        rtspPort: 0,
        snapshotPort: 0,
        startedAtMs: s.startedAtMs,
        scene: {
          seed: script.seed ?? index + 1,
          fires: script.fires,
          distractors: script.distractors,
          wind: script.wind,
        },
      },
      log.child({ camera: id }),
      s.python,
    );
    this.onvif = new OnvifDeviceServer({
      host: s.host,
      port: 0,
      identity: this.identity,
      username: s.username,
      password: s.password,
      source: { width: s.width, height: s.height, fps: s.fps },
      profiles: [
        {
          token: 'profile_main',
          name: 'MainStream',
          width: s.width,
          height: s.height,
          fps: s.fps,
          bitrateKbps: 600,
          gop: s.gop,
        },
        {
          token: 'profile_sub',
          name: 'SubStream',
          width: s.subWidth,
          height: s.subHeight,
          fps: s.fps,
          bitrateKbps: 200,
          gop: s.gop,
        },
      ],
      streamUri: (token) => (token === 'profile_sub' ? this.streamUrls.sub : this.streamUrls.main),
      snapshotUri: (token) => `${this.snapshotBase}?profile=${token === 'profile_sub' ? 'sub' : 'main'}`,
      log: log.child({ camera: id }),
    });
    if (script.fault) this.onvif.fault = script.fault;
  }

  get running(): boolean {
    return this.#running;
  }

  get xaddr(): string {
    return this.onvif.deviceXaddr;
  }

  get streamUrls(): { main: string; sub: string } {
    const base = `rtsp://${this.settings.host}:${this.media.rtspPort}`;
    return { main: `${base}/main`, sub: `${base}/sub` };
  }

  private get snapshotBase(): string {
    return `http://${this.settings.host}:${this.media.snapshotPort}/snapshot.jpg`;
  }

  get snapshotUrl(): string {
    return `${this.snapshotBase}?profile=main`;
  }

  /** Injects an ONVIF fault (or `none` to heal) while running. */
  setFault(fault: OnvifFault): void {
    this.onvif.fault = fault;
  }

  /** Starts (or restarts, on the same ports) the camera. */
  async start(): Promise<void> {
    if (this.#running) return;
    await this.media.start();
    try {
      await this.onvif.start();
    } catch (error) {
      await this.media.stop();
      throw error;
    }
    this.#running = true;
  }

  /** Stops the camera; with `kill`, the media process dies at once as on a power cut. */
  async stop({ kill = false }: { kill?: boolean } = {}): Promise<void> {
    this.#running = false;
    await Promise.all([this.onvif.stop(), kill ? this.media.kill() : this.media.stop()]);
  }

  probeMatch(): ProbeMatch {
    return {
      endpoint: this.endpoint,
      types: ['dn:NetworkVideoTransmitter', 'tds:Device'],
      scopes: scopesOf(this.identity),
      xaddrs: [this.xaddr],
    };
  }

  info(): SimulatedCameraInfo {
    return {
      id: this.id,
      manufacturer: this.identity.manufacturer,
      model: this.identity.model,
      firmware: this.identity.firmware,
      xaddr: this.xaddr,
      username: this.settings.username,
      password: this.settings.password,
      streamUrls: this.streamUrls,
      snapshotUrl: this.snapshotUrl,
      fires: this.script.fires,
      distractors: this.script.distractors,
    };
  }
}

export interface CameraSimulator {
  readonly cameras: SimulatedCamera[];
  /** The WS-Discovery unicast port of this simulator (0 when discovery is off). */
  readonly discoveryPort: number;
  /** True when the UDP 3702 multicast group could be joined. */
  readonly multicastJoined: boolean;
  camera(id: string): SimulatedCamera;
  start(): Promise<void>;
  stop(): Promise<void>;
  info(): SimulatedCameraInfo[];
}

/**
 * N simulated ONVIF cameras on loopback, each with its own device service port, RTSP server and snapshot
 * server, following a scenario (scripted fires, distractors, faults).
 */
export function createCameraSimulator(options: CameraSimulatorOptions): CameraSimulator {
  const log = options.log ?? silentLogger();
  const settings = {
    host: options.host ?? '127.0.0.1',
    username: options.username ?? 'admin',
    password: options.password ?? 'demo',
    discovery: options.discovery ?? true,
    width: options.width ?? 640,
    height: options.height ?? 360,
    subWidth: options.subWidth ?? 320,
    subHeight: options.subHeight ?? 180,
    fps: options.fps ?? 5,
    gop: options.gop ?? 5,
    python: options.python ?? DEFAULT_PYTHON,
    startedAtMs: options.startedAtMs ?? Date.now(),
  };
  const scripts = options.scenario?.cameras ?? [];
  const cameras = Array.from({ length: options.count }, (_, i) => {
    const script: CameraScript = scripts[i] ?? { fires: [], distractors: [], wind: 1 };
    return new SimulatedCamera(script.id ?? `cam-${i + 1}`, i, script, settings, log);
  });
  const ids = new Set(cameras.map((c) => c.id));
  if (ids.size !== cameras.length) throw new Error('camera scenario: camera ids must be unique');
  const responder = new DiscoveryResponder(
    () => cameras.filter((c) => c.running).map((c) => c.probeMatch()),
    log,
    settings.host,
  );

  return {
    cameras,
    get discoveryPort() {
      return settings.discovery ? responder.unicastPort : 0;
    },
    get multicastJoined() {
      return responder.multicastJoined;
    },
    camera(id) {
      const camera = cameras.find((c) => c.id === id);
      if (!camera) throw new Error(`no simulated camera "${id}"`);
      return camera;
    },
    async start() {
      try {
        // Python + GStreamer start-up is CPU-bound: two at a time on two cores.
        for (let i = 0; i < cameras.length; i += 2)
          await Promise.all(cameras.slice(i, i + 2).map((c) => c.start()));
        if (settings.discovery) await responder.start();
      } catch (error) {
        await this.stop();
        throw error;
      }
      log.info({ cameras: cameras.length, discoveryPort: responder.unicastPort }, 'camera simulator started');
    },
    async stop() {
      await responder.stop();
      await Promise.all(cameras.map((c) => c.stop()));
    },
    info() {
      return cameras.map((c) => c.info());
    },
  };
}

function uuidFrom(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
