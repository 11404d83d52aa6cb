/** `lookout sim edges` as a user runs it: the real CLI process (tsx) against a real aedes broker over TCP. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { compileSchema } from '../../protocols/validation.js';
import { EdgeStatus, VesselPositionBatch } from '../../protocols/mqtt/payloads.js';
import { startTestBroker, type TestBroker } from '../support/aedes-broker.js';
import { waitFor } from '../support/wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function lookout(args: string[]) {
  const child = spawn(process.execPath, [path.join(root, 'cli/lookout.js'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(() => void child.kill('SIGKILL'));
  return { child, output, exited };
}

const statuses = (broker: TestBroker) =>
  broker
    .on('lookout/v1/edge/')
    .filter((p) => p.topic.endsWith('/status'))
    .map((p) => {
      const parsed = compileSchema(EdgeStatus).parseJson(p.payload);
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      return {
        edgeId: p.topic.split('/')[3],
        retain: p.retain,
        state: parsed.value.state,
        reason: parsed.value.reason,
      };
    });

const positionsReceived = (broker: TestBroker) =>
  broker
    .on('lookout/v1/edge/')
    .filter((p) => p.topic.endsWith('/vessels/positions'))
    .reduce((sum, p) => {
      const parsed = compileSchema(VesselPositionBatch).parseJson(p.payload);
      if (!parsed.ok) throw new Error(parsed.errors.join('; '));
      expect(p.qos).toBe(1);
      return sum + parsed.value.positions.length;
    }, 0);

describe('lookout sim edges', () => {
  it('--help lists the load-test flags', async () => {
    const { output, exited } = lookout(['sim', 'edges', '--help']);
    expect(await exited).toBe(0);
    for (const flag of [
      '--count',
      '--url',
      'repeat it for several',
      '--config',
      '--seed',
      '--duration',
      '--churn',
      '--ramp-up',
      '--fire-rate',
      '--json',
      '--print-cloud-users',
    ])
      expect(output.stdout).toContain(flag);
  });

  it('runs N edges until their positions are delivered and prints the JSON summary; births and clean offline statuses at the broker', async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.stop());
    const { output, exited } = lookout([
      'sim',
      'edges',
      '--count',
      '3',
      '--url',
      broker.url,
      '--positions',
      '5',
      '--rate',
      '20',
      '--ramp-up',
      '0',
      '--batch-interval',
      '100',
      '--progress',
      '0',
      '--json',
      '--id-prefix',
      'cli-',
    ]);
    expect(await exited, output.stderr).toBe(0);
    const summary = JSON.parse(output.stdout.trim()) as {
      edges: number;
      positions: { generated: number; acked: number };
      messages: { status: number };
      invalid: number;
    };
    expect(summary).toMatchObject({ edges: 3, positions: { generated: 15, acked: 15 }, invalid: 0 });
    await waitFor(
      () => statuses(broker).filter((s) => s.reason === 'shutdown').length === 3,
      15_000,
      'shutdown statuses at the broker',
    );
    expect(positionsReceived(broker)).toBe(15);
    const seen = statuses(broker);
    expect(
      seen
        .filter((s) => s.state === 'online' && s.retain)
        .map((s) => s.edgeId)
        .sort(),
    ).toEqual(['cli-001', 'cli-002', 'cli-003']);
    expect(
      seen
        .filter((s) => s.state === 'offline' && s.reason === 'shutdown' && s.retain)
        .map((s) => s.edgeId)
        .sort(),
    ).toEqual(['cli-001', 'cli-002', 'cli-003']);
  });

  it('spreads the edges over repeated --url brokers and says how many are on each', async () => {
    const [first, second] = await Promise.all([startTestBroker(), startTestBroker()]);
    cleanups.push(
      () => first.stop(),
      () => second.stop(),
    );
    const { output, exited } = lookout([
      'sim',
      'edges',
      ...['--count', '5', '--url', first.url, '--url', second.url, '--positions', '4', '--rate', '20'],
      ...['--ramp-up', '0', '--batch-interval', '100', '--progress', '0', '--json'],
    ]);
    expect(await exited, output.stderr).toBe(0);
    const summary = JSON.parse(output.stdout.trim()) as {
      positions: { generated: number; acked: number };
      brokers: Array<{ url: string; edges: number; connects: number; positionsAcked: number }>;
      moved: number;
    };
    expect(summary.positions).toMatchObject({ generated: 20, acked: 20 });
    expect(summary.brokers).toEqual([
      { url: first.url, edges: 3, connected: 0, connects: 3, positionsAcked: 12 },
      { url: second.url, edges: 2, connected: 0, connects: 2, positionsAcked: 8 },
    ]);
    expect(summary.moved).toBe(0);
    await waitFor(() => positionsReceived(first) === 12, 15_000, '12 positions at the first broker');
    await waitFor(() => positionsReceived(second) === 8, 15_000, '8 positions at the second broker');
  });

  it('refuses a bad broker URL, naming it, from a flag and from the config file', async () => {
    const flag = lookout([
      'sim',
      'edges',
      '--url',
      'mqtt://127.0.0.1:1883',
      '--url',
      'http://127.0.0.1:8080',
    ]);
    expect(await flag.exited).toBe(1);
    expect(flag.output.stderr).toContain(
      'lookout: --url "http://127.0.0.1:8080" is not an MQTT broker URL (expected mqtt://host:port or tcp://host:port)',
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'lookout-sim-edges-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const config = path.join(dir, 'lookout.yaml');
    await writeFile(config, 'simulators:\n  edges:\n    urls: [mqtt://127.0.0.1:1883, 127.0.0.1:1884]\n');
    const file = lookout(['sim', 'edges', '--config', config]);
    expect(await file.exited).toBe(1);
    expect(file.output.stderr).toContain(`invalid config ${config}:`);
    expect(file.output.stderr).toContain(
      '/simulators/edges/urls/1: "127.0.0.1:1884" is not an MQTT broker URL',
    );
  });

  it('shows progress on stderr and stops cleanly on Ctrl-C (SIGINT): offline statuses, summary on stdout', async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.stop());
    const { child, output, exited } = lookout([
      'sim',
      'edges',
      '-n',
      '2',
      '--url',
      broker.url,
      '--rate',
      '10',
      '--ramp-up',
      '0',
      '--progress',
      '0.5',
      '--batch-interval',
      '100',
    ]);
    const progress = () =>
      output.stderr
        .split('\n')
        .filter((line) => line.includes('edges connected'))
        .map((line) => JSON.parse(line) as { msg: string; connected: number });
    // Lines printed before both edges connected (1/2) or before the first PUBACK ("no PUBACK") come first: wait
    // for the line that has both.
    const both = await waitFor(
      () =>
        positionsReceived(broker) > 0 &&
        progress().find((line) => line.connected === 2 && line.msg.includes('PUBACK p50')),
      20_000,
      'a progress line with both edges connected',
    );
    expect(both.msg).toMatch(
      /^2\/2 edges connected, [\d.]+ msg\/s, [\d.]+ positions\/s, PUBACK p50 [\d.]+ ms p99 [\d.]+ ms/,
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output.stdout).toMatch(/^edges: 2 \(2 started\)/);
    expect(output.stdout).toMatch(/0 undelivered/);
    await waitFor(
      () => statuses(broker).filter((s) => s.state === 'offline' && s.reason === 'shutdown').length === 2,
      15_000,
      'two shutdown statuses',
    );
  });

  it('prints the cloud.mqtt.users entries that accept a shared load login', async () => {
    const { output, exited } = lookout([
      'sim',
      'edges',
      '-n',
      '2',
      '--username',
      'load',
      '--password',
      'demo-only-load',
      '--print-cloud-users',
    ]);
    expect(await exited).toBe(0);
    expect(output.stdout).toContain('username: load');
    expect(output.stdout).toMatch(/edgeIds:\n\s+- sim-edge-001\n\s+- sim-edge-002/);
  });
});
