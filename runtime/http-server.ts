import type { Socket } from 'node:net';
import Fastify, { LogController, type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
import { clipForLog } from './log-limits.js';
import type { Logger } from './logger.js';
import type { Part } from './service.js';

export type HttpApp = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  [detail: string]: unknown;
}

/** How long a client may take: against slowloris and idle connections (defaults in cloud/config.ts HttpLimits). */
export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  idleTimeoutMs: number;
}

export interface HttpServerOptions {
  log: Logger;
  registry: Registry;
  health: () => HealthReport | Promise<HealthReport>;
  /** Serve HTTPS with this certificate and key (PEM) instead of HTTP; `handshakeTimeout` in ms. */
  https?: { cert: Buffer; key: Buffer; handshakeTimeout?: number };
  timeouts?: HttpTimeouts;
}

const DEFAULT_TIMEOUTS: HttpTimeouts = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 30_000,
};

/** Every service's HTTP face: `/health` (JSON, 503 when down) and `/metrics` (Prometheus text). */
export function createHttpApp({
  log,
  registry,
  health,
  https,
  timeouts = DEFAULT_TIMEOUTS,
}: HttpServerOptions): HttpApp {
  // Per-request lines would drown the logs under dashboard polling and Prometheus scrapes; routes that change
  // state log what they did themselves.
  const logController = new LogController({ disableRequestLogging: true });
  // Node checks headersTimeout and requestTimeout every connectionsCheckingInterval (default 30 s).
  const server = {
    headersTimeout: timeouts.headersTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, timeouts.headersTimeoutMs),
  };
  const options = {
    loggerInstance: log,
    logController,
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    connectionTimeout: timeouts.idleTimeoutMs,
  };
  // An https app differs from an http one only in its server type, which no route of ours touches.
  const app = (
    https
      ? (Fastify({ ...options, https: { ...https, ...server } }) as unknown as ReturnType<
          typeof plainFastify
        >)
      : plainFastify({ ...options, http: server })
  ).withTypeProvider<TypeBoxTypeProvider>();
  if (!https) closeSilentConnections(app as unknown as FastifyInstance, timeouts.headersTimeoutMs);
  answerWrongMethodWith405(app as unknown as FastifyInstance);
  explainInvalidJson(app as unknown as FastifyInstance);
  app.get('/health', async (_request, reply) => {
    const report = await health();
    return reply.code(report.status === 'down' ? 503 : 200).send(report);
  });
  app.get('/metrics', async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  return app as unknown as HttpApp;
}

function plainFastify(options: FastifyHttpOptions<import('node:http').Server, Logger>) {
  return Fastify(options);
}

/**
 * Node's headersTimeout counts from a request's first byte, and its idle timeout did not close a connection that
 * never sent one: such a connection is closed after `ms`. (With TLS the handshake timeout does it.)
 */
function closeSilentConnections(app: FastifyInstance, ms: number): void {
  app.server.on('connection', (socket: Socket) => {
    // bytesRead, not a 'data' listener: the HTTP parser may read the socket natively (no 'data' events), and a
    // listener would switch the socket to flowing mode behind the parser's back.
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, ms);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

/**
 * A known URL asked with a method it does not take gets 405 with an `Allow` header (RFC 9110 15.5.6), not 404:
 * the routes are collected as they are declared, and the not-found handler looks for other methods of the URL.
 */
function answerWrongMethodWith405(app: FastifyInstance): void {
  const routes: Array<{ pattern: RegExp; method: string }> = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat())
      routes.push({ pattern: routePattern(route.url ?? route.path), method });
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = [
      ...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method)),
    ].sort();
    if (allowed.length === 0) {
      return reply.code(404).send({
        statusCode: 404,
        error: 'Not Found',
        message: `no route ${request.method} ${clipForLog(path)}`,
      });
    }
    return reply
      .code(405)
      .header('allow', allowed.join(', '))
      .send({
        statusCode: 405,
        error: 'Method Not Allowed',
        message: `${request.method} is not allowed on ${clipForLog(path)}; allowed: ${allowed.join(', ')}`,
      });
  });
}

/** `/api/v1/alarms/:id/ack` -> a RegExp matching its paths (`:param` one segment, `*` the rest). */
function routePattern(url: string): RegExp {
  const segments = url.split('/').map((segment) => {
    if (segment.startsWith(':')) return '[^/]+';
    return segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  });
  return new RegExp(`^${segments.join('/')}/?$`);
}

/** A malformed JSON body is answered 400 saying what is wrong and where (line, column), not a bare "Bad Request". */
function explainInvalidJson(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error: Error | null, value?: unknown) => {
      if ((error as { code?: string } | null)?.code !== 'FST_ERR_CTP_INVALID_JSON_BODY')
        return done(error, value);
      done(
        Object.assign(new Error(`request body is not valid JSON: ${describeJsonError(body as string)}`), {
          statusCode: 400,
        }),
        undefined,
      );
    });
  });
}

function describeJsonError(text: string): string {
  try {
    JSON.parse(text);
    return 'it could not be parsed';
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    if (!position) return clipForLog(message);
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return `${clipForLog(message)} (line ${line}, column ${column})`;
  }
}

/** Wraps the app as a Part; `port` 0 picks a free port, readable from `address` after start. */
export class HttpServerPart implements Part {
  readonly name = 'http';
  address = '';
  port = 0;

  constructor(
    readonly app: HttpApp,
    private readonly host: string,
    private readonly requestedPort: number,
  ) {}

  async start(): Promise<void> {
    await this.app.listen({ host: this.host, port: this.requestedPort });
    const address = this.app.server.address();
    this.port = typeof address === 'object' && address ? address.port : this.requestedPort;
    this.address = `${'setSecureContext' in this.app.server ? 'https' : 'http'}://${this.host}:${this.port}`;
  }

  async stop(): Promise<void> {
    await this.app.close();
  }
}
