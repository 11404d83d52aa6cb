/** `lookout sim cameras` as a user runs it: the real CLI process, its JSON camera list, Ctrl-C. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createUsernameToken,
  parseXml,
  soapEnvelope,
  xmlPath,
  xmlText,
} from '../../protocols/onvif/index.js';
import { isJpeg } from '../support/media.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface Listed {
  cameras: Array<{
    id: string;
    xaddr: string;
    snapshotUrl: string;
    username: string;
    password: string;
    model: string;
  }>;
}

describe('lookout sim cameras', () => {
  it('starts N cameras, prints their URLs, serves them, and stops cleanly on SIGINT', async () => {
    const child = spawn(
      process.execPath,
      [
        'cli/lookout.js',
        'sim',
        'cameras',
        '--count',
        '2',
        '--json',
        '--no-discovery',
        '--password',
        'cli-demo',
      ],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited ${code} before printing`)));
      });
      const listed = JSON.parse(first) as Listed;
      expect(listed.cameras.map((c) => c.id)).toEqual(['cam-1', 'cam-2']);
      expect(listed.cameras[1]).toMatchObject({
        username: 'admin',
        password: 'cli-demo',
        model: 'TW-Bullet-2',
      });

      const response = await fetch(listed.cameras[0]!.xaddr, {
        method: 'POST',
        body: soapEnvelope('<tds:GetDeviceInformation/>', {
          token: createUsernameToken('admin', 'cli-demo'),
        }),
      });
      expect(
        xmlText(
          xmlPath(
            parseXml(await response.text()),
            'Envelope',
            'Body',
            'GetDeviceInformationResponse',
            'Manufacturer',
          ),
        ),
      ).toBe('SimVision');
      const snapshot = await fetch(listed.cameras[0]!.snapshotUrl, {
        headers: { authorization: `Basic ${Buffer.from('admin:cli-demo').toString('base64')}` },
      });
      expect(isJpeg(Buffer.from(await snapshot.arrayBuffer()))).toBe(true);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
