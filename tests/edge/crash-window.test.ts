/**
 * `kill -9` of the edge process while positions wait in the batching window (`batching.maxDelayMs`, here one
 * minute so the window is surely open): a new edge on the same outbox folder delivers every one of them.
 * The real `lookout edge` command as a child process, a real aedes broker over TCP, AIS over UDP.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { encodePositionReport, toSentences } from '../../protocols/ais/encode.js';
import { topics } from '../../protocols/mqtt/topics.js';
import { startTestBroker } from '../support/aedes-broker.js';
import { metricValue } from '../support/cloud-fixtures.js';
import { positionsIn, startTestEdge, tempOutboxDir } from '../support/edge-fixtures.js';
import { waitFor } from '../support/wait.js';
import { scopeForFile } from '../support/scope.js';

const scope = scopeForFile();
const root = path.resolve(import.meta.dirname, '..', '..');
const EDGE = 'crash-edge';
const COUNT = 20;

it('loses no received position when the edge is killed with SIGKILL inside the batching window', async () => {
  const broker = await scope.use(startTestBroker(), (started) => started.stop());
  const { dir, remove } = tempOutboxDir();
  scope.defer(remove);
  const outboxDir = path.join(dir, 'outbox');
  const configFile = path.join(dir, 'lookout.yaml');
  writeFileSync(
    configFile,
    [
      'edge:',
      `  edgeId: ${EDGE}`,
      `  mqtt: { url: "${broker.url}" }`,
      '  ais: { udp: { port: 0 }, tcp: { enabled: false } }',
      `  outbox: { dir: "${outboxDir}" }`,
      '  batching: { maxPositions: 5000, maxDelayMs: 60000 }',
      '  http: { port: 0 }',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [path.join(root, 'cli/lookout.js'), 'edge', '--config', configFile], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once('exit', (_code, signal) => resolve(signal)),
  );
  scope.defer(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes('edge running'), 30_000, 'the edge to start');
  const running = JSON.parse(output.split('\n').find((line) => line.includes('edge running'))!) as {
    aisUdp: string;
    metrics: string;
  };

  const sentences = Array.from(
    { length: COUNT },
    (_, i) =>
      toSentences(
        encodePositionReport({
          type: 1,
          mmsi: 574_300_000 + i,
          lat: 8.5 + i / 100,
          lon: 104.5,
          sog: 5,
          cog: 90,
          heading: 90,
          navStatus: 0,
        }),
      )[0]!,
  );
  const socket = createSocket('udp4');
  const [host, port] = running.aisUdp.split(':');
  await new Promise<void>((resolve) =>
    socket.send(`${sentences.join('\r\n')}\r\n`, Number(port), host, () => resolve()),
  );
  socket.close();
  await waitFor(
    async () =>
      metricValue(await (await fetch(running.metrics)).text(), 'lookout_edge_ais_messages_total', {
        type: '1',
      }) === COUNT,
    30_000,
    'the edge to decode every position',
  );
  expect(positionsIn(broker.on(topics.vesselPositions(EDGE)).map((p) => p.payload))).toHaveLength(0); // still in the window

  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  await scope.use(startTestEdge(broker.url, outboxDir, { edgeId: EDGE }), (started) => started.stop());
  await waitFor(
    () => positionsIn(broker.on(topics.vesselPositions(EDGE)).map((p) => p.payload)).length >= COUNT,
    20_000,
    'every position at the broker',
  );
  const delivered = positionsIn(broker.on(topics.vesselPositions(EDGE)).map((p) => p.payload));
  expect(delivered.map((p) => p.mmsi).sort()).toEqual(
    Array.from({ length: COUNT }, (_, i) => 574_300_000 + i),
  );
});
