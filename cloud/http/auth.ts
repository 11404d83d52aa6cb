import {
  createHash,
  createHmac,
  randomBytes,
  scrypt,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import basicAuth from '@fastify/basic-auth';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Admission, AdmissionRefused } from '../../runtime/admission.js';
import type { HttpApp } from '../../runtime/http-server.js';
import { BurstLog, clipForLog } from '../../runtime/log-limits.js';
import type { Logger } from '../../runtime/logger.js';
import { delay, LoginGuard } from '../../runtime/login-guard.js';
import type { HttpLimits, HttpOperator } from '../config.js';
import type { CloudMetrics } from '../metrics.js';

export type OperatorRole = HttpOperator['role'];

/** Who made a request, once HTTP Basic authentication succeeded. */
export interface AuthenticatedOperator {
  username: string;
  role: OperatorRole;
}

/** Routes that stay open whatever the accounts: scraped and probed over the private network. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/health', '/metrics']);
const READ_METHODS = new Set(['GET', 'HEAD']);
const REALM = 'Lookout';

// ---- password hashes ---------------------------------------------------------------------------------------

/** scrypt cost: N = 2^14, r = 8, p = 1 (16 MiB, some tens of ms): Node's defaults, OWASP's minimum. */
const DEFAULT_COST = { ln: 14, r: 8, p: 1 };
const KEY_BYTES = 32;
const HASH_FORMAT =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

interface ParsedHash {
  cost: ScryptOptions;
  salt: Buffer;
  key: Buffer;
}

function scryptAsync(
  password: string,
  salt: Buffer,
  length: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `$scrypt$ln=14,r=8,p=1$<salt base64>$<key base64>` (PHC string format), with a random 16-byte salt. */
export async function hashPassword(password: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16);
  const N = 2 ** cost.ln;
  const key = await scryptAsync(password, salt, KEY_BYTES, {
    N,
    r: cost.r,
    p: cost.p,
    maxmem: 256 * N * cost.r,
  });
  return `$scrypt$ln=${cost.ln},r=${cost.r},p=${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Throws a message naming what is wrong; `where` is the config path. */
export function parsePasswordHash(hash: string, where = 'passwordHash'): ParsedHash {
  const match = HASH_FORMAT.exec(hash);
  if (!match)
    throw new Error(
      `${where}: not a scrypt hash "$scrypt$ln=..,r=..,p=..$<salt>$<key>" (make one with: lookout cloud hash-password)`,
    );
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (ln < 10 || ln > 20 || r < 1 || p < 1)
    throw new Error(`${where}: scrypt cost out of range (ln 10..20, r >= 1, p >= 1)`);
  const salt = Buffer.from(match[4]!, 'base64');
  const key = Buffer.from(match[5]!, 'base64');
  if (salt.length < 8 || key.length < 16) throw new Error(`${where}: salt or key too short`);
  const N = 2 ** ln;
  return { cost: { N, r, p, maxmem: 256 * N * r }, salt, key };
}

export async function verifyPassword(password: string, hash: string | ParsedHash): Promise<boolean> {
  const parsed = typeof hash === 'string' ? parsePasswordHash(hash) : hash;
  const key = await scryptAsync(password, parsed.salt, parsed.key.length, parsed.cost);
  return timingSafeEqual(key, parsed.key);
}

/** Constant time in the content: both sides are hashed to the same length before the comparison. */
export function samePlainPassword(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

// ---- accounts ------------------------------------------------------------------------------------------------

interface Account {
  operator: AuthenticatedOperator;
  check: (password: string) => Promise<boolean>;
}

const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 1000;

/** How many scrypt checks run at once and how many may wait (`cloud.http.limits`). */
export type PasswordCheckLimits = Pick<HttpLimits, 'passwordChecks' | 'passwordCheckQueue'>;

/**
 * The configured operators. A successful scrypt check is remembered for 5 minutes under an HMAC of the
 * credentials (a per-process random key), so a dashboard polling every few seconds does not pay scrypt on
 * every request; failures are never cached. Unknown users cost the same check as known ones.
 * scrypt runs on libuv's thread pool, which the journal's writes and fdatasync share: at most
 * `passwordChecks` run at once and `passwordCheckQueue` wait; beyond, `verify` throws AdmissionRefused at once.
 */
export class OperatorDirectory {
  readonly #accounts = new Map<string, Account>();
  readonly #verified = new Map<string, { operator: AuthenticatedOperator; expiresAt: number }>();
  readonly #cacheKey = randomBytes(32);
  readonly #dummy: (password: string) => Promise<boolean>;
  readonly #scrypt: Admission;

  /** Throws with the config path of the first bad account (no or two passwords, bad hash, duplicate name). */
  constructor(
    operators: readonly HttpOperator[],
    limits: PasswordCheckLimits = { passwordChecks: 1, passwordCheckQueue: 8 },
  ) {
    this.#scrypt = new Admission('password checks', limits.passwordChecks, limits.passwordCheckQueue);
    const hashed = (password: string, hash: ParsedHash) =>
      this.#scrypt.run(() => verifyPassword(password, hash));
    let anyHash = false;
    operators.forEach((entry, index) => {
      const where = `/cloud/http/operators/${index}`;
      if (this.#accounts.has(entry.username))
        throw new Error(`${where}/username: "${entry.username}" is listed twice`);
      if ((entry.password === undefined) === (entry.passwordHash === undefined)) {
        throw new Error(`${where}: give exactly one of password or passwordHash for "${entry.username}"`);
      }
      const operator: AuthenticatedOperator = { username: entry.username, role: entry.role };
      if (entry.passwordHash !== undefined) {
        anyHash = true;
        const parsed = parsePasswordHash(entry.passwordHash, `${where}/passwordHash`);
        this.#accounts.set(entry.username, { operator, check: (password) => hashed(password, parsed) });
      } else {
        const expected = entry.password!;
        this.#accounts.set(entry.username, {
          operator,
          check: async (password) => samePlainPassword(password, expected),
        });
      }
    });
    const unknown = randomBytes(32).toString('base64');
    const dummyHash = anyHash
      ? parsePasswordHash(
          `$scrypt$ln=${DEFAULT_COST.ln},r=8,p=1$${randomBytes(16).toString('base64')}$${unknown}`,
        )
      : undefined;
    this.#dummy = async (password) => {
      if (dummyHash) await hashed(password, dummyHash);
      else samePlainPassword(password, unknown);
      return false;
    };
  }

  get size(): number {
    return this.#accounts.size;
  }

  /** The operator, or undefined for wrong credentials; throws AdmissionRefused when too many checks are under way. */
  async verify(
    username: string,
    password: string,
    now = Date.now(),
  ): Promise<AuthenticatedOperator | undefined> {
    const key = createHmac('sha256', this.#cacheKey)
      .update(username)
      .update('\0')
      .update(password)
      .digest('base64');
    const cached = this.#verified.get(key);
    if (cached && cached.expiresAt > now) return cached.operator;
    const account = this.#accounts.get(username);
    if (!account) {
      await this.#dummy(password);
      return undefined;
    }
    if (!(await account.check(password))) return undefined;
    if (this.#verified.size >= CACHE_MAX) this.#verified.clear();
    this.#verified.set(key, { operator: account.operator, expiresAt: now + CACHE_TTL_MS });
    return account.operator;
  }
}

// ---- the fastify hook ----------------------------------------------------------------------------------------

const operators = new WeakMap<FastifyRequest, AuthenticatedOperator>();

/** The operator who made this request; undefined when the API has no accounts (open) or for open routes. */
export function authenticatedOperator(request: FastifyRequest): AuthenticatedOperator | undefined {
  return operators.get(request);
}

/**
 * Who does what a request asks: the login when there are operator accounts (a body cannot claim someone else),
 * else the `by` the request gives.
 */
export function actorOf(request: FastifyRequest, by: string | undefined): string | undefined {
  return authenticatedOperator(request)?.username ?? by;
}

/** `viewer`: read (GET, HEAD). `operator`: everything. */
export function mayUse(role: OperatorRole, method: string): boolean {
  return role === 'operator' || READ_METHODS.has(method);
}

/** Every route but `/health` and `/metrics` (unknown URLs too: 401 before 404, nothing to probe). */
export function requiresAuthentication(routeUrl: string | undefined): boolean {
  return routeUrl === undefined || !OPEN_ROUTES.has(routeUrl);
}

export interface OperatorAuthOptions {
  operators: readonly HttpOperator[];
  limits: HttpLimits;
  log: Logger;
  /** `lookout_cloud_http_auth_refused_total{reason}` and `lookout_cloud_login_lockouts_total`. */
  metrics: Pick<CloudMetrics, 'httpAuthRefused' | 'loginLockouts'>;
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const NOTED_MAX = 10_000;
/** Failed logins from one address log once per this window, then one line with how many more. */
const FAILURE_LOG_WINDOW_MS = 60_000;

/**
 * HTTP Basic authentication for the API (`cloud.http.operators`), from `@fastify/basic-auth` (header parsing
 * per RFC 7617, the `WWW-Authenticate` challenge on 401). Must be called before routes are declared (an
 * `onRequest` hook on the root instance covers every route). No operators: nothing is installed, the API stays
 * open, and a warning says so. Answers 401 (with `WWW-Authenticate: Basic realm="Lookout"`) without or with
 * wrong credentials, 403 when a viewer tries to change something; both as JSON `{ statusCode, error, message }`.
 */
export function installOperatorAuth(
  app: HttpApp,
  options: OperatorAuthOptions,
): OperatorDirectory | undefined {
  const { log, limits } = options;
  const refused = options.metrics.httpAuthRefused;
  const directory = new OperatorDirectory(options.operators, limits);
  if (directory.size === 0) {
    log.warn(
      'HTTP API is OPEN: no cloud.http.operators, so anyone who reaches the HTTP port can read the API and acknowledge/clear alarms (cloud/README.md, Security)',
    );
    return undefined;
  }
  const logins = new LoginGuard(limits.logins);
  const failures = new BurstLog(log, { windowMs: FAILURE_LOG_WINDOW_MS });
  app.addHook('onClose', async () => failures.flush());
  const noted = new Set<string>();
  const noteOnce = (key: string, details: Record<string, unknown>, message: string) => {
    if (noted.has(key)) return log.debug(details, message);
    if (noted.size >= NOTED_MAX) noted.clear();
    noted.add(key);
    log.warn(details, `${message} (logged once per user and address)`);
  };

  void app.register(basicAuth, {
    authenticate: { realm: REALM },
    async validate(username: string, password: string, request: FastifyRequest, reply: FastifyReply) {
      const subject = { username, address: request.ip };
      const details = {
        username: clipForLog(username),
        ip: request.ip,
        method: request.method,
        url: clipForLog(request.url),
      };
      const lockout = logins.state(subject);
      if (lockout.locked) {
        refused.inc({ reason: 'locked_out' });
        failures.warn(
          `locked|${request.ip}`,
          { ...details, by: lockout.by },
          'HTTP login refused: locked out after too many failed logins',
        );
        void reply.header('retry-after', String(Math.ceil(lockout.retryAfterMs / 1000)));
        throw new HttpError(
          429,
          `too many failed logins: ${lockout.by} locked out, try again in ${Math.ceil(lockout.retryAfterMs / 1000)} s`,
        );
      }
      const operator = await directory.verify(username, password).catch((error: unknown) => {
        if (!(error instanceof AdmissionRefused)) throw error;
        refused.inc({ reason: 'busy' });
        void reply.header('retry-after', '1');
        throw new HttpError(503, 'too many logins being checked at once, try again shortly');
      });
      if (!operator) {
        refused.inc({ reason: 'bad_credentials' });
        failures.warn(`bad|${request.ip}`, details, 'HTTP login refused: bad username or password');
        for (const by of logins.fail(subject)) {
          options.metrics.loginLockouts.inc({ listener: 'http', by });
          log.warn(
            { username: details.username, ip: request.ip, by, lockoutS: limits.logins.lockoutS },
            `HTTP ${by} locked out after too many failed logins`,
          );
        }
        await delay(limits.logins.failureDelayMs);
        throw new HttpError(401, 'bad username or password');
      }
      if (!mayUse(operator.role, request.method)) {
        refused.inc({ reason: 'forbidden' });
        noteOnce(
          `forbidden|${username}|${request.ip}`,
          { ...details, role: operator.role },
          `HTTP ${request.method} refused for a ${operator.role}`,
        );
        throw new HttpError(
          403,
          `${operator.role} "${username}" may only read; ${request.method} needs the operator role`,
        );
      }
      operators.set(request, operator);
    },
  });
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
    if (!requiresAuthentication(request.routeOptions.url)) return done();
    // The plugin's hook does not use `this`; its declared type is a union of three hook kinds.
    const check = app.basicAuth as unknown as (
      request: FastifyRequest,
      reply: FastifyReply,
      done: (error?: Error) => void,
    ) => void;
    check(request, reply, (error?: Error) => {
      if (error && (error as { code?: string }).code === 'FST_BASIC_AUTH_MISSING_OR_BAD_AUTHORIZATION_HEADER')
        refused.inc({ reason: 'missing' });
      done(error);
    });
  });
  log.info(
    { operators: directory.size },
    'HTTP API requires operator login (HTTP Basic); /health and /metrics stay open',
  );
  return directory;
}
