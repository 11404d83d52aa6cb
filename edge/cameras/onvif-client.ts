/**
 * The only module that touches `node-onvif` (0.1.7, plain JavaScript, no types): everything it returns is
 * `unknown` here and validated before use. Errors come out as `OnvifProblem` with a status the inventory
 * reports (`unauthorized`, `unreachable`, `malformed`).
 */
import { createSocket } from 'node:dgram';
import { createRequire } from 'node:module';
import { Type, type Static } from '@sinclair/typebox';
import { compileSchema } from '../../protocols/validation.js';
import { buildProbe, parseProbeMatches } from '../../protocols/onvif/index.js';

interface NodeOnvifDevice {
  init(): Promise<unknown>;
  getInformation(): unknown;
  getProfileList(): unknown;
}
interface NodeOnvif {
  OnvifDevice: new (params: { xaddr: string; user?: string; pass?: string }) => NodeOnvifDevice;
  startProbe(): Promise<unknown>;
}

const nodeOnvif = createRequire(import.meta.url)('node-onvif') as NodeOnvif;

export type OnvifProblemKind = 'unauthorized' | 'unreachable' | 'malformed';

export class OnvifProblem extends Error {
  constructor(
    readonly kind: OnvifProblemKind,
    message: string,
  ) {
    super(message);
    this.name = 'OnvifProblem';
  }
}

/** Sorts a node-onvif error message into what the operator has to do about it. */
export function classifyOnvifError(message: string): OnvifProblemKind {
  if (/NotAuthori[sz]ed|not authori[sz]ed|\b401\b|Unauthori[sz]ed|authority failure|password/i.test(message))
    return 'unauthorized';
  if (
    /Network Error|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket hang up|timed? ?out/i.test(
      message,
    )
  ) {
    return 'unreachable';
  }
  return 'malformed';
}

const Information = Type.Object({
  Manufacturer: Type.Optional(Type.String()),
  Model: Type.Optional(Type.String()),
  FirmwareVersion: Type.Optional(Type.String()),
  SerialNumber: Type.Optional(Type.String()),
  HardwareId: Type.Optional(Type.String()),
});

const ProfileList = Type.Array(
  Type.Object({
    token: Type.String({ minLength: 1 }),
    name: Type.Optional(Type.Unknown()),
    snapshot: Type.Optional(Type.Unknown()),
    stream: Type.Object({
      rtsp: Type.Optional(Type.Unknown()),
      http: Type.Optional(Type.Unknown()),
      udp: Type.Optional(Type.Unknown()),
    }),
    video: Type.Object({
      encoder: Type.Union([
        Type.Null(),
        Type.Object({
          // node-onvif parseInt()s these: NaN when the camera left them out.
          resolution: Type.Object({ width: Type.Unknown(), height: Type.Unknown() }),
          framerate: Type.Optional(Type.Unknown()),
          encoding: Type.Optional(Type.Unknown()),
        }),
      ]),
    }),
  }),
  { minItems: 1 },
);

export interface OnvifProfile {
  token: string;
  name?: string;
  width?: number;
  height?: number;
  fps?: number;
  encoding?: string;
  /** As the camera returned it, without credentials. */
  streamUri?: string;
  snapshotUri?: string;
}

export interface ProvisionedDevice {
  manufacturer?: string;
  model?: string;
  firmware?: string;
  serial?: string;
  profiles: OnvifProfile[];
}

export interface OnvifCredentials {
  xaddr: string;
  username: string;
  password: string;
}

const informationSchema = compileSchema(Information);
const profileListSchema = compileSchema(ProfileList);

/**
 * Logs in and reads device information, media profiles, stream and snapshot URIs. The device is built
 * with `{ xaddr }` (with `{ address }` node-onvif rewrites the returned URIs wrongly, see field notes).
 */
export async function provisionOnvif({
  xaddr,
  username,
  password,
}: OnvifCredentials): Promise<ProvisionedDevice> {
  let device: NodeOnvifDevice;
  try {
    device = new nodeOnvif.OnvifDevice({ xaddr, user: username, pass: password });
  } catch (error) {
    throw new OnvifProblem(
      'malformed',
      `invalid ONVIF address or credentials for node-onvif: ${(error as Error).message}`,
    );
  }
  try {
    await device.init();
  } catch (error) {
    const message = String((error as Error)?.message ?? error)
      .replace(/\s+/g, ' ')
      .slice(0, 300);
    throw new OnvifProblem(classifyOnvifError(message), message);
  }
  const info = informationSchema.parseValue(device.getInformation() ?? {});
  if (!info.ok) throw new OnvifProblem('malformed', `GetDeviceInformation: ${info.errors.join('; ')}`);
  const profiles = profileListSchema.parseValue(device.getProfileList());
  if (!profiles.ok) throw new OnvifProblem('malformed', `GetProfiles: ${profiles.errors.join('; ')}`);
  return {
    manufacturer: info.value.Manufacturer,
    model: info.value.Model,
    firmware: info.value.FirmwareVersion,
    serial: info.value.SerialNumber,
    profiles: profiles.value.map((p) => ({
      token: p.token,
      name: typeof p.name === 'string' ? p.name : undefined,
      width: finite(p.video.encoder?.resolution.width),
      height: finite(p.video.encoder?.resolution.height),
      fps: finite(p.video.encoder?.framerate),
      encoding: typeof p.video.encoder?.encoding === 'string' ? p.video.encoder.encoding : undefined,
      streamUri: urlOrUndefined(p.stream.rtsp, /^rtsp:\/\//) ?? urlOrUndefined(p.stream.udp, /^rtsp:\/\//),
      snapshotUri: urlOrUndefined(p.snapshot, /^https?:\/\//),
    })),
  };
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function urlOrUndefined(value: unknown, scheme: RegExp): string | undefined {
  return typeof value === 'string' && scheme.test(value) ? value : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Discovery

export interface DiscoveredCamera {
  /** WS-Discovery endpoint reference, `urn:uuid:...`: stable per device. */
  endpoint: string;
  xaddrs: string[];
  scopes: string[];
  via: 'multicast' | 'unicast';
}

const ProbeList = Type.Array(
  Type.Object({
    urn: Type.String({ minLength: 1 }),
    xaddrs: Type.Array(Type.String()),
    scopes: Type.Array(Type.String()),
  }),
);
const probeListSchema = compileSchema(ProbeList);
type ProbeList = Static<typeof ProbeList>;

/** node-onvif keeps discovery state in a module singleton: never run two of its probes at once. */
let probeChain: Promise<unknown> = Promise.resolve();

function multicastProbe(): Promise<ProbeList> {
  const run = probeChain.then(async () => {
    const result = probeListSchema.parseValue(await nodeOnvif.startProbe());
    if (!result.ok) throw new Error(`node-onvif probe result: ${result.errors.join('; ')}`);
    return result.value;
  });
  probeChain = run.catch(() => undefined);
  return run;
}

function unicastProbe(targets: string[], waitMs: number): Promise<DiscoveredCamera[]> {
  return new Promise((resolve) => {
    const found: DiscoveredCamera[] = [];
    const socket = createSocket('udp4');
    const finish = () => socket.close(() => resolve(found));
    socket.on('error', finish);
    socket.on('message', (message) => {
      for (const match of parseProbeMatches(message.toString('utf8'))) {
        found.push({ endpoint: match.endpoint, xaddrs: match.xaddrs, scopes: match.scopes, via: 'unicast' });
      }
    });
    socket.bind(0, () => {
      const probe = Buffer.from(buildProbe(['NetworkVideoTransmitter']), 'utf8');
      for (const target of targets) {
        const [host, port] = target.split(':');
        socket.send(probe, Number(port), host);
      }
      setTimeout(finish, waitMs);
    });
  });
}

export interface DiscoveryOptions {
  multicast: boolean;
  unicastTargets: string[];
  /** How long to wait for unicast answers (the multicast probe waits node-onvif's fixed 3 s). */
  unicastWaitMs?: number;
}

/** WS-Discovery: node-onvif's multicast probe and, when configured, directed probes; merged by endpoint. */
export async function discoverOnvif(
  options: DiscoveryOptions,
): Promise<{ cameras: DiscoveredCamera[]; errors: string[] }> {
  const errors: string[] = [];
  const [multicast, unicast] = await Promise.all([
    options.multicast
      ? multicastProbe().catch((error: unknown) => {
          errors.push(`multicast probe: ${(error as Error).message}`);
          return [] as ProbeList;
        })
      : Promise.resolve([] as ProbeList),
    options.unicastTargets.length > 0
      ? unicastProbe(options.unicastTargets, options.unicastWaitMs ?? 1500)
      : Promise.resolve([]),
  ]);
  const byEndpoint = new Map<string, DiscoveredCamera>();
  for (const d of multicast)
    byEndpoint.set(d.urn, { endpoint: d.urn, xaddrs: d.xaddrs, scopes: d.scopes, via: 'multicast' });
  for (const d of unicast) if (!byEndpoint.has(d.endpoint)) byEndpoint.set(d.endpoint, d);
  return { cameras: [...byEndpoint.values()], errors };
}
