import { chmod, mkdtemp, rm } from 'node:fs/promises';
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
 * An empty folder, removed by `scope`, in which a PostgreSQL server can run (also in a folder inside it). Under
 * root the server runs as the `postgres` user: the folder is open to others for passing through only (0711), as
 * the run's temp folder is (tests/support/global-setup.ts), so that the run's last cleanup finds a server a test
 * could not stop.
 */
export async function postgresTempDir(scope: TestScope, prefix = 'postgres'): Promise<string> {
  const dir = await scope.use(mkdtemp(path.join(tmpdir(), `lookout-${prefix}-`)), (made) =>
    rm(made, { recursive: true, force: true }),
  );
  if (userInfo().uid === 0) await chmod(dir, 0o711);
  return dir;
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
