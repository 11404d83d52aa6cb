/** `lookout sim edges` as a user runs it: the real CLI process (tsx) against a real aedes broker over TCP. */
import { spawn } from 'node:child_process';
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
