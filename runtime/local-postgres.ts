import { execFile, type SpawnOptions } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LocalServer, type LocalServerOptions } from './local-server.js';

const run = promisify(execFile);

/** Where Debian's `postgresql` package puts each major version's server binaries: `<root>/<major>/bin`. */
const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
/** PostgreSQL refuses to run as root; under root the server runs as this user (made by Debian's package). */
const SERVER_USER = 'postgres';

export interface LocalPostgresOptions extends Omit<LocalServerOptions, 'binary'> {
  /** Folder holding `postgres` and `initdb`; default `postgresBinDir()`. */
  binDir?: string;
  /** The superuser initdb makes; it logs in without a password, over loopback only. Default `lookout`. */
  user?: string;
  /** The database made at the first start, the one `url` names. Default `lookout`. */
  database?: string;
  /** false: no fsync and no synchronous commit (tests: fast; a power cut loses the data). Default true. */
  durable?: boolean;
}

/**
 * The folder of Debian's PostgreSQL server binaries: `LOOKOUT_POSTGRES_BIN` when set, else the newest
 * `/usr/lib/postgresql/<major>/bin` holding `postgres` and `initdb`; undefined when there is none.
 */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const hasServer = (dir: string) =>
    existsSync(path.join(dir, 'postgres')) && existsSync(path.join(dir, 'initdb'));
  const configured = env.LOOKOUT_POSTGRES_BIN;
  if (configured) return hasServer(configured) ? configured : undefined;
  const majors = existsSync(DEBIAN_POSTGRES_ROOT)
    ? readdirSync(DEBIAN_POSTGRES_ROOT)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return majors.map((major) => path.join(DEBIAN_POSTGRES_ROOT, major, 'bin')).find(hasServer);
}

/**
 * A private PostgreSQL server (LocalServer, like LocalRedis and LocalInfluxd): initdb into `<dir>/data` at the
 * first start, a free loopback port, no Unix socket, password-less (trust) logins from loopback addresses only,
 * ready when a login answers. Under root it runs as the `postgres` user (PostgreSQL refuses root), so `dir` must
 * be reachable by that user. SIGINT stops it the fast way (open sessions are ended, then a checkpoint).
 * `stop()` then `start()` keeps port and data.
 */
export class LocalPostgres extends LocalServer {
  protected readonly name = 'postgres';
  protected override readonly stopSignal = 'SIGINT';
  readonly user: string;
  readonly database: string;
  #owner: { uid: number; gid: number } | undefined;

  constructor(protected override readonly options: LocalPostgresOptions) {
    super(options, 30_000);
    this.user = options.user ?? 'lookout';
    this.database = options.database ?? 'lookout';
  }

  /** `postgres://lookout@127.0.0.1:<port>/lookout`: no password (trust on loopback). */
  get url(): string {
    return this.#urlOf(this.database);
  }

  get dataDir(): string {
    return path.join(path.resolve(this.options.dir), 'data');
  }

  get #hbaFile(): string {
    return path.join(path.resolve(this.options.dir), 'pg_hba.conf');
  }

  override async start(): Promise<void> {
    await super.start();
    await this.#createDatabase().catch(async (error: unknown) => {
      await this.stop();
      throw error;
    });
  }

  protected override binaryPath(): string {
    return path.join(this.#binDir(), 'postgres');
  }

  protected override spawnOptions(): SpawnOptions {
    return { cwd: path.resolve(this.options.dir), ...this.#owner };
  }

  protected args(): string[] {
    const settings = [
      `listen_addresses=${this.host}`,
      'unix_socket_directories=',
      `hba_file=${this.#hbaFile}`,
      ...(this.options.durable === false
        ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off']
        : []),
    ];
    return ['-D', this.dataDir, '-p', String(this.port), ...settings.flatMap((s) => ['-c', s])];
  }

  protected async answers(): Promise<boolean> {
    const client = await this.#connect('postgres');
    await client.end();
    return true;
  }

  protected async writeConfig(): Promise<void> {
    const dir = path.resolve(this.options.dir);
    const binDir = this.#binDir();
    await mkdir(dir, { recursive: true });
    this.#owner = await serverUser();
    if (this.#owner) {
      await chown(dir, this.#owner.uid, this.#owner.gid);
      await run('test', ['-w', dir], { ...this.#owner }).catch(() => {
        throw new Error(
          `PostgreSQL runs as the ${SERVER_USER} user (it refuses root) and cannot write to ${dir}: a folder above it is closed to other users. Put it where ${SERVER_USER} can reach it (e.g. under /tmp or /var/lib)`,
        );
      });
    }
    if (!existsSync(path.join(this.dataDir, 'PG_VERSION'))) {
      const durability = this.options.durable === false ? ['--no-sync'] : [];
      const args = ['-D', this.dataDir, '-U', this.user, '--auth=trust', '-E', 'UTF8', '--locale=C'];
      await run(path.join(binDir, 'initdb'), [...args, ...durability], {
        cwd: dir,
        ...this.#owner,
      }).catch((error: Error & { stderr?: string }) => {
        throw new Error(`initdb ${this.dataDir} failed: ${error.stderr?.trim() || error.message}`);
      });
    }
    const hba = [
      '# generated by Lookout (runtime/local-postgres.ts); rewritten on every start',
      '# TYPE DATABASE USER ADDRESS      METHOD',
      'host    all      all  127.0.0.1/32 trust',
      'host    all      all  ::1/128      trust',
      '',
    ].join('\n');
    await writeFile(this.#hbaFile, hba);
    if (this.#owner) await chown(this.#hbaFile, this.#owner.uid, this.#owner.gid);
  }

  #binDir(): string {
    const found = this.options.binDir ?? postgresBinDir();
    if (found && existsSync(path.join(found, 'postgres'))) return found;
    throw new Error(
      `PostgreSQL server not found (postgres and initdb in ${found ?? `${DEBIAN_POSTGRES_ROOT}/<version>/bin`}): install Debian's postgresql package (apt-get install postgresql; npm run setup does it), or set LOOKOUT_POSTGRES_BIN to the folder holding them`,
    );
  }

  #urlOf(database: string): string {
    return `postgres://${encodeURIComponent(this.user)}@${this.host}:${this.port}/${encodeURIComponent(database)}`;
  }

  async #connect(database: string) {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: this.#urlOf(database), connectionTimeoutMillis: 1000 });
    // An error after connect (the server stopping) must not be an unhandled 'error' event.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  async #createDatabase(): Promise<void> {
    const client = await this.#connect('postgres');
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [
        this.database,
      ]);
      if (rowCount === 0) await client.query(`CREATE DATABASE "${this.database.replaceAll('"', '""')}"`);
    } finally {
      await client.end();
    }
  }
}

/** The user the server runs as: `postgres` when this process is root, else this process's own (undefined). */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, SERVER_USER])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    throw new Error(
      `PostgreSQL refuses to run as root and there is no ${SERVER_USER} user to run it as: install Debian's postgresql package (it makes the user), or run as another user`,
    );
  }
}
