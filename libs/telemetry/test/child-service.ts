import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The compiled preload, exactly what the launcher passes to `node --require`. */
export const REGISTER_PATH = resolve(__dirname, '../dist/register.js');
const FIXTURE_PATH = resolve(__dirname, 'fixtures/service.cjs');
const REPO_ROOT = resolve(__dirname, '../../..');

/**
 * These tests run the compiled lib in child processes, as services run it. `npm test` builds
 * every project before vitest; a bare `vitest run` after a source change needs a build first.
 */
export function assertBuilt(): void {
  if (!existsSync(REGISTER_PATH)) {
    throw new Error(
      `${REGISTER_PATH} is missing: the telemetry child-process tests run the compiled preload. ` +
        'Build it first: `npx nx run @mesh/telemetry:build` (`npm test` builds before running vitest).',
    );
  }
}

export interface ServiceIdentityLine {
  name: string;
  version: string;
  instanceId: string;
  environment: string;
}

/** What the fixture announces once it listens. */
export interface ReadyLine {
  fixture: 'ready';
  port: number;
  adminPort: number;
  identity: ServiceIdentityLine;
  status: string;
}

export interface StoppedService {
  code: number | null;
  stderr: string;
  /** The ECS JSON log lines the service wrote on stdout. */
  logs: Record<string, unknown>[];
}

export interface ChildService {
  readonly ready: ReadyLine;
  /** GET on the API port. */
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** GET /metrics on the admin port. */
  scrape(): Promise<string>;
  /** Everything on stderr so far. */
  stderr(): string;
  /** SIGTERM (the fixture flushes telemetry, then exits) and the process's output. */
  stop(): Promise<StoppedService>;
}

export interface StartServiceOptions {
  /** What to pass to `--require`; default the absolute path of dist/register.js. */
  preload?: string;
  /** How long to wait for the ready line, in ms. Default 20000. */
  readyTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Kills fixture services a test left running (it failed before `stop()`). Call it in `afterEach`;
 * a crashing test process kills them on exit too.
 */
export function killLeftoverServices(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

function trackChild(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killLeftoverServices);
  }
}

/**
 * Starts the fixture service with the telemetry preload and `env` (the parent's OTEL_* variables
 * are not inherited, so each test states its whole telemetry configuration).
 */
export function startService(
  env: Record<string, string>,
  options: StartServiceOptions = {},
): Promise<ChildService> {
  assertBuilt();
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('OTEL_') && key !== 'NODE_OPTIONS',
    ),
  );
  const child = spawn(
    process.execPath,
    ['--require', options.preload ?? REGISTER_PATH, FIXTURE_PATH],
    { cwd: REPO_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  trackChild(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
  const lines = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  return new Promise<ChildService>((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectStart(new Error(`fixture did not become ready:\n${stdout}\n${stderr}`));
    }, options.readyTimeoutMs ?? 20_000);
    void exited.then((code) => {
      clearTimeout(timer);
      rejectStart(new Error(`fixture exited (${code}) before it was ready:\n${stdout}\n${stderr}`));
    });
    const onData = () => {
      const ready = lines().find((line) => line['fixture'] === 'ready') as ReadyLine | undefined;
      if (!ready) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      const base = `http://127.0.0.1:${ready.port}`;
      resolveStart({
        ready,
        get: (path, headers = {}) => fetch(`${base}${path}`, { headers }),
        scrape: async () => (await fetch(`http://127.0.0.1:${ready.adminPort}/metrics`)).text(),
        stderr: () => stderr,
        stop: async () => {
          child.kill('SIGTERM');
          const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
          const code = await exited;
          clearTimeout(kill);
          return {
            code,
            stderr,
            logs: lines().filter((line) => line['fixture'] === undefined),
          };
        },
      });
    };
    child.stdout.on('data', onData);
  });
}
