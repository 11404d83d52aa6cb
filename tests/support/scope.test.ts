import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesMentioning } from './global-setup.js';
import { repoRoot } from './gpsdecode.js';
import { TestScope } from './scope.js';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('TestScope', () => {
  it('stops in reverse order and runs every stop even when one fails', async () => {
    const scope = new TestScope();
    const stopped: string[] = [];
    scope.defer(() => void stopped.push('influxd'));
    scope.defer(() => {
      stopped.push('cloud');
      throw new Error('cloud would not stop');
    });
    scope.defer(() => void stopped.push('edge'));
    await expect(scope.close()).rejects.toThrow(/1 cleanup step\(s\) failed: Error: cloud would not stop/);
    expect(stopped).toEqual(['edge', 'cloud', 'influxd']);
  });

  it('stops a resource whose start finishes after the setup gave up on it', async () => {
    const scope = new TestScope();
    const starting = deferred<string>();
    const stopped: string[] = [];
    const setup = Promise.all([
      scope.use(starting.promise, (name) => void stopped.push(name)),
      Promise.reject(new Error('sibling failed')),
    ]);
    await expect(setup).rejects.toThrow('sibling failed');
    const closing = scope.close();
    starting.resolve('influxd');
    await closing;
    expect(stopped).toEqual(['influxd']);
  });
});

describe('a test file whose setup fails', () => {
  it('leaves no influxd running and no temporary folder behind', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'lookout-scope-'));
    try {
      const vitest = spawn(
        path.join(repoRoot, 'node_modules/.bin/vitest'),
        ['run', '--config', 'tests/support/fixtures/vitest.config.ts', '--reporter=dot'],
        {
          cwd: repoRoot,
          env: { ...process.env, TMPDIR: tmp, FORCE_COLOR: '0' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      vitest.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      vitest.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => vitest.once('exit', resolve));
      expect(output).toContain('the video build failed');
      expect(code).not.toBe(0);
      expect(processesMentioning(tmp)).toEqual([]);
      expect((await readdir(tmp)).filter((name) => name.startsWith('lookout-influxd-'))).toEqual([]);
    } finally {
      for (const { pid } of processesMentioning(tmp)) process.kill(pid, 'SIGKILL');
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
