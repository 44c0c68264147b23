import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findExecutable, requireEngine } from './engine';
import { freePort } from './free-port';

/** Where Debian's `postgresql` package puts the server binaries (newest version first). */
function postgresBinDirs(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((version) => /^\d+$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(root, version, 'bin'));
}

/**
 * Finds the PostgreSQL server for a test: skips loudly on a laptop without it, fails when `CI` is
 * set. Use as `describe.skipIf(requirePostgres() === undefined)(...)`.
 */
export function requirePostgres(): string | undefined {
  return requireEngine('postgres', postgresBinDirs());
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /**
   * Directory holding `initdb`, `postgres`, `pg_isready` and `createdb`. Default: the newest
   * `/usr/lib/postgresql/<version>/bin`, else the directory of `postgres` found on PATH.
   */
  binDir?: string;
  /** How long to wait for the server to accept connections, in milliseconds. Default: 30000. */
  readyTimeoutMs?: number;
}

/** A real PostgreSQL server started by a test on a loopback port, in a temporary directory. */
export interface PostgresServer {
  /** URL of the empty database `mesh` created at start, e.g. `postgres://mesh:…@127.0.0.1:41234/mesh`. */
  readonly url: string;
  readonly port: number;
  /** The temporary directory: the cluster in `data/`, the server's log in `postgres.log`. */
  readonly dir: string;
  /** Creates another empty database (a random name when omitted) and resolves with its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Fast shutdown (SIGINT: sessions are ended, the cluster is checkpointed). The data is kept. */
  stop(): Promise<void>;
  /** Kills the server and every backend at once (SIGKILL), as a crash would. The data is kept. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data directory (a no-op while it runs). */
  start(): Promise<void>;
  /** Kills the server if it runs and removes its temporary directory. Call it in `afterAll`. */
  destroy(): Promise<void>;
}

const SUPERUSER = 'mesh';
const DATABASE = 'mesh';

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test that crashes must not leave servers behind: kill what still runs on exit. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** initdb and postgres refuse to run as root: as root, run them as `postgres` (or `nobody`). */
function unprivilegedIdentity(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const users = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 4);
  const entry =
    users.find((fields) => fields[0] === 'postgres') ??
    users.find((fields) => fields[0] === 'nobody');
  if (!entry) throw new Error('running as root, but neither a postgres nor a nobody user exists');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

function resolveBinDir(): string {
  const lookup = findExecutable('postgres', postgresBinDirs());
  if (!lookup.found) throw new Error(lookup.reason);
  const dir = dirname(lookup.path);
  // /usr/local/bin may hold only links to initdb/postgres; the Debian directory has every tool.
  return existsSync(join(dir, 'pg_isready')) ? dir : (postgresBinDirs()[0] ?? dir);
}

function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { ...options, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/**
 * Runs `initdb` into a fresh temporary directory (as an unprivileged user when the test runs as
 * root), starts `postgres` on a free port of 127.0.0.1 with its socket in that directory and
 * password authentication over TCP, waits until it accepts connections and creates the database
 * `mesh`. Durability is traded for speed (`fsync=off`: the WAL reaches the page cache, not the
 * disk): a killed server keeps what it committed, a killed machine would not.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const binDir = options.binDir ?? resolveBinDir();
  const identity = unprivilegedIdentity();
  const dir = await mkdtemp(join(tmpdir(), 'mesh-pg-'));
  try {
    const password = randomBytes(12).toString('hex');
    const passwordFile = join(dir, 'password');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (identity) {
      chownSync(dir, identity.uid, identity.gid);
      chownSync(passwordFile, identity.uid, identity.gid);
    }
    await run(
      join(binDir, 'initdb'),
      [
        `--pgdata=${join(dir, 'data')}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--auth-local=trust',
        '--auth-host=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      identity ?? {},
    );

    // freePort() closes the port before postgres binds it, so another process may win the race: retry.
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = new LocalPostgres(
        binDir,
        dir,
        await freePort(),
        password,
        identity,
        options.readyTimeoutMs ?? 30_000,
      );
      try {
        await server.start();
        await server.createDatabase(DATABASE);
        return server;
      } catch (error) {
        lastError = error;
        await server.kill();
      }
    }
    throw lastError;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

class LocalPostgres implements PostgresServer {
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private startedOnce = false;

  constructor(
    private readonly binDir: string,
    readonly dir: string,
    readonly port: number,
    private readonly password: string,
    private readonly identity: { uid: number; gid: number } | undefined,
    private readonly readyTimeoutMs: number,
  ) {
    this.url = this.urlOf(DATABASE);
  }

  async start(): Promise<void> {
    if (this.child) return;
    installExitHook();
    const deadline = Date.now() + this.readyTimeoutMs;
    // Right after a kill the old backends may still be exiting and holding the data directory:
    // a restart that fails early is tried again until the deadline (a first start is not: its
    // port may be taken, and startPostgres picks another).
    for (;;) {
      try {
        await this.spawnAndWait(deadline);
        this.startedOnce = true;
        return;
      } catch (error) {
        const retry = this.startedOnce && error instanceof EarlyExit && Date.now() < deadline;
        if (!retry) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async createDatabase(name = `db_${randomBytes(6).toString('hex')}`): Promise<string> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
      throw new Error(`not a plain database name: ${name}`);
    await run(
      join(this.binDir, 'createdb'),
      ['--host=127.0.0.1', `--port=${this.port}`, `--username=${SUPERUSER}`, name],
      { env: { ...process.env, PGPASSWORD: this.password } },
    );
    return this.urlOf(name);
  }

  stop(): Promise<void> {
    return this.signal('SIGINT');
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dir, { recursive: true, force: true });
  }

  private urlOf(database: string): string {
    return `postgres://${SUPERUSER}:${this.password}@127.0.0.1:${this.port}/${database}`;
  }

  private async spawnAndWait(deadline: number): Promise<void> {
    const out = openSync(join(this.dir, 'postgres.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(
        join(this.binDir, 'postgres'),
        [
          '-D',
          join(this.dir, 'data'),
          '-p',
          String(this.port),
          '-k',
          this.dir,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
          '-c',
          'full_page_writes=off',
          '-c',
          'max_connections=200',
        ],
        // Its own process group, so that kill() reaches the backends as well as the postmaster.
        { stdio: ['ignore', out, out], detached: true, ...this.identity },
      );
    } finally {
      closeSync(out);
    }
    this.child = child;
    running.add(child);
    let exitedEarly: EarlyExit | undefined;
    this.exited = new Promise((resolve) => {
      const done = (reason: string) => {
        running.delete(child);
        if (this.child === child) this.child = undefined;
        exitedEarly = new EarlyExit(`postgres exited (${reason}):\n${this.logTail()}`);
        resolve();
      };
      child.once('exit', (code, signal) => done(signal ?? `code ${code}`));
      child.once('error', (error) => done(error.message));
    });

    while (Date.now() < deadline) {
      if (exitedEarly) throw exitedEarly;
      if (await this.acceptsConnections()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `postgres did not accept connections on port ${this.port} within ${this.readyTimeoutMs} ms:\n${this.logTail()}`,
    );
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    killGroup(child, signal);
    const escalate = setTimeout(() => killGroup(child, 'SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(escalate);
  }

  private async acceptsConnections(): Promise<boolean> {
    try {
      await run(join(this.binDir, 'pg_isready'), [
        '--host=127.0.0.1',
        `--port=${this.port}`,
        '--timeout=1',
      ]);
      return true;
    } catch {
      return false;
    }
  }

  private logTail(): string {
    try {
      return readFileSync(join(this.dir, 'postgres.log'), 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '';
    }
  }
}

/** The server process ended before it accepted connections. */
class EarlyExit extends Error {
  override name = 'EarlyExit';
}
