import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBuiltEngine, requireEngine } from '@mesh/testing';
import { DEFAULT_BACKEND_PORTS } from '@mesh/tools/backends';
import type { BackendPorts } from '@mesh/tools/backends';
import { repoRoot, stopChild } from './mesh';

export const backendsEntry = join(repoRoot, 'tools', 'dist', 'backends', 'main.js');

export type { BackendPorts };

export interface RunningBackends {
  portOffset: number;
  ports: BackendPorts;
  /** Engine name → pid, from backends.json. */
  pids: Record<string, number>;
  /** Seconds from spawn to "backends ready". */
  startSeconds: number;
  url(port: keyof BackendPorts): string;
  output(): string;
  /** Ctrl-C: resolves with the CLI's exit code once it has exited. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * The engines `npm run backends` runs, each gated like every test engine: a missing one skips the
 * tests loudly on a laptop and fails them when `CI` is set. True when all are there.
 */
export function requireBackendEngines(options: { logs?: boolean } = {}): boolean {
  const engines = [
    requireBuiltEngine('otelcol'),
    requireBuiltEngine('jaeger'),
    requireEngine('prometheus', ['/usr/bin']),
    requireEngine('prometheus-alertmanager', ['/usr/bin']),
    ...(options.logs ? [requireBuiltEngine('opensearch')] : []),
  ];
  return engines.every((path) => path !== undefined);
}

/** Resolves true when `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A random `--port-offset` whose backend ports are all free now, below the mesh offsets
 * startMesh picks (20000+): 4317+offset … 16686+offset stays under 23000.
 */
export async function freeBackendOffset(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const offset = 1000 + Math.floor(Math.random() * 50) * 100 + Math.floor(Math.random() * 50);
    const ports = Object.values(DEFAULT_BACKEND_PORTS);
    const free = await Promise.all(ports.map((port) => isPortFree(port + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error('no free backend port offset found');
}

/**
 * Starts the real `npm run backends` (its built entry, as `npm run backends` runs it) with its
 * own data directory, and waits until it says the backends are ready.
 */
export async function startBackends(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunningBackends> {
  if (!existsSync(backendsEntry)) {
    throw new Error(
      `${backendsEntry} is missing: build first (npm test builds before it runs vitest)`,
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'mesh-backends-'));
  const started = Date.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [backendsEntry, '--data-dir', dataDir, ...args],
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const ready = await Promise.race([
    (async () => {
      while (!output.includes('backends ready in')) await new Promise((r) => setTimeout(r, 100));
      return true;
    })(),
    exited.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), options.timeoutMs ?? 120_000)),
  ]);
  if (!ready) {
    child.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`npm run backends did not become ready:\n${output.slice(-4000)}`);
  }
  const startSeconds = (Date.now() - started) / 1000;
  const state = JSON.parse(readFileSync(join(dataDir, 'backends.json'), 'utf8')) as {
    portOffset: number;
    ports: BackendPorts;
    engines: Record<string, { pid: number }>;
  };
  let stopped: Promise<number | null> | undefined;
  return {
    portOffset: state.portOffset,
    ports: state.ports,
    pids: Object.fromEntries(Object.entries(state.engines).map(([name, e]) => [name, e.pid])),
    startSeconds,
    url: (port) => `http://127.0.0.1:${state.ports[port]}`,
    output: () => output,
    stop(signal = 'SIGINT') {
      stopped ??= stopChild(child, exited, dataDir, signal);
      return stopped;
    },
  };
}

/** The JSON of a GET, or undefined on a non-2xx answer or no answer. */
export async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) return undefined;
    return (await response.json()) as T;
  } catch {
    return undefined;
  }
}
