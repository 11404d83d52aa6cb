import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ONVIF_PATHS,
  PASSWORD_DIGEST_TYPE,
  escapeXml,
  parseXml,
  passwordDigest,
  soapEnvelope,
  soapFault,
  xmlPath,
  xmlText,
  type XmlNode,
} from '../../protocols/onvif/index.js';
import type { Logger } from '../../runtime/logger.js';

/**
 * Fault injection for tests: `truncated-xml` cuts every answer except GetSystemDateAndTime in the middle,
 * `missing-elements` leaves required elements out of GetProfiles/GetStreamUri (as broken firmware does).
 */
export type OnvifFault = 'none' | 'truncated-xml' | 'missing-elements';

export interface DeviceIdentity {
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId: string;
  /** Shown in the `name` scope (spaces become `_`). */
  name: string;
  location: string;
}

export interface MediaProfile {
  token: string;
  name: string;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  gop: number;
}

export interface OnvifDeviceOptions {
  host: string;
  /** 0 picks a free port; a restart passes the port it had. */
  port: number;
  identity: DeviceIdentity;
  username: string;
  password: string;
  profiles: MediaProfile[];
  /** Source resolution (the main profile's). */
  source: { width: number; height: number; fps: number };
  streamUri(profileToken: string): string;
  snapshotUri(profileToken: string): string;
  log: Logger;
}

/** Operations a device answers without credentials (ONVIF access class PRE_AUTH). */
const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetCapabilities', 'GetServices']);
/** Accepted clock difference for UsernameToken `Created` (replay protection). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

class SoapError extends Error {
  constructor(
    readonly status: number,
    readonly code: 'Sender' | 'Receiver',
    readonly subcode: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** The ONVIF device and media services of one simulated camera, over SOAP 1.2 / HTTP. */
export class OnvifDeviceServer {
  fault: OnvifFault = 'none';
  /** Requests answered, by operation, for tests and logs. */
  readonly requests = new Map<string, number>();
  #server: Server | undefined;
  #port: number;

  constructor(private readonly options: OnvifDeviceOptions) {
    this.#port = options.port;
  }

  get port(): number {
    return this.#port;
  }

  get deviceXaddr(): string {
    return `http://${this.options.host}:${this.#port}${ONVIF_PATHS.device}`;
  }

  get mediaXaddr(): string {
    return `http://${this.options.host}:${this.#port}${ONVIF_PATHS.media}`;
  }

  async start(): Promise<void> {
    const server = createServer((request, response) => this.#handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.options.host, () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'POST' || (path !== ONVIF_PATHS.device && path !== ONVIF_PATHS.media)) {
        response.writeHead(404).end();
        return;
      }
      let operation = 'unknown';
      try {
        const doc = parseXml(Buffer.concat(chunks).toString('utf8'));
        const body = xmlPath(doc, 'Envelope', 'Body');
        operation =
          typeof body === 'object' && body !== null
            ? (Object.keys(body).find((k) => !k.startsWith('@')) ?? '')
            : '';
        if (!operation) throw new SoapError(400, 'Sender', 'ter:InvalidArgs', 'SOAP body is empty');
        this.#authenticate(doc, operation);
        const payload = this.#answer(operation, xmlPath(body, operation));
        this.requests.set(operation, (this.requests.get(operation) ?? 0) + 1);
        this.#send(response, 200, operation, soapEnvelope(payload));
      } catch (error) {
        if (error instanceof SoapError) {
          this.options.log.debug({ operation, reason: error.message }, 'onvif fault');
          this.#send(response, error.status, operation, soapFault(error.code, error.subcode, error.message));
        } else {
          const reason = (error as Error).message;
          this.#send(response, 400, operation, soapFault('Sender', 'ter:WellFormed', reason));
        }
      }
    });
  }

  #send(response: ServerResponse, status: number, operation: string, xml: string): void {
    let body = xml;
    if (this.fault === 'truncated-xml' && operation !== 'GetSystemDateAndTime')
      body = xml.slice(0, Math.floor(xml.length * 0.6));
    response.writeHead(status, {
      'Content-Type': 'application/soap+xml; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  }

  #authenticate(doc: XmlNode, operation: string): void {
    const token = xmlPath(doc, 'Envelope', 'Header', 'Security', 'UsernameToken');
    if (token === undefined) {
      if (PRE_AUTH.has(operation)) return;
      throw new SoapError(400, 'Sender', 'ter:NotAuthorized', 'Sender not Authorized');
    }
    const username = xmlText(xmlPath(token, 'Username'));
    const passwordNode = xmlPath(token, 'Password');
    const password = xmlText(passwordNode) ?? '';
    const type =
      typeof passwordNode === 'object' && passwordNode !== null
        ? (passwordNode as XmlNode)['@Type']
        : undefined;
    const nonce = xmlText(xmlPath(token, 'Nonce')) ?? '';
    const created = xmlText(xmlPath(token, 'Created')) ?? '';
    let ok = username === this.options.username;
    if (typeof type === 'string' && type.endsWith('#PasswordText')) {
      ok &&= password === this.options.password;
    } else if (type === undefined || type === PASSWORD_DIGEST_TYPE) {
      ok &&= password === passwordDigest(Buffer.from(nonce, 'base64'), created, this.options.password);
      const createdMs = Date.parse(created);
      ok &&= Number.isFinite(createdMs) && Math.abs(createdMs - Date.now()) <= MAX_CLOCK_SKEW_MS;
    } else {
      ok = false;
    }
    if (!ok) throw new SoapError(400, 'Sender', 'ter:NotAuthorized', 'Sender not Authorized');
  }

  #answer(operation: string, request: unknown): string {
    switch (operation) {
      case 'GetSystemDateAndTime':
        return this.#systemDateAndTime();
      case 'GetCapabilities':
        return this.#capabilities();
      case 'GetServices':
        return this.#services();
      case 'GetDeviceInformation': {
        const id = this.options.identity;
        return (
          `<tds:GetDeviceInformationResponse><tds:Manufacturer>${escapeXml(id.manufacturer)}</tds:Manufacturer>` +
          `<tds:Model>${escapeXml(id.model)}</tds:Model><tds:FirmwareVersion>${escapeXml(id.firmware)}</tds:FirmwareVersion>` +
          `<tds:SerialNumber>${escapeXml(id.serial)}</tds:SerialNumber><tds:HardwareId>${escapeXml(id.hardwareId)}</tds:HardwareId>` +
          `</tds:GetDeviceInformationResponse>`
        );
      }
      case 'GetScopes':
        return `<tds:GetScopesResponse>${scopesOf(this.options.identity)
          .map(
            (s) =>
              `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>${escapeXml(s)}</tt:ScopeItem></tds:Scopes>`,
          )
          .join('')}</tds:GetScopesResponse>`;
      case 'GetProfiles':
        return `<trt:GetProfilesResponse>${this.options.profiles.map((p) => this.#profile(p)).join('')}</trt:GetProfilesResponse>`;
      case 'GetVideoSources': {
        const s = this.options.source;
        return (
          `<trt:GetVideoSourcesResponse><trt:VideoSources token="vs_1"><tt:Framerate>${s.fps}</tt:Framerate>` +
          `<tt:Resolution><tt:Width>${s.width}</tt:Width><tt:Height>${s.height}</tt:Height></tt:Resolution>` +
          `</trt:VideoSources></trt:GetVideoSourcesResponse>`
        );
      }
      case 'GetStreamUri': {
        const token = this.#profileToken(request);
        if (this.fault === 'missing-elements')
          return `<trt:GetStreamUriResponse><trt:MediaUri></trt:MediaUri></trt:GetStreamUriResponse>`;
        return `<trt:GetStreamUriResponse>${mediaUri(this.options.streamUri(token))}</trt:GetStreamUriResponse>`;
      }
      case 'GetSnapshotUri': {
        const token = this.#profileToken(request);
        return `<trt:GetSnapshotUriResponse>${mediaUri(this.options.snapshotUri(token))}</trt:GetSnapshotUriResponse>`;
      }
      default:
        throw new SoapError(
          400,
          'Receiver',
          'ter:ActionNotSupported',
          `${operation} is not supported by this device`,
        );
    }
  }

  #profileToken(request: unknown): string {
    const token = xmlText(xmlPath(request, 'ProfileToken')) ?? '';
    if (!this.options.profiles.some((p) => p.token === token)) {
      throw new SoapError(400, 'Sender', 'ter:InvalidArgVal', `no profile with token "${token}"`);
    }
    return token;
  }

  #systemDateAndTime(): string {
    const now = new Date();
    const dateTime = (d: Date) =>
      `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
      `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>`;
    const local = new Date(now.getTime() + 7 * 3600_000); // Ca Mau, UTC+7, shown in UTC fields
    return (
      `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>` +
      `<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>ICT-7</tt:TZ></tt:TimeZone>` +
      `<tt:UTCDateTime>${dateTime(now)}</tt:UTCDateTime><tt:LocalDateTime>${dateTime(local)}</tt:LocalDateTime>` +
      `</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`
    );
  }

  #capabilities(): string {
    return (
      `<tds:GetCapabilitiesResponse><tds:Capabilities>` +
      `<tt:Device><tt:XAddr>${this.deviceXaddr}</tt:XAddr>` +
      `<tt:Network><tt:IPFilter>false</tt:IPFilter><tt:ZeroConfiguration>false</tt:ZeroConfiguration><tt:IPVersion6>false</tt:IPVersion6><tt:DynDNS>false</tt:DynDNS></tt:Network>` +
      `<tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>false</tt:DiscoveryBye><tt:RemoteDiscovery>false</tt:RemoteDiscovery>` +
      `<tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>` +
      `<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System>` +
      `<tt:Security><tt:TLS1.1>false</tt:TLS1.1><tt:TLS1.2>false</tt:TLS1.2><tt:OnboardKeyGeneration>false</tt:OnboardKeyGeneration>` +
      `<tt:AccessPolicyConfig>false</tt:AccessPolicyConfig><tt:X.509Token>false</tt:X.509Token><tt:SAMLToken>false</tt:SAMLToken>` +
      `<tt:KerberosToken>false</tt:KerberosToken><tt:RELToken>false</tt:RELToken></tt:Security></tt:Device>` +
      `<tt:Media><tt:XAddr>${this.mediaXaddr}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast>` +
      `<tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>` +
      `</tds:Capabilities></tds:GetCapabilitiesResponse>`
    );
  }

  #services(): string {
    const service = (namespace: string, xaddr: string) =>
      `<tds:Service><tds:Namespace>${namespace}</tds:Namespace><tds:XAddr>${xaddr}</tds:XAddr>` +
      `<tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`;
    return (
      `<tds:GetServicesResponse>${service('http://www.onvif.org/ver10/device/wsdl', this.deviceXaddr)}` +
      `${service('http://www.onvif.org/ver10/media/wsdl', this.mediaXaddr)}</tds:GetServicesResponse>`
    );
  }

  #profile(p: MediaProfile): string {
    const s = this.options.source;
    const broken = this.fault === 'missing-elements';
    const encoder =
      `<tt:VideoEncoderConfiguration token="vec_${p.token}"><tt:Name>${escapeXml(p.name)}Encoder</tt:Name><tt:UseCount>1</tt:UseCount>` +
      `<tt:Encoding>H264</tt:Encoding>` +
      (broken
        ? ''
        : `<tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>`) +
      `<tt:Quality>5</tt:Quality>` +
      (broken
        ? ''
        : `<tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>${p.bitrateKbps}</tt:BitrateLimit></tt:RateControl>`) +
      `<tt:H264><tt:GovLength>${p.gop}</tt:GovLength><tt:H264Profile>Baseline</tt:H264Profile></tt:H264>` +
      `<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>0</tt:Port><tt:TTL>1</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>` +
      `<tt:SessionTimeout>PT60S</tt:SessionTimeout></tt:VideoEncoderConfiguration>`;
    return (
      `<trt:Profiles token="${p.token}" fixed="true"><tt:Name>${escapeXml(p.name)}</tt:Name>` +
      `<tt:VideoSourceConfiguration token="vsc_1"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>${this.options.profiles.length}</tt:UseCount>` +
      `<tt:SourceToken>vs_1</tt:SourceToken><tt:Bounds x="0" y="0" width="${s.width}" height="${s.height}"/></tt:VideoSourceConfiguration>` +
      encoder +
      `</trt:Profiles>`
    );
  }
}

function mediaUri(uri: string): string {
  return (
    `<trt:MediaUri><tt:Uri>${escapeXml(uri)}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
    `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri>`
  );
}

/** The device's ONVIF scopes, as GetScopes and WS-Discovery report them. */
export function scopesOf(identity: DeviceIdentity): string[] {
  return [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/Profile/Streaming',
    `onvif://www.onvif.org/hardware/${encodeURIComponent(identity.model)}`,
    `onvif://www.onvif.org/name/${encodeURIComponent(identity.name.replace(/ /g, '_'))}`,
    `onvif://www.onvif.org/location/${encodeURIComponent(identity.location)}`,
  ];
}
