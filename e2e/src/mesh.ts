import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..', '..');
const launcherEntry = join(repoRoot, 'tools', 'dist', 'launcher', 'main.js');

export interface MeshInstance {
  name: string;
  service: 'gateway' | 'user-service' | 'order-service';
  url: string;
  adminUrl: string;
  pid: number | null;
}

export interface RunningMesh {
  gateway: string;
  adminToken: string;
  instances: MeshInstance[];
  launcherPid: number;
  logsDir: string;
  /** Where the SQLite files live. */
  dataDir: string;
  /** Everything the launcher printed so far. */
  output(): string;
  instance(name: string): MeshInstance;
  /** Ctrl-C: resolves with the launcher's exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface MeshOptions {
  userInstances?: number;
  orderInstances?: number;
  env?: Record<string, string>;
  args?: string[];
}

/**
 * Starts the real launcher (`npm start` without the build step) on a random port offset with
 * its own data and log directories, and waits until it says the mesh is ready.
 */
export async function startMesh(options: MeshOptions = {}): Promise<RunningMesh> {
  if (!existsSync(launcherEntry)) {
    throw new Error(
      `${launcherEntry} is missing: build first (npm test builds before it runs vitest)`,
    );
  }
  for (let attempt = 0; ; attempt++) {
    const offset = 20_000 + Math.floor(Math.random() * 300) * 100;
    try {
      return await launch(offset, options);
    } catch (error) {
      if (attempt < 3 && String(error).includes('already in use')) continue;
      throw error;
    }
  }
}

async function launch(offset: number, options: MeshOptions): Promise<RunningMesh> {
  const workDir = mkdtempSync(join(tmpdir(), 'mesh-e2e-'));
  const logsDir = join(workDir, 'logs');
  const args = [
    launcherEntry,
    '--port-offset',
    String(offset),
    '--user-instances',
    String(options.userInstances ?? 2),
    '--order-instances',
    String(options.orderInstances ?? 2),
    '--data-dir',
    join(workDir, 'data'),
    '--logs-dir',
    logsDir,
    '--json',
    ...(options.args ?? []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    env: { ...process.env, ADMIN_TOKEN: 'e2e-admin-token-0123456789', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;

  const ready = await Promise.race([
    (async () => {
      while (!output.includes('observable-mesh is ready')) {
        await new Promise((r) => setTimeout(r, 100));
      }
      return true;
    })(),
    exited.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), 90_000)),
  ]);
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`launcher did not become ready:\n${output.slice(-4000)}`);
  }
  const state = JSON.parse(readFileSync(join(logsDir, 'mesh.json'), 'utf8')) as {
    adminToken: string;
    launcherPid: number;
    instances: MeshInstance[];
  };
  let stopped: Promise<number | null> | undefined;
  return {
    gateway: (state.instances.find((i) => i.service === 'gateway') as MeshInstance).url,
    adminToken: state.adminToken,
    instances: state.instances,
    launcherPid: state.launcherPid,
    logsDir,
    dataDir: join(workDir, 'data'),
    output: () => output,
    instance(name) {
      const found = state.instances.find((i) => i.name === name);
      if (!found) throw new Error(`no instance ${name}`);
      return found;
    },
    stop(signal = 'SIGINT') {
      stopped ??= stopChild(child, exited, workDir, signal);
      return stopped;
    },
  };
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Reads an instance's ndjson log lines. */
export function readLog(logsDir: string, instance: string): Record<string, unknown>[] {
  const file = join(logsDir, `${instance}.ndjson`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Signals a child the tests started (unless it already exited), waits for its exit and removes
 * its temp directory: resolves with its exit code.
 */
export async function stopChild(
  child: ChildProcess,
  exited: Promise<[number | null, NodeJS.Signals | null]>,
  dir: string,
  signal: NodeJS.Signals,
): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  const [code] = await exited;
  rmSync(dir, { recursive: true, force: true });
  return code;
}
