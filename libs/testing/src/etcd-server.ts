import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable, requireEngine } from './engine';
import { freePort } from './free-port';

/** Directories searched for `etcd` besides PATH (Debian's `etcd-server` installs to /usr/bin). */
const ETCD_DIRS = ['/usr/bin', '/usr/local/bin'];

/**
 * Finds the etcd executable for a test: skips loudly on a laptop without it, fails when `CI` is set.
 * Use as `describe.skipIf(requireEtcd() === undefined)(...)`.
 */
export function requireEtcd(): string | undefined {
  return requireEngine('etcd', ETCD_DIRS);
}

/** Options of {@link startEtcd}. */
export interface StartEtcdOptions {
  /** Path of the etcd executable. Default: `etcd` found on PATH or in /usr/bin. */
  executable?: string;
  /** How long to wait for etcd to answer its health endpoint, in milliseconds. Default: 20000. */
  readyTimeoutMs?: number;
}

/** A real etcd server started by a test on loopback. */
export interface EtcdServer {
  /** Client URL, e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** The temporary directory holding the data (`data/`) and the logs (`etcd.log`, `etcd.out.log`). */
  readonly dataDir: string;
  /** Stops etcd gracefully (SIGTERM) and waits for it to exit. The data is kept for {@link restart}. */
  stop(): Promise<void>;
  /** Kills etcd abruptly (SIGKILL), as a crash would. The data is kept for {@link restart}. */
  kill(): Promise<void>;
  /** Starts etcd again on the same ports with the same data dir (stopping it first if it runs). */
  restart(): Promise<void>;
  /** Stops etcd if it runs and removes its temporary directory. Call it in `afterAll`. */
  destroy(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test that crashes must not leave etcd servers behind: kill what is still running on exit. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/**
 * Starts `/usr/bin/etcd` as a single-member cluster on free client and peer ports of 127.0.0.1,
 * in a fresh temporary directory, logging quietly to a file there, and resolves once it answers
 * `GET /health`.
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdServer> {
  const executable = options.executable ?? resolveEtcd();
  const readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
  const dir = await mkdtemp(join(tmpdir(), 'mesh-etcd-'));
  const name = `mesh-${randomBytes(4).toString('hex')}`;

  // freePort() closes the port before etcd binds it, so another process may win the race: retry.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const clientPort = await freePort();
    const peerPort = await freePort();
    const server = new LocalEtcd(executable, dir, name, clientPort, peerPort, readyTimeoutMs);
    try {
      await server.start();
      return server;
    } catch (error) {
      lastError = error;
      await server.kill();
      // A half-initialised data dir from a failed first start would be joined to the wrong ports.
      await rm(join(dir, 'data'), { recursive: true, force: true });
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw lastError;
}

function resolveEtcd(): string {
  const lookup = findExecutable('etcd', ETCD_DIRS);
  if (!lookup.found) throw new Error(lookup.reason);
  return lookup.path;
}

class LocalEtcd implements EtcdServer {
  readonly endpoint: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly executable: string,
    readonly dataDir: string,
    private readonly name: string,
    clientPort: number,
    private readonly peerPort: number,
    private readonly readyTimeoutMs: number,
  ) {
    this.endpoint = `http://127.0.0.1:${clientPort}`;
  }

  async start(): Promise<void> {
    if (this.child) return;
    installExitHook();
    const peerUrl = `http://127.0.0.1:${this.peerPort}`;
    const args = [
      `--name=${this.name}`,
      `--data-dir=${join(this.dataDir, 'data')}`,
      `--listen-client-urls=${this.endpoint}`,
      `--advertise-client-urls=${this.endpoint}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=${this.name}=${peerUrl}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      `--log-outputs=${join(this.dataDir, 'etcd.log')}`,
      '--log-level=warn',
    ];
    const out = openSync(join(this.dataDir, 'etcd.out.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.executable, args, { stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    this.child = child;
    running.add(child);
    let exitedEarly: Error | undefined;
    this.exited = new Promise((resolve) => {
      const done = (reason: string) => {
        running.delete(child);
        if (this.child === child) this.child = undefined;
        exitedEarly = new Error(`etcd exited (${reason}) before it was ready:\n${this.logTail()}`);
        resolve();
      };
      child.once('exit', (code, signal) => done(signal ?? `code ${code}`));
      child.once('error', (error) => done(error.message));
    });

    const deadline = Date.now() + this.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exitedEarly) throw exitedEarly;
      if (await this.answers()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `etcd did not answer on ${this.endpoint} within ${this.readyTimeoutMs} ms:\n${this.logTail()}`,
    );
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.kill();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    const escalate = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(escalate);
  }

  private async answers(): Promise<boolean> {
    try {
      const response = await fetch(`${this.endpoint}/health`, {
        signal: AbortSignal.timeout(1000),
      });
      const body = (await response.json()) as { health?: unknown };
      return response.ok && body.health === 'true';
    } catch {
      return false;
    }
  }

  private logTail(): string {
    const read = (file: string) => {
      try {
        return readFileSync(join(this.dataDir, file), 'utf8').split('\n').slice(-20).join('\n');
      } catch {
        return '';
      }
    };
    return `${read('etcd.out.log')}\n${read('etcd.log')}`.trim();
  }
}
