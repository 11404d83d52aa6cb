import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { LocalPostgres, postgresBinDir } from '../../runtime/local-postgres.js';
import type { TestScope } from './scope.js';

/** True when Debian's PostgreSQL server (apt package `postgresql`) is installed. */
export function postgresAvailable(): boolean {
  return postgresBinDir() !== undefined;
}

export interface TestPostgres {
  /** `postgres://lookout@127.0.0.1:<port>/lookout` (trust authentication on loopback). */
  url: string;
  dir: string;
  server: LocalPostgres;
}

/**
 * An empty folder for a PostgreSQL server, removed by `scope`. Under root the server runs as the `postgres` user,
 * which cannot reach the tests' own temp folder (private to root): the folder is then made in /tmp.
 */
export async function postgresTempDir(scope: TestScope): Promise<string> {
  const parent = userInfo().uid === 0 ? '/tmp' : tmpdir();
  return scope.use(mkdtemp(path.join(parent, 'lookout-postgres-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
}

/**
 * A throwaway PostgreSQL server (LocalPostgres: initdb, a free loopback port, no fsync), stopped and removed by
 * `scope` also when the setup fails halfway.
 */
export async function startTestPostgres(scope: TestScope): Promise<TestPostgres> {
  const dir = await postgresTempDir(scope);
  const server = new LocalPostgres({ dir, durable: false });
  await scope.use(
    server.start().then(() => server),
    (started) => started.stop(),
  );
  return { url: server.url, dir, server };
}
