import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { topics } from '../../protocols/mqtt/topics.js';
import { startTestBroker } from '../support/aedes-broker.js';
import { positionsIn, tempOutboxDir } from '../support/edge-fixtures.js';
import { waitFor } from '../support/wait.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `stdout()` is both streams as they came (logs included); `results()` is stdout alone (the summaries). */
function lookout(args: string[]): {
  child: ChildProcess;
  stdout: () => string;
  results: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [path.join(root, 'cli/lookout.js'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  let out = '';
  let results = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    results += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => out, results: () => results, exited };
}

describe('lookout edge / lookout sim fleet commands', () => {
  it('runs an edge from a config file, feeds it with the fleet command, and stops cleanly on SIGINT', async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.stop());
    const { dir, remove } = tempOutboxDir();
    cleanups.push(remove);
    const configFile = path.join(dir, 'lookout.yaml');
    writeFileSync(
      configFile,
      [
        'edge:',
        '  edgeId: cli-edge',
        `  mqtt: { url: "${broker.url}" }`,
        '  ais: { udp: { port: 0 }, tcp: { enabled: false } }',
        `  outbox: { dir: "${path.join(dir, 'outbox')}" }`,
        '  batching: { maxDelayMs: 100 }',
        '  http: { port: 0 }',
      ].join('\n'),
    );
    const edge = lookout(['edge', '--config', configFile]);
    await waitFor(() => edge.stdout().includes('edge running'), 30_000, 'the edge to start');
    const running = JSON.parse(
      edge
        .stdout()
        .split('\n')
        .find((line) => line.includes('edge running'))!,
    ) as { aisUdp: string; aisTcp: string };
    expect(running.aisTcp).toBe('off');

    const sim = lookout([
      'sim',
      'fleet',
      '--udp',
      running.aisUdp,
      '--vessels',
      '4',
      '--rate',
      '200',
      '--max-positions',
      '60',
      '--seed',
      '9',
    ]);
    expect(await sim.exited).toBe(0);
    // The summary is the last line on stdout (a log line on stderr may come after it).
    const summary = JSON.parse(sim.results().trim().split('\n').at(-1)!) as {
      positions: number;
      perVessel: Array<{ positions: number }>;
    };
    expect(summary.positions).toBe(60);
    expect(summary.perVessel.map((v) => v.positions)).toEqual([15, 15, 15, 15]);

    const positionsTopic = topics.vesselPositions('cli-edge');
    await waitFor(
      () => positionsIn(broker.on(positionsTopic).map((p) => p.payload)).length === 60,
      30_000,
      'all 60 positions at the broker',
    );

    edge.child.kill('SIGINT');
    expect(await edge.exited).toBe(0);
    const statuses = broker
      .on(topics.edgeStatus('cli-edge'))
      .map((p) => JSON.parse(p.payload.toString()) as { state: string; reason?: string });
    expect(statuses.at(-1)).toMatchObject({ state: 'offline', reason: 'shutdown' });
  });

  it('reports config errors with the path and exits non-zero', async () => {
    const { dir, remove } = tempOutboxDir();
    cleanups.push(remove);
    const configFile = path.join(dir, 'bad.yaml');
    writeFileSync(configFile, 'edge:\n  outbox: { whenFull: drop-everything }\n');
    const edge = lookout(['edge', '--config', configFile]);
    expect(await edge.exited).toBe(1);
    expect(edge.stdout()).toMatch(/\/edge\/outbox\/whenFull/);
  });
});
