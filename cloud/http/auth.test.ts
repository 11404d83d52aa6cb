import { afterEach, describe, expect, it } from 'vitest';
import { capturingLogger, metricValue } from '../../tests/support/cloud-fixtures.js';
import { createHttpApp, type HttpApp } from '../../runtime/http-server.js';
import type { HttpOperator } from '../config.js';
import { cloudConfig } from '../core.js';
import { createCloudMetrics } from '../metrics.js';
import { AdmissionRefused } from '../../runtime/admission.js';
import {
  authenticatedOperator,
  hashPassword,
  installOperatorAuth,
  OperatorDirectory,
  parsePasswordHash,
  verifyPassword,
} from './auth.js';

const FAST = { ln: 10, r: 8, p: 1 };
const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

describe('password hashes', () => {
  it('verifies the password it hashed and nothing else; each hash has its own salt', async () => {
    const hash = await hashPassword('demo-only-operator', FAST);
    expect(hash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(await verifyPassword('demo-only-operator', hash)).toBe(true);
    expect(await verifyPassword('demo-only-operatoR', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    expect(await hashPassword('demo-only-operator', FAST)).not.toBe(hash);
  });

  it('names what is wrong with a bad hash', () => {
    expect(() => parsePasswordHash('$2b$10$abc', '/cloud/http/operators/0/passwordHash')).toThrow(
      /operators\/0\/passwordHash: not a scrypt hash/,
    );
    expect(() =>
      parsePasswordHash('$scrypt$ln=30,r=8,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5'),
    ).toThrow(/cost out of range/);
    expect(() => parsePasswordHash('$scrypt$ln=14,r=8,p=1$c2E=$a2V5a2V5a2V5a2V5a2V5a2V5')).toThrow(
      /too short/,
    );
  });
});

describe('OperatorDirectory', () => {
  it('checks plain and hashed passwords and returns who and which role', async () => {
    const directory = new OperatorDirectory([
      { username: 'lan', password: 'plain-secret', role: 'operator' },
      { username: 'minh', passwordHash: await hashPassword('hashed-secret', FAST), role: 'viewer' },
    ]);
    expect(await directory.verify('lan', 'plain-secret')).toEqual({ username: 'lan', role: 'operator' });
    expect(await directory.verify('minh', 'hashed-secret')).toEqual({ username: 'minh', role: 'viewer' });
    // Second time from the verification cache: same answer.
    expect(await directory.verify('minh', 'hashed-secret')).toEqual({ username: 'minh', role: 'viewer' });
    expect(await directory.verify('lan', 'plain-secreT')).toBeUndefined();
    expect(await directory.verify('minh', 'plain-secret')).toBeUndefined();
    expect(await directory.verify('nobody', 'hashed-secret')).toBeUndefined();
    expect(await directory.verify('lan', '')).toBeUndefined();
  });

  it('runs at most passwordChecks scrypt checks and queues passwordCheckQueue; refuses beyond at once, remembered logins skip it', async () => {
    const hash = await hashPassword('hashed-secret', FAST);
    const directory = new OperatorDirectory([{ username: 'minh', passwordHash: hash, role: 'viewer' }], {
      passwordChecks: 1,
      passwordCheckQueue: 1,
    });
    const running = directory.verify('minh', 'wrong-1');
    const waiting = directory.verify('minh', 'wrong-2');
    await expect(directory.verify('nobody', 'wrong-3')).rejects.toBeInstanceOf(AdmissionRefused);
    expect(await Promise.all([running, waiting])).toEqual([undefined, undefined]);
    expect(await directory.verify('minh', 'hashed-secret')).toEqual({ username: 'minh', role: 'viewer' });
    const first = directory.verify('minh', 'wrong-4');
    const second = directory.verify('minh', 'wrong-5');
    // A remembered login does not wait behind the checks in progress, nor is it refused.
    expect(await directory.verify('minh', 'hashed-secret')).toEqual({ username: 'minh', role: 'viewer' });
    await Promise.all([first, second]);
  });

  it('rejects accounts without exactly one password, bad hashes and duplicates, with the config path', () => {
    const op = (entry: Partial<HttpOperator>): HttpOperator => ({ username: 'u', role: 'viewer', ...entry });
    expect(() => new OperatorDirectory([op({})])).toThrow(
      '/cloud/http/operators/0: give exactly one of password or passwordHash',
    );
    expect(() => new OperatorDirectory([op({ password: 'a', passwordHash: '$scrypt$x' })])).toThrow(
      'exactly one',
    );
    expect(() => new OperatorDirectory([op({ passwordHash: '$scrypt$nope' })])).toThrow(
      '/cloud/http/operators/0/passwordHash',
    );
    expect(() => new OperatorDirectory([op({ password: 'a' }), op({ password: 'b' })])).toThrow(
      '/cloud/http/operators/1/username',
    );
  });
});

describe('installOperatorAuth (the onRequest hook)', () => {
  const apps: HttpApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  async function appWith(operators: HttpOperator[], logins: object = {}) {
    const metrics = createCloudMetrics();
    const capture = capturingLogger('debug');
    const app = createHttpApp({
      log: capture.log,
      registry: metrics.registry,
      health: () => ({ status: 'ok' }),
    });
    apps.push(app);
    const { limits } = cloudConfig({ http: { limits: { logins: { failureDelayMs: 0, ...logins } } } }).http;
    installOperatorAuth(app, { operators, limits, log: capture.log, metrics });
    app.get('/', async () => 'page');
    app.get('/api/v1/things', async (request) => ({ who: authenticatedOperator(request) ?? null }));
    app.post('/api/v1/things/:id/ack', async (request) => ({
      by: authenticatedOperator(request)?.username ?? null,
      body: request.body,
    }));
    await app.ready();
    const refused = async (reason: string) =>
      metricValue(await metrics.registry.metrics(), 'lookout_cloud_http_auth_refused_total', { reason }) ?? 0;
    return { app, lines: capture.lines, refused };
  }

  const OPERATORS: HttpOperator[] = [
    { username: 'viewer-1', password: 'view-pass', role: 'viewer' },
    { username: 'officer.lan', password: 'ack-pass', role: 'operator' },
  ];

  it('without operators leaves everything open and warns that the API is open', async () => {
    const { app, lines } = await appWith([]);
    expect((await app.inject({ method: 'GET', url: '/api/v1/things' })).json()).toEqual({ who: null });
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/things/a/ack', payload: { by: 'x' } })).statusCode,
    ).toBe(200);
    expect(lines.some((line) => line.level === 40 && String(line.msg).includes('HTTP API is OPEN'))).toBe(
      true,
    );
  });

  it('answers 401 with a Basic challenge and a JSON error without or with wrong credentials; counts, logs once per burst', async () => {
    const { app, lines, refused } = await appWith(OPERATORS);
    for (const url of ['/api/v1/things', '/', '/api/v1/unknown-route', '/anything']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(401);
      expect(response.headers['www-authenticate'], url).toBe('Basic realm="Lookout", charset="UTF-8"');
      expect(response.json(), url).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    }
    expect(await refused('missing')).toBe(4);
    for (let i = 0; i < 3; i++) {
      const wrong = await app.inject({
        method: 'GET',
        url: '/api/v1/things',
        headers: { authorization: basic('officer.lan', 'view-pass') },
      });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json()).toMatchObject({ message: 'bad username or password' });
    }
    const unknownUser = await app.inject({
      method: 'GET',
      url: '/api/v1/things',
      headers: { authorization: basic('nobody', 'ack-pass') },
    });
    expect(unknownUser.statusCode).toBe(401);
    expect(await refused('bad_credentials')).toBe(4);
    const warnings = () =>
      lines.filter((line) => line.level === 40 && String(line.msg).startsWith('HTTP login refused'));
    expect(warnings().map((line) => line.username)).toEqual(['officer.lan']);
    await app.close(); // ends the burst: one line with the count and the last one
    expect(warnings().map((line) => [line.username, line.repeated])).toEqual([
      ['officer.lan', undefined],
      ['nobody', 3],
    ]);
    expect(JSON.stringify(lines)).not.toContain('view-pass');
    expect(JSON.stringify(lines)).not.toContain('ack-pass');
  });

  it('locks a user out after maxFailuresPerUser failures: even the right password gets 429 with Retry-After (Grafana)', async () => {
    const { app, refused } = await appWith(OPERATORS, { maxFailuresPerUser: 3, lockoutS: 300 });
    const as = (password: string) =>
      app.inject({
        method: 'GET',
        url: '/api/v1/things',
        headers: { authorization: basic('viewer-1', password) },
      });
    for (let i = 0; i < 3; i++) expect((await as(`guess-${i}`)).statusCode).toBe(401);
    const locked = await as('view-pass');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.json()).toMatchObject({ statusCode: 429, message: expect.stringContaining('locked out') });
    expect(await refused('locked_out')).toBe(1);
    // Another user from the same address is not locked (the address limit is higher).
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/api/v1/things',
          headers: { authorization: basic('officer.lan', 'ack-pass') },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('keeps /health and /metrics open', async () => {
    const { app } = await appWith(OPERATORS);
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('lookout_cloud_http_auth_refused_total');
  });

  it('lets a viewer read but not change (403 JSON, no challenge); an operator may change and is the one recorded', async () => {
    const { app, refused } = await appWith(OPERATORS);
    const read = await app.inject({
      method: 'GET',
      url: '/api/v1/things',
      headers: { authorization: basic('viewer-1', 'view-pass') },
    });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ who: { username: 'viewer-1', role: 'viewer' } });
    expect(
      (
        await app.inject({
          method: 'GET',
          url: '/',
          headers: { authorization: basic('viewer-1', 'view-pass') },
        })
      ).body,
    ).toBe('page');

    const forbidden = await app.inject({
      method: 'POST',
      url: '/api/v1/things/a/ack',
      payload: {},
      headers: { authorization: basic('viewer-1', 'view-pass') },
    });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.headers['www-authenticate']).toBeUndefined();
    expect(forbidden.json()).toMatchObject({
      statusCode: 403,
      error: 'Forbidden',
      message: expect.stringContaining('operator role'),
    });
    expect(await refused('forbidden')).toBe(1);

    const acked = await app.inject({
      method: 'POST',
      url: '/api/v1/things/a/ack',
      payload: { by: 'someone else' },
      headers: { authorization: basic('officer.lan', 'ack-pass') },
    });
    expect(acked.statusCode).toBe(200);
    expect(acked.json()).toEqual({ by: 'officer.lan', body: { by: 'someone else' } });
  });

  it('accepts a username and password with non-ASCII characters and a colon in the password (RFC 7617, UTF-8)', async () => {
    const { app } = await appWith([{ username: 'Nguyễn Lan', password: 'mật:khẩu', role: 'viewer' }]);
    const response = await app.inject({
      method: 'GET',
      url: '/api/v1/things',
      headers: { authorization: basic('Nguyễn Lan', 'mật:khẩu') },
    });
    expect(response.json()).toEqual({ who: { username: 'Nguyễn Lan', role: 'viewer' } });
  });
});
