import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresAvailable, postgresTempDir } from '../tests/support/postgres.js';
import { scopeForFile } from '../tests/support/scope.js';
import { LocalPostgres, postgresBinDir } from './local-postgres.js';

const scope = scopeForFile();

async function query<Row>(url: string, sql: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Row[];
  } finally {
    await client.end();
  }
}

describe.runIf(postgresAvailable())('LocalPostgres', () => {
  it('makes its cluster and database at the first start, answers on loopback, keeps data and port across a restart', async () => {
    const dir = await postgresTempDir(scope);
    const server = new LocalPostgres({ dir, durable: false });
    await scope.use(
      server.start().then(() => server),
      (started) => started.stop(),
    );
    expect(server.url).toBe(`postgres://lookout@127.0.0.1:${server.port}/lookout`);
    await query(server.url, 'CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    const [setting] = await query<{ unix_socket_directories: string }>(
      server.url,
      'SHOW unix_socket_directories',
    );
    expect(setting?.unix_socket_directories).toBe('');
    if (userInfo().uid === 0) {
      const owner = (await stat(path.join(dir, 'data'))).uid;
      expect(owner).not.toBe(0); // PostgreSQL refuses root: it runs as the postgres user
    }

    const port = server.port;
    await server.restart();
    expect(server.port).toBe(port);
    expect(await query<{ n: number }>(server.url, 'SELECT n FROM kept')).toEqual([{ n: 42 }]);
    await server.stop();
    expect(server.running).toBe(false);
    await expect(query(server.url, 'SELECT 1')).rejects.toThrow();
  });
});

describe('LocalPostgres without the server installed', () => {
  it('says which Debian package to install', async () => {
    expect(postgresBinDir({ LOOKOUT_POSTGRES_BIN: '/nonexistent' })).toBeUndefined();
    const server = new LocalPostgres({ dir: '/nonexistent/postgres', binDir: '/nonexistent' });
    await expect(server.start()).rejects.toThrow(/install Debian's postgresql package/);
    expect(server.running).toBe(false);
  });
});
