/**
 * ONVIF wire contract shared by the camera simulator, the edge and the tests: SOAP 1.2 envelopes,
 * namespaces, WS-Security UsernameToken digests and WS-Discovery (Probe / ProbeMatch) messages.
 * Only the subset Lookout speaks (Profile S device + media services, WS-Discovery 2005/04).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsd: 'http://schemas.xmlsoap.org/ws/2005/04/discovery',
  dn: 'http://www.onvif.org/ver10/network/wsdl',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  ter: 'http://www.onvif.org/ver10/error',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
} as const;

export const PASSWORD_DIGEST_TYPE =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';

export const WS_DISCOVERY = {
  multicastAddress: '239.255.255.250',
  port: 3702,
  probeAction: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe',
  probeMatchesAction: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches',
  to: 'urn:schemas-xmlsoap-org:ws:2005:04:discovery',
  anonymous: 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous',
} as const;

/** Paths of the simulated services (real cameras use the same ones, by convention). */
export const ONVIF_PATHS = { device: '/onvif/device_service', media: '/onvif/media_service' } as const;

/** WS-Security UsernameToken PasswordDigest = Base64(SHA1(nonce ‖ Created ‖ password)), nonce as raw bytes. */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

export interface UsernameToken {
  username: string;
  passwordDigest: string;
  /** Base64. */
  nonce: string;
  created: string;
}

export function createUsernameToken(username: string, password: string, now = new Date()): UsernameToken {
  const nonce = randomBytes(16);
  const created = now.toISOString();
  return {
    username,
    passwordDigest: passwordDigest(nonce, created, password),
    nonce: nonce.toString('base64'),
    created,
  };
}

export function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );
}

function securityHeader(token: UsernameToken): string {
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${NS.wsse}" xmlns:wsu="${NS.wsu}"><wsse:UsernameToken>` +
    `<wsse:Username>${escapeXml(token.username)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST_TYPE}">${token.passwordDigest}</wsse:Password>` +
    `<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${token.nonce}</wsse:Nonce>` +
    `<wsu:Created>${token.created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

/** A SOAP 1.2 envelope declaring every namespace prefix above. */
export function soapEnvelope(body: string, options: { header?: string; token?: UsernameToken } = {}): string {
  const declarations = Object.entries(NS)
    .map(([prefix, uri]) => `xmlns:${prefix === 'soap' ? 's' : prefix}="${uri}"`)
    .join(' ');
  const header = (options.header ?? '') + (options.token ? securityHeader(options.token) : '');
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${declarations}><s:Header>${header}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
}

/** A SOAP 1.2 fault as ONVIF devices send it, e.g. (`Sender`, `ter:NotAuthorized`, `Sender not Authorized`). */
export function soapFault(code: 'Sender' | 'Receiver', subcode: string, reason: string): string {
  return soapEnvelope(
    `<s:Fault><s:Code><s:Value>s:${code}</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${escapeXml(reason)}</s:Text></s:Reason></s:Fault>`,
  );
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
});

export type XmlNode = { [key: string]: unknown };

/** Parses XML with namespace prefixes removed; throws with the position when it is not well formed. */
export function parseXml(xml: string): XmlNode {
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new Error(`malformed XML at line ${valid.err.line} column ${valid.err.col}: ${valid.err.msg}`);
  return parser.parse(xml) as XmlNode;
}

/** Follows a path of element names; undefined as soon as one is missing. */
export function xmlPath(node: unknown, ...path: string[]): unknown {
  let current: unknown = node;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as XmlNode)[key];
  }
  return current;
}

/** Text of an element that may carry attributes (`{ '#text': ..., '@attr': ... }`). */
export function xmlText(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (typeof node === 'number') return String(node);
  if (typeof node === 'object' && node !== null) {
    const text = (node as XmlNode)['#text'];
    if (typeof text === 'string' || typeof text === 'number') return String(text);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// WS-Discovery

export interface Probe {
  messageId: string;
  /** Requested types without prefix, e.g. `NetworkVideoTransmitter`; empty = any. */
  types: string[];
}

export function buildProbe(
  types: string[] = ['NetworkVideoTransmitter'],
  messageId = `uuid:${randomUUID()}`,
): string {
  const header =
    `<wsa:Action s:mustUnderstand="1">${WS_DISCOVERY.probeAction}</wsa:Action>` +
    `<wsa:MessageID>${messageId}</wsa:MessageID>` +
    `<wsa:ReplyTo><wsa:Address>${WS_DISCOVERY.anonymous}</wsa:Address></wsa:ReplyTo>` +
    `<wsa:To s:mustUnderstand="1">${WS_DISCOVERY.to}</wsa:To>`;
  const typeList = types.map((t) => `dn:${t}`).join(' ');
  return soapEnvelope(`<wsd:Probe><wsd:Types>${typeList}</wsd:Types></wsd:Probe>`, { header });
}

/** A Probe's id and requested types, or undefined when the datagram is not a WS-Discovery Probe. */
export function parseProbe(xml: string): Probe | undefined {
  let doc: XmlNode;
  try {
    doc = parseXml(xml);
  } catch {
    return undefined;
  }
  const probe = xmlPath(doc, 'Envelope', 'Body', 'Probe');
  if (probe === undefined) return undefined;
  const messageId = xmlText(xmlPath(doc, 'Envelope', 'Header', 'MessageID')) ?? '';
  const typesText = xmlText(xmlPath(probe, 'Types')) ?? '';
  const types = typesText
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => t.replace(/^.*:/, ''));
  return { messageId, types };
}

export interface ProbeMatch {
  /** `urn:uuid:...`, stable per device. */
  endpoint: string;
  types: string[];
  scopes: string[];
  xaddrs: string[];
  metadataVersion?: number;
}

/** One ProbeMatches message with one ProbeMatch: node-onvif reads only a single match per datagram. */
export function buildProbeMatch(relatesTo: string, match: ProbeMatch): string {
  const header =
    `<wsa:MessageID>uuid:${randomUUID()}</wsa:MessageID><wsa:RelatesTo>${escapeXml(relatesTo)}</wsa:RelatesTo>` +
    `<wsa:To s:mustUnderstand="1">${WS_DISCOVERY.anonymous}</wsa:To>` +
    `<wsa:Action s:mustUnderstand="1">${WS_DISCOVERY.probeMatchesAction}</wsa:Action>`;
  const body =
    `<wsd:ProbeMatches><wsd:ProbeMatch>` +
    `<wsa:EndpointReference><wsa:Address>${escapeXml(match.endpoint)}</wsa:Address></wsa:EndpointReference>` +
    `<wsd:Types>${match.types.map((t) => (t.includes(':') ? t : `dn:${t}`)).join(' ')}</wsd:Types>` +
    `<wsd:Scopes>${match.scopes.map(escapeXml).join(' ')}</wsd:Scopes>` +
    `<wsd:XAddrs>${match.xaddrs.map(escapeXml).join(' ')}</wsd:XAddrs>` +
    `<wsd:MetadataVersion>${match.metadataVersion ?? 1}</wsd:MetadataVersion>` +
    `</wsd:ProbeMatch></wsd:ProbeMatches>`;
  return soapEnvelope(body, { header });
}

/** The matches of a ProbeMatches message (one or several), or [] when it is something else. */
export function parseProbeMatches(xml: string): ProbeMatch[] {
  let doc: XmlNode;
  try {
    doc = parseXml(xml);
  } catch {
    return [];
  }
  const raw = xmlPath(doc, 'Envelope', 'Body', 'ProbeMatches', 'ProbeMatch');
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const words = (value: unknown) => (xmlText(value) ?? '').split(/\s+/).filter(Boolean);
  return list.flatMap((m: unknown) => {
    const endpoint = xmlText(xmlPath(m, 'EndpointReference', 'Address'));
    const xaddrs = words(xmlPath(m, 'XAddrs'));
    if (!endpoint || xaddrs.length === 0) return [];
    return [{ endpoint, xaddrs, types: words(xmlPath(m, 'Types')), scopes: words(xmlPath(m, 'Scopes')) }];
  });
}
