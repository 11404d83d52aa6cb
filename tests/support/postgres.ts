import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../runtime/ports.js';
import type { TestScope } from './scope.js';

const run = promisify(execFile);

/** Debian's PostgreSQL server binaries (apt package `postgresql`). */
export const POSTGRES_BIN = process.env.LOOKOUT_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

export function postgresAvailable(): boolean {
  return existsSync(path.join(POSTGRES_BIN, 'postgres')) && existsSync(path.join(POSTGRES_BIN, 'initdb'));
}

export interface TestPostgres {
  /** `postgres://lookout@127.0.0.1:<port>/postgres` (trust authentication on loopback). */
  url: string;
  dir: string;
}

/**
 * A throwaway PostgreSQL cluster (initdb + postgres on a free loopback port, socket in its own folder), stopped
 * and removed by `scope` also when the setup fails halfway. PostgreSQL refuses to run as root: under root the
 * cluster belongs to the `postgres` user and every command runs through `runuser -u postgres`.
 */
export async function startTestPostgres(scope: TestScope): Promise<TestPostgres> {
  const asRoot = userInfo().uid === 0;
  // The tests' own temp folder is private to root: the postgres user could not reach a cluster inside it.
  const parent = asRoot ? '/tmp' : tmpdir();
  const dir = await scope.use(mkdtemp(path.join(parent, 'lookout-postgres-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
  const command = (binary: string, args: string[]): [string, string[]] =>
    asRoot
      ? ['runuser', ['-u', 'postgres', '--', path.join(POSTGRES_BIN, binary), ...args]]
      : [path.join(POSTGRES_BIN, binary), args];
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout), Number(gid));
  }
  const data = path.join(dir, 'data');
  await run(
    ...command('initdb', [
      '-D',
      data,
      '-U',
      'lookout',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]),
  );
  const port = await freePort();
  const [file, args] = command('postgres', [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
  ]);
  const server = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  scope.defer(() => stopServer(server, command('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    server.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('database system is ready to accept connections')) resolve();
    });
    server.once('exit', (code) =>
      reject(new Error(`postgres exited (${code}) before it was ready:\n${log}`)),
    );
  });
  return { url: `postgres://lookout@127.0.0.1:${port}/postgres`, dir };
}

async function stopServer(server: ChildProcess, pgCtlStop: [string, string[]]): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  await run(...pgCtlStop).catch(() => server.kill('SIGTERM'));
  await exited;
}
