import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Static } from '@sinclair/typebox';
import { transformSync } from 'esbuild';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TOPIC_ROOT, filters } from '../../protocols/mqtt/topics.js';
import type { HttpApp } from '../../runtime/http-server.js';
import { Counter } from '../../runtime/metrics.js';
import type { CloudContext, CloudFeature } from '../core.js';
import { authenticatedOperator } from '../http/auth.js';
import { I18N_DIR, LANGUAGES } from '../i18n/index.js';
import type { TileSource } from './config.js';

/** The page, its modules and styles: plain files, no build step. */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** What the browser subscribes to: alarm changes, edge presence, fire alerts, camera statuses and settings. */
export const DASHBOARD_TOPICS = [
  filters.cloudAlarms,
  filters.cloudLocatedFires,
  filters.edgeStatus,
  `${TOPIC_ROOT}/edge/+/alerts/fire`,
  `${TOPIC_ROOT}/edge/+/cameras/+/status`,
  // Retained: which cameras a ranger muted, shown in the camera list.
  `${TOPIC_ROOT}/edge/+/cameras/+/settings/desired`,
] as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page only talks to its own origin, plus MQTT over WebSocket on the broker's port, plus the configured tile
 * server's images (when there is one).
 */
export function contentSecurityPolicy(tiles?: TileSource): string {
  const tileOrigin = tiles
    ? ` ${new URL(tiles.url.replace(/\{s\}/g, 'a')).origin.replace('://a.', '://*.')}`
    : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    // mqtt.js runs its keepalive timers in a blob worker, so background tabs are not throttled into disconnects.
    "worker-src 'self' blob:",
    "style-src 'self'",
    `img-src 'self' data:${tileOrigin}`,
    "connect-src 'self' ws: wss:",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Browser libraries served from node_modules (nothing from a CDN): name under /dashboard/vendor/ -> package file. */
const VENDOR_FILES: Record<string, readonly [pkg: string, file: string]> = {
  'mqtt.js': ['mqtt', 'dist/mqtt.esm.js'],
  'leaflet.js': ['leaflet', 'dist/leaflet.js'],
  'leaflet.css': ['leaflet', 'dist/leaflet.css'],
  'images/layers.png': ['leaflet', 'dist/images/layers.png'],
  'images/layers-2x.png': ['leaflet', 'dist/images/layers-2x.png'],
  'leaflet.markercluster.js': ['leaflet.markercluster', 'dist/leaflet.markercluster.js'],
  'MarkerCluster.css': ['leaflet.markercluster', 'dist/MarkerCluster.css'],
};

export const DashboardConfigResponse = Type.Object(
  {
    /** Page title when the deployment sets one; otherwise the page's own, in the reader's language. */
    title: Type.Optional(Type.String()),
    /** MQTT over WebSocket URL for mqtt.js in the browser. */
    wsUrl: Type.String(),
    /** True when the broker only accepts known users (cloud.mqtt.users is not empty). */
    authRequired: Type.Boolean(),
    /** Read-only credentials (a `dashboard` role user) when the broker requires them and one is configured. */
    mqtt: Type.Optional(Type.Object({ username: Type.String(), password: Type.String() })),
    topics: Type.Array(Type.String()),
    vesselPollMs: Type.Integer(),
    resyncMs: Type.Integer(),
    /**
     * The logged-in API account when the cloud has operator accounts (HTTP Basic, `cloud.http.operators`): the
     * page records actions under this name instead of asking for one, and a `viewer` gets no Ack/Clear.
     */
    operator: Type.Optional(
      Type.Object({
        username: Type.String(),
        role: Type.Union([Type.Literal('viewer'), Type.Literal('operator')]),
      }),
    ),
    /** Raster tiles for the map's layer switcher (`cloud.dashboard.tiles`); absent = offline layers only. */
    tiles: Type.Optional(
      Type.Object({
        url: Type.String(),
        attribution: Type.String(),
        name: Type.String(),
        maxZoom: Type.Integer(),
      }),
    ),
    /** Which feature APIs this cloud serves, so the page asks only for those. */
    features: Type.Object({
      fisheries: Type.Boolean(),
      alarms: Type.Boolean(),
      fire: Type.Boolean(),
      cameras: Type.Boolean(),
      office: Type.Boolean(),
      registry: Type.Boolean(),
    }),
  },
  { $id: 'DashboardConfigResponse', additionalProperties: false },
);
export type DashboardConfigResponse = Static<typeof DashboardConfigResponse>;

export interface DashboardOptions {
  /** Page title. */
  title?: string;
  /**
   * MQTT over WebSocket URL the browsers connect to. Default: `ws://` (or `wss://` behind https) + the host name
   * the page was loaded from + the broker's bound WebSocket port. Set it when a reverse proxy serves the broker.
   */
  wsUrl?: string;
  /** How often the page polls `GET /api/v1/vessels` and `GET /api/v1/edges` (positions are high-volume). */
  vesselPollMs?: number;
  /** How often the page re-reads alarms, fire alerts and cameras in full besides the live MQTT changes. */
  resyncMs?: number;
  /** A raster tile source for the map (`cloud.dashboard.tiles`); none = offline layers only. */
  tiles?: TileSource;
}

/** A file of the page, as it is (nosniff: the browser keeps the type we say). */
function sendStatic(reply: FastifyReply, file: StaticFile, cacheControl: string): FastifyReply {
  return reply
    .type(file.type)
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .send(file.body);
}

interface StaticFile {
  body: Buffer;
  type: string;
}

/** The page's files by their path under public/ (`app.js`, `views/office.js`); read once at start. */
function loadPublicFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const entry of readdirSync(PUBLIC_DIR, { recursive: true, withFileTypes: true })) {
    const type = CONTENT_TYPES[path.extname(entry.name)];
    if (!entry.isFile() || !type) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(PUBLIC_DIR, full).split(path.sep).join('/'), { body: readFileSync(full), type });
  }
  if (!files.has('index.html')) throw new Error(`dashboard: ${PUBLIC_DIR}index.html is missing`);
  return files;
}

/**
 * The message catalogues and the module that reads them (cloud/i18n), for the browser: the same texts and formats
 * as the webhook messages. The module is TypeScript; esbuild strips its types once at start.
 */
function loadI18nFiles(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const lang of LANGUAGES)
    files.set(`${lang}.json`, {
      body: readFileSync(path.join(I18N_DIR, `${lang}.json`)),
      type: CONTENT_TYPES['.json']!,
    });
  const source = readFileSync(path.join(I18N_DIR, 'messages.ts'), 'utf8');
  const { code } = transformSync(source, { loader: 'ts', format: 'esm', target: 'es2022' });
  files.set('messages.js', { body: Buffer.from(code), type: CONTENT_TYPES['.js']! });
  return files;
}

function loadVendorFile(name: string): StaticFile | undefined {
  const source = VENDOR_FILES[name];
  if (!source) return undefined;
  const [pkg, file] = source;
  const packageJson = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
  return {
    body: readFileSync(path.join(path.dirname(packageJson), file)),
    type: CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
  };
}

/** `ws://host:port` for a request: the host the browser used (without its port), the broker's WebSocket port. */
export function webSocketUrl(hostname: string, protocol: string, wsPort: number): string {
  const scheme = protocol === 'https' ? 'wss' : 'ws';
  const host = hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname;
  return `${scheme}://${host}:${wsPort}`;
}

/**
 * The live web dashboard for rangers and the fisheries control room: `GET /` (the page), `GET /dashboard/*` (its
 * modules, styles, the mqtt.js browser bundle) and `GET /api/v1/dashboard/config` (where and how the page
 * connects to MQTT over WebSocket). All data comes from the other features' APIs and MQTT topics.
 */
export function dashboardFeature(options: DashboardOptions = {}): CloudFeature {
  return {
    name: 'dashboard',
    start: async (context) => registerDashboard(context, options),
    stop: async () => {},
  };
}

function registerDashboard(context: CloudContext, options: DashboardOptions): void {
  const files = loadPublicFiles();
  const i18nFiles = loadI18nFiles();
  const vendorFiles = new Map<string, StaticFile | undefined>();
  const pageLoads = new Counter({
    name: 'lookout_cloud_dashboard_page_loads_total',
    help: 'Dashboard pages served',
    registers: [context.registry],
  });
  registerDashboardRoutes(context.app, {
    page: () => {
      pageLoads.inc();
      return files.get('index.html')!;
    },
    file: (name) => files.get(name),
    i18nFile: (name) => i18nFiles.get(name),
    vendorFile: (name) => {
      if (!vendorFiles.has(name)) vendorFiles.set(name, loadVendorFile(name));
      return vendorFiles.get(name);
    },
    contentSecurityPolicy: contentSecurityPolicy(options.tiles),
    config: (request) => dashboardConfig(context, options, request),
  });
  context.log.debug({ files: [...files.keys()] }, 'dashboard routes registered');
}

function dashboardConfig(
  context: CloudContext,
  options: DashboardOptions,
  request: FastifyRequest,
): DashboardConfigResponse {
  const { hostname, protocol } = request;
  const operator = authenticatedOperator(request);
  const { users } = context.config.mqtt;
  const dashboardUser = users.find((user) => user.role === 'dashboard');
  const has = (url: string) => context.app.hasRoute({ method: 'GET', url });
  return {
    ...(options.title ? { title: options.title } : {}),
    wsUrl: options.wsUrl ?? webSocketUrl(hostname, protocol, context.addresses.wsPort),
    authRequired: users.length > 0,
    ...(users.length > 0 && dashboardUser
      ? { mqtt: { username: dashboardUser.username, password: dashboardUser.password } }
      : {}),
    ...(operator ? { operator: { username: operator.username, role: operator.role } } : {}),
    topics: [...DASHBOARD_TOPICS],
    vesselPollMs: options.vesselPollMs ?? 2500,
    resyncMs: options.resyncMs ?? 30_000,
    ...(options.tiles ? { tiles: options.tiles } : {}),
    features: {
      fisheries: has('/api/v1/vessels') && has('/api/v1/zones'),
      alarms: has('/api/v1/alarms'),
      fire: has('/api/v1/fire/alerts'),
      cameras: has('/api/v1/cameras'),
      office: has('/api/v1/fleet/stats'),
      registry: has('/api/v1/registry/vessels'),
    },
  };
}

interface DashboardHandlers {
  page(): StaticFile;
  file(name: string): StaticFile | undefined;
  i18nFile(name: string): StaticFile | undefined;
  vendorFile(name: string): StaticFile | undefined;
  contentSecurityPolicy: string;
  config(request: FastifyRequest): DashboardConfigResponse;
}

function registerDashboardRoutes(app: HttpApp, handlers: DashboardHandlers): void {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const page = handlers.page();
    return reply
      .type(page.type)
      .header('cache-control', 'no-cache')
      .header('content-security-policy', handlers.contentSecurityPolicy)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(page.body);
  });
  app.get('/dashboard/vendor/*', { schema: { hide: true } }, async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    const file = handlers.vendorFile(name);
    if (!file) return reply.code(404).send({ error: `no dashboard library file ${name}` });
    return sendStatic(reply, file, 'public, max-age=3600');
  });
  app.get(
    '/dashboard/i18n/:file',
    {
      schema: { hide: true, params: Type.Object({ file: Type.String({ pattern: '^[a-z]+\\.(js|json)$' }) }) },
    },
    async (request, reply) => {
      const file = handlers.i18nFile(request.params.file);
      if (!file) return reply.code(404).send({ error: `no message catalogue ${request.params.file}` });
      return sendStatic(reply, file, 'no-cache');
    },
  );
  const servePublicFile = async (name: string, reply: FastifyReply) => {
    const file = name === 'index.html' ? undefined : handlers.file(name);
    if (!file) return reply.code(404).send({ error: `no dashboard file ${name}` });
    return sendStatic(reply, file, 'no-cache');
  };
  const fileName = Type.String({ pattern: '^[a-z0-9-]+\\.[a-z]+$' });
  app.get(
    '/dashboard/:file',
    { schema: { hide: true, params: Type.Object({ file: fileName }) } },
    (request, reply) => servePublicFile(request.params.file, reply),
  );
  app.get(
    '/dashboard/views/:file',
    { schema: { hide: true, params: Type.Object({ file: fileName }) } },
    (request, reply) => servePublicFile(`views/${request.params.file}`, reply),
  );
  app.get(
    '/api/v1/dashboard/config',
    { schema: { hide: true, response: { 200: DashboardConfigResponse } } },
    async (request) => handlers.config(request),
  );
}
