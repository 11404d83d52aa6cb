import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Registry } from 'prom-client';
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

export interface HttpServerOptions {
  log: Logger;
  registry: Registry;
  health: () => HealthReport | Promise<HealthReport>;
  /** Serve HTTPS with this certificate and key (PEM) instead of HTTP. */
  https?: { cert: Buffer; key: Buffer };
}

/** Every service's HTTP face: `/health` (JSON, 503 when down) and `/metrics` (Prometheus text). */
export function createHttpApp({ log, registry, health, https }: HttpServerOptions): HttpApp {
  // Per-request lines would drown the logs under dashboard polling and Prometheus scrapes; routes that change
  // state log what they did themselves.
  const logController = new LogController({ disableRequestLogging: true });
  // An https app differs from an http one only in its server type, which no route of ours touches.
  const app = (
    https
      ? (Fastify({ loggerInstance: log, logController, https }) as unknown as ReturnType<typeof plainFastify>)
      : plainFastify(log, logController)
  ).withTypeProvider<TypeBoxTypeProvider>();
  app.get('/health', async (_request, reply) => {
    const report = await health();
    return reply.code(report.status === 'down' ? 503 : 200).send(report);
  });
  app.get('/metrics', async (_request, reply) => {
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  return app as unknown as HttpApp;
}

function plainFastify(log: Logger, logController: LogController) {
  return Fastify({ loggerInstance: log, logController });
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
