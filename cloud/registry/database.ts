import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the registry asks of a SQL database: PGlite (embedded) and PostgreSQL (`pg`) both give it. */
export interface Queryable {
  /** Rows as plain objects; `$1`, `$2`... parameters. */
  query<Row extends object>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface Database extends Queryable {
  /** `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * `work` while this process holds the database-wide lock `name`, so that instances starting at once on one
   * server take turns (migrations, seeds): a PostgreSQL advisory lock, freed also when the connection dies.
   */
  exclusively<T>(name: string, work: () => Promise<T>): Promise<T>;
  /**
   * Calls `onMessage` with the payload of every NOTIFY on `channel` (from any connection, this process's too) and
   * `onGap` once its connection is back after a drop (what was sent meanwhile is lost). Resolves with how to stop.
   * Only a server has other writers to hear: absent on PGlite.
   */
  listen?(
    channel: string,
    onMessage: (payload: string) => void,
    onGap: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** `pglite <dir>` or `postgresql <host:port/db>` (no password), for logs and /health. */
  readonly description: string;
}

/** Embedded PostgreSQL (PGlite, WebAssembly) with its data in `dataDir`; in memory without one (tests). */
export async function openPglite(dataDir?: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir);
  return {
    description: `pglite ${dataDir ?? '(memory)'}`,
    async query<Row extends object>(sql: string, params: readonly unknown[] = []) {
      return (await db.query<Row>(sql, [...params])).rows;
    },
    transaction: (work) =>
      db.transaction((tx) =>
        work({
          query: async <Row extends object>(sql: string, params: readonly unknown[] = []) =>
            (await tx.query<Row>(sql, [...params])).rows,
        }),
      ),
    // One process owns a PGlite folder: there is nobody to take turns with.
    exclusively: (_name, work) => work(),
    close: () => db.close(),
  };
}

/** Backoff of a listening connection that dropped (a server restart): from this, doubling, up to the max. */
const RELISTEN_MIN_MS = 100;
const RELISTEN_MAX_MS = 5000;

/** A PostgreSQL server through a `pg` pool (`postgres://user:password@host:port/database`). */
export async function openPostgres(url: string): Promise<Database> {
  const { default: pg } = await import('pg');
  // int8 (counts, bigserial ids) as numbers, as PGlite gives them: registry counts stay far below 2^53.
  const types = {
    getTypeParser: (oid: number, format?: string) =>
      oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'),
  };
  const pool = new pg.Pool({ connectionString: url, max: 4, types });
  // An idle connection the server closed (a restart): the pool drops it and opens another when needed. Unheard,
  // the pool's 'error' event would end the process.
  pool.on('error', () => undefined);
  const where = new URL(url);
  const run = async <Row extends object>(
    client: { query: (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }> },
    sql: string,
    params: readonly unknown[],
  ) => (await client.query(sql, [...params])).rows as Row[];
  // Fails here, at start, when the server cannot be reached or the login is refused.
  await pool.query('SELECT 1');
  return {
    description: `postgresql ${where.host}${where.pathname}`,
    query: (sql, params = []) => run(pool, sql, params),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work({ query: (sql, params = []) => run(client, sql, params) });
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async exclusively(name, work) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
        try {
          return await work();
        } finally {
          // A connection that could not unlock is closed, not pooled: closing frees its lock.
          await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]).catch((error: Error) => {
            broken = error;
          });
        }
      } finally {
        client.release(broken);
      }
    },
    async listen(channel, onMessage, onGap) {
      // LISTEN belongs to a session: a connection of its own, outside the pool, opened again after a drop.
      let stopped = false;
      let current: InstanceType<typeof pg.Client> | undefined;
      let retry: NodeJS.Timeout | undefined;
      let retryMs = RELISTEN_MIN_MS;
      const open = async () => {
        const connection = new pg.Client({ connectionString: url });
        connection.on('error', () => undefined); // 'end' follows, and reopens
        connection.on('notification', (message) => {
          if (message.channel === channel) onMessage(message.payload ?? '');
        });
        connection.once('end', () => {
          if (current === connection) current = undefined;
          reopenLater();
        });
        current = connection;
        await connection.connect();
        await connection.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
      };
      const reopenLater = () => {
        if (stopped || retry) return;
        retry = setTimeout(() => {
          retry = undefined;
          open().then(
            () => {
              retryMs = RELISTEN_MIN_MS;
              onGap();
            },
            () => {
              retryMs = Math.min(retryMs * 2, RELISTEN_MAX_MS);
              void current?.end().catch(() => undefined);
              reopenLater();
            },
          );
        }, retryMs);
      };
      const stop = async () => {
        stopped = true;
        clearTimeout(retry);
        await current?.end().catch(() => undefined);
      };
      await open().catch(async (error: unknown) => {
        await stop();
        throw error;
      });
      return stop;
    },
    close: () => pool.end(),
  };
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The migration files of `dir` (`NNN_name.sql`), in the order they are applied. */
export async function migrationFiles(dir = MIGRATIONS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
}

/**
 * Applies the `NNN_name.sql` files of `dir` not applied yet, in name order, each in its own transaction with its
 * row in `schema_migrations`; returns the names applied now.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.query(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
  );
  const done = new Set(
    (await db.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name),
  );
  const files = await migrationFiles(dir);
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file)) continue;
    const sql = await readFile(path.join(dir, file), 'utf8');
    await db.transaction(async (tx) => {
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
    });
    applied.push(file);
  }
  return applied;
}

/** Statements of a migration file, split on `;` at line ends (the files hold no functions or quoted `;`). */
function splitStatements(sql: string): string[] {
  return sql
    .replace(/--.*$/gm, '')
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
