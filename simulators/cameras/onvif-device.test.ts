import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUsernameToken,
  parseXml,
  soapEnvelope,
  xmlPath,
  xmlText,
} from '../../protocols/onvif/index.js';
import { silentLogger } from '../../runtime/logger.js';
import { OnvifDeviceServer } from './onvif-device.js';

const server = new OnvifDeviceServer({
  host: '127.0.0.1',
  port: 0,
  identity: {
    manufacturer: 'SimVision',
    model: 'SV-1',
    firmware: '1.0',
    serial: 'S1',
    hardwareId: 'SV-1',
    name: 'cam one',
    location: 'CaMau',
  },
  username: 'admin',
  password: 'demo',
  source: { width: 640, height: 360, fps: 5 },
  profiles: [{ token: 'p1', name: 'Main', width: 640, height: 360, fps: 5, bitrateKbps: 600, gop: 5 }],
  streamUri: () => 'rtsp://127.0.0.1:1/main',
  snapshotUri: () => 'http://127.0.0.1:2/snapshot.jpg',
  log: silentLogger(),
});

beforeAll(() => server.start());
afterAll(() => server.stop());

async function call(body: string, token?: ReturnType<typeof createUsernameToken>) {
  const response = await fetch(server.deviceXaddr, {
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml' },
    body: soapEnvelope(body, { token }),
  });
  return { status: response.status, doc: parseXml(await response.text()) };
}

describe('simulated ONVIF device service', () => {
  it('answers GetSystemDateAndTime without credentials (PRE_AUTH), with the current UTC year', async () => {
    const { status, doc } = await call('<tds:GetSystemDateAndTime/>');
    expect(status).toBe(200);
    const year = xmlText(
      xmlPath(
        doc,
        'Envelope',
        'Body',
        'GetSystemDateAndTimeResponse',
        'SystemDateAndTime',
        'UTCDateTime',
        'Date',
        'Year',
      ),
    );
    expect(Number(year)).toBe(new Date().getUTCFullYear());
  });

  it('refuses GetDeviceInformation without a token, with a wrong password, and with a stale Created', async () => {
    for (const token of [
      undefined,
      createUsernameToken('admin', 'wrong'),
      createUsernameToken('admin', 'demo', new Date(Date.now() - 3600_000)),
    ]) {
      const { status, doc } = await call('<tds:GetDeviceInformation/>', token);
      expect(status).toBe(400);
      expect(xmlText(xmlPath(doc, 'Envelope', 'Body', 'Fault', 'Code', 'Subcode', 'Value'))).toBe(
        'ter:NotAuthorized',
      );
    }
  });

  it('answers with a valid digest; unknown operations and profile tokens get faults', async () => {
    const ok = await call('<tds:GetDeviceInformation/>', createUsernameToken('admin', 'demo'));
    expect(xmlText(xmlPath(ok.doc, 'Envelope', 'Body', 'GetDeviceInformationResponse', 'Model'))).toBe(
      'SV-1',
    );
    const unknown = await call('<tds:Reboot/>', createUsernameToken('admin', 'demo'));
    expect(xmlText(xmlPath(unknown.doc, 'Envelope', 'Body', 'Fault', 'Code', 'Subcode', 'Value'))).toBe(
      'ter:ActionNotSupported',
    );
    const badProfile = await call(
      '<trt:GetStreamUri><trt:ProfileToken>nope</trt:ProfileToken></trt:GetStreamUri>',
      createUsernameToken('admin', 'demo'),
    );
    expect(xmlText(xmlPath(badProfile.doc, 'Envelope', 'Body', 'Fault', 'Code', 'Subcode', 'Value'))).toBe(
      'ter:InvalidArgVal',
    );
  });

  it('injected faults: truncated XML and missing profile elements', async () => {
    server.fault = 'truncated-xml';
    const response = await fetch(server.deviceXaddr, {
      method: 'POST',
      body: soapEnvelope('<tds:GetDeviceInformation/>', { token: createUsernameToken('admin', 'demo') }),
    });
    const text = await response.text();
    expect(() => parseXml(text)).toThrow(/malformed XML/);
    server.fault = 'missing-elements';
    const { doc } = await call('<trt:GetProfiles/>', createUsernameToken('admin', 'demo'));
    const encoder = xmlPath(
      doc,
      'Envelope',
      'Body',
      'GetProfilesResponse',
      'Profiles',
      'VideoEncoderConfiguration',
    );
    expect(encoder).toBeDefined();
    expect(xmlPath(encoder, 'RateControl')).toBeUndefined();
    expect(xmlPath(encoder, 'Resolution')).toBeUndefined();
    server.fault = 'none';
  });
});
