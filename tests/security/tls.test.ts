/**
 * TLS between edges and the cloud, with real components: a throwaway CA and server certificate made by Debian's
 * openssl, the cloud (aedes over TLS and secure WebSocket, fastify over HTTPS, real influxd) and a real edge
 * (createEdge: AIS over UDP -> outbox -> mqtts://) trusting the private CA.
 */
import { createSocket } from 'node:dgram';
import { readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { connect as connectTcp } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudConfig, createCloud, type Cloud } from '../../cloud/core.js';
import { edgeConfig } from '../../edge/config.js';
import { createEdge, type Edge } from '../../edge/core.js';
import { encodePositionReport, toSentences } from '../../protocols/ais/encode.js';
import { capturingLogger, metricValue, tempDir } from '../support/cloud-fixtures.js';
import { startTestEdge, tempOutboxDir } from '../support/edge-fixtures.js';
import { startTestInfluxd, type TestInfluxd } from '../support/influxd.js';
import { waitFor } from '../support/wait.js';
import { makeTestCertificates, type TestCertificates } from '../support/tls.js';
import { scopeForFile } from '../support/scope.js';

const DATABASE = 'tls';
const EDGE = { username: 'edge-tls', password: 'edge-tls-secret' };
const DASHBOARD = { username: 'dashboard', password: 'dashboard-view', role: 'dashboard' as const };

const scope = scopeForFile();
let certs: TestCertificates;
let influx: TestInfluxd;
let dataDir: string;
let cloud: Cloud;
let ca: Buffer;
const capture = capturingLogger('debug');

beforeAll(async () => {
  [certs, influx, dataDir] = await Promise.all([
    scope.use(makeTestCertificates(), (made) => made.cleanup()),
    scope.use(startTestInfluxd(), (started) => started.cleanup()),
    scope.use(tempDir('tls'), (dir) => rm(dir, { recursive: true, force: true })),
  ]);
  ca = await readFile(certs.caFile);
  cloud = createCloud(
    cloudConfig({
      mqtt: { port: 0, wsPort: 0, users: [EDGE, DASHBOARD] },
      http: { port: 0 },
      influx: { host: influx.influxd.host, port: influx.influxd.port, database: DATABASE },
      ingest: { flushIntervalMs: 50 },
      dataDir,
      tls: { certFile: certs.certFile, keyFile: certs.keyFile },
    }),
    { log: capture.log },
  );
  await cloud.start();
});

afterAll(async () => {
  await cloud?.stop();
});

function httpsGet(url: string, trust: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca: trust }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

async function sendAis(port: number, mmsis: number[]): Promise<void> {
  const socket = createSocket('udp4');
  for (const [i, mmsi] of mmsis.entries()) {
    const [sentence] = toSentences(
      encodePositionReport({
        type: 1,
        mmsi,
        lat: 8.6 + i / 100,
        lon: 104.5,
        sog: 6.5,
        cog: 180,
        heading: 179,
        second: 10,
      }),
    );
    await new Promise<void>((resolve, reject) =>
      socket.send(`${sentence}\r\n`, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
    );
  }
  socket.close();
}

/** An MQTT CONNECT in plain text to the TLS port: the server must close without answering a CONNACK. */
function plainTextConnect(port: number): Promise<{ closedByServer: boolean; bytesBack: number }> {
  // CONNECT, MQTT 3.1.1, clean session, keepalive 30, client id "plain".
  const connect = Buffer.from([
    0x10, 17, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 30, 0, 5, 0x70, 0x6c, 0x61, 0x69, 0x6e,
  ]);
  return new Promise((resolve, reject) => {
    let bytesBack = 0;
    const socket = connectTcp(port, '127.0.0.1', () => socket.write(connect));
    socket.on('data', (chunk) => (bytesBack += chunk.length));
    socket.on('error', reject);
    socket.on('close', () => resolve({ closedByServer: true, bytesBack }));
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve({ closedByServer: false, bytesBack });
    });
  });
}

async function storedMmsis(): Promise<string[]> {
  const rows = await influx.client
    .query<{ mmsi: string }>(`SELECT "lat", "mmsi" FROM "vessel_position"`, { database: DATABASE })
    .catch(() => []);
  return [...new Set(rows.map((row) => row.mmsi))].sort();
}

const handshakeErrors = async (listener: string) =>
  metricValue(
    await (
      await httpsGet(`${cloud.addresses.http}/metrics`, ca)
    ).body,
    'lookout_cloud_tls_handshake_errors_total',
    { listener },
  ) ?? 0;

describe('TLS between edges and the cloud', () => {
  it('every listener speaks TLS: an edge trusting the private CA delivers positions over mqtts://, HTTPS and wss:// answer', async () => {
    expect(cloud.addresses.mqtt).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(cloud.addresses.ws).toMatch(/^wss:\/\//);
    expect(cloud.addresses.http).toMatch(/^https:\/\//);

    const outbox = tempOutboxDir();
    const edge = await startTestEdge(cloud.addresses.mqtt, outbox.dir, {
      edgeId: EDGE.username,
      mqtt: { url: cloud.addresses.mqtt, ...EDGE, tls: { caFile: certs.caFile } },
    });
    try {
      await waitFor(() => edge.uplink.connected, 10_000, 'the edge to connect over TLS');
      await sendAis(edge.ports.udp!, [574_200_001, 574_200_002, 574_200_003]);
      await waitFor(
        async () => (await storedMmsis()).length === 3 || undefined,
        15_000,
        'three vessels stored',
      );
      expect(await storedMmsis()).toEqual(['574200001', '574200002', '574200003']);
    } finally {
      await edge.stop();
      outbox.remove();
    }

    const health = await httpsGet(`${cloud.addresses.http}/health`, ca);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ influx: { reachable: true } });

    const browserLike = await mqtt.connectAsync(cloud.addresses.ws, {
      ...DASHBOARD,
      ca,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    const status = new Promise<string>((resolve) => browserLike.on('message', (topic) => resolve(topic)));
    await browserLike.subscribeAsync(`lookout/v1/edge/${EDGE.username}/status`);
    expect(await status).toBe(`lookout/v1/edge/${EDGE.username}/status`);
    await browserLike.endAsync();
  });

  it('clients that do not trust the certificate, or speak plain text, are refused; the cloud counts and logs the handshakes', async () => {
    const before = await handshakeErrors('mqtt');
    const options = { ...EDGE, reconnectPeriod: 0, connectTimeout: 3000 };
    await expect(
      mqtt.connectAsync(cloud.addresses.mqtt, { ...options, ca: await readFile(certs.otherCaFile) }),
    ).rejects.toThrow(/certificate|unable to verify|self.signed/i);
    expect(await plainTextConnect(cloud.addresses.mqttPort)).toEqual({ closedByServer: true, bytesBack: 0 });
    await waitFor(
      async () => (await handshakeErrors('mqtt')) >= before + 2,
      10_000,
      'two failed handshakes counted',
    );
    expect(
      capture.lines.some(
        (line) => line.msg === 'TLS handshake failed (logged once per address)' && line.listener === 'mqtt',
      ),
    ).toBe(true);

    // An edge that trusts only the system's CAs does not connect; it says why and keeps its outbox.
    const outbox = tempOutboxDir();
    const edge = await startTestEdge(cloud.addresses.mqtt, outbox.dir, {
      edgeId: EDGE.username,
      mqtt: { url: cloud.addresses.mqtt, ...EDGE },
    });
    try {
      await waitFor(
        () => /certificate|unable to verify|self.signed/i.test(edge.uplink.stats.lastError ?? ''),
        10_000,
        'the edge to report the certificate problem',
      );
      expect(edge.uplink.connected).toBe(false);
    } finally {
      await edge.stop();
      outbox.remove();
    }
  });

  it('a TLS file that is missing or not PEM is a start-up error naming the config key and the file', async () => {
    const outbox = tempOutboxDir();
    try {
      const edge = (caFile: string): Edge =>
        createEdge(
          edgeConfig({
            edgeId: 'e',
            mqtt: { url: 'mqtts://127.0.0.1:1', tls: { caFile } },
            outbox: { dir: outbox.dir },
          }),
        );
      expect(() => edge('/nonexistent/ca.pem')).toThrow(
        /^edge\.mqtt\.tls\.caFile: cannot read \/nonexistent\/ca\.pem: ENOENT/,
      );
      expect(() => edge(certs.dir + '/san.ext')).toThrow(
        /edge\.mqtt\.tls\.caFile: .*san\.ext: not a PEM file/,
      );
      expect(() =>
        createCloud(
          cloudConfig({ dataDir, tls: { certFile: certs.certFile, keyFile: '/nonexistent/key.pem' } }),
        ),
      ).toThrow(/^cloud\.tls\.keyFile: cannot read \/nonexistent\/key\.pem/);
    } finally {
      outbox.remove();
    }
    expect(() => edgeConfig({ mqtt: { url: 'tcp://cloud:1883' } })).toThrow(/mqtt\/url/);
  });
});
