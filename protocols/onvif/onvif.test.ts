import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  buildProbe,
  buildProbeMatch,
  createUsernameToken,
  parseProbe,
  parseProbeMatches,
  parseXml,
  passwordDigest,
  soapEnvelope,
  soapFault,
  xmlPath,
  xmlText,
} from './index.js';

describe('WS-Security UsernameToken', () => {
  it('digest is Base64(SHA1(nonce bytes + Created + password))', () => {
    const nonce = Buffer.from('0123456789abcdef');
    const created = '2024-05-01T10:00:00.000Z';
    const expected = createHash('sha1')
      .update(Buffer.concat([nonce, Buffer.from(created), Buffer.from('demo')]))
      .digest('base64');
    expect(passwordDigest(nonce, created, 'demo')).toBe(expected);
    expect(passwordDigest(nonce, created, 'other')).not.toBe(expected);
  });

  it('an envelope with a token parses back to the same fields', () => {
    const token = createUsernameToken('admin', 'demo');
    const doc = parseXml(soapEnvelope('<tds:GetDeviceInformation/>', { token }));
    const parsed = xmlPath(doc, 'Envelope', 'Header', 'Security', 'UsernameToken');
    expect(xmlText(xmlPath(parsed, 'Username'))).toBe('admin');
    expect(xmlText(xmlPath(parsed, 'Password'))).toBe(token.passwordDigest);
    expect(
      passwordDigest(
        Buffer.from(xmlText(xmlPath(parsed, 'Nonce'))!, 'base64'),
        xmlText(xmlPath(parsed, 'Created'))!,
        'demo',
      ),
    ).toBe(token.passwordDigest);
  });
});

describe('SOAP', () => {
  it('a fault carries code, subcode and reason', () => {
    const doc = parseXml(soapFault('Sender', 'ter:NotAuthorized', 'Sender not Authorized'));
    expect(xmlText(xmlPath(doc, 'Envelope', 'Body', 'Fault', 'Code', 'Subcode', 'Value'))).toBe(
      'ter:NotAuthorized',
    );
    expect(xmlText(xmlPath(doc, 'Envelope', 'Body', 'Fault', 'Reason', 'Text'))).toBe(
      'Sender not Authorized',
    );
  });

  it('truncated XML is refused with its position', () => {
    const xml = soapEnvelope(
      '<tds:GetDeviceInformationResponse><tds:Model>x</tds:Model></tds:GetDeviceInformationResponse>',
    );
    expect(() => parseXml(xml.slice(0, xml.length - 30))).toThrow(/malformed XML at line \d+ column \d+/);
  });
});

describe('WS-Discovery', () => {
  it('probe round trip keeps message id and types', () => {
    const probe = parseProbe(buildProbe(['NetworkVideoTransmitter'], 'uuid:1234'));
    expect(probe).toEqual({ messageId: 'uuid:1234', types: ['NetworkVideoTransmitter'] });
  });

  it('probe match round trip', () => {
    const match = {
      endpoint: 'urn:uuid:abc',
      types: ['dn:NetworkVideoTransmitter'],
      scopes: ['onvif://www.onvif.org/name/x'],
      xaddrs: ['http://127.0.0.1:1/onvif/device_service'],
    };
    const parsed = parseProbeMatches(buildProbeMatch('uuid:1234', match));
    expect(parsed).toEqual([match]);
  });

  it('other messages and garbage are not probes or matches', () => {
    expect(parseProbe('not xml')).toBeUndefined();
    expect(parseProbe(soapEnvelope('<tds:GetScopes/>'))).toBeUndefined();
    expect(parseProbeMatches('<a><b></a>')).toEqual([]);
  });
});
