import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How to start one engine process. */
export interface EngineProcessOptions {
  /** Named in messages: `otelcol`, `jaeger`, … */
  name: string;
  executable: string;
  args: readonly string[];
  /** Added to the parent's environment (hosts and ports the stack's config reads). */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** stdout and stderr of the engine, appended. */
  logFile: string;
  /**
   * Resolves true once the engine serves (a health endpoint answered). Asked every 250 ms until
   * `readyTimeoutMs`.
   */
  ready: () => Promise<boolean>;
  /** How long the engine may take to become ready, in milliseconds. Default 60000. */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL, in milliseconds. Default 10000. */
  stopTimeoutMs?: number;
}

/** A running engine: its own process group, so stopping it stops whatever it spawned. */
export interface EngineProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** SIGTERM to the process group, SIGKILL after the stop timeout; resolves once it exited. */
  stop(): Promise<void>;
  /** The last lines of the log, for error messages. */
  logTail(lines?: number): string;
}

const groups = new Set<number>();
let exitHookInstalled = false;

/** A launcher that dies must not leave engines behind: kill every group still running on exit. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pgid of groups) killGroup(pgid, 'SIGKILL');
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

/** True while any process of the group exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts an engine in a process group of its own with its output in `logFile`, and resolves
 * once `ready()` says it serves. If it exits first, or is not ready in time, it is stopped and
 * the promise rejects with the end of its log.
 */
export async function startEngineProcess(options: EngineProcessOptions): Promise<EngineProcess> {
  const { name, logFile } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  installExitHook();
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.executable, options.args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', out, out],
      detached: true,
    });
  } finally {
    closeSync(out);
  }
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`));
    child.once('error', (error) => resolve(error.message));
  });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(
      `${name}: could not start ${options.executable}: ${(await spawnError).message}`,
    );
  }
  groups.add(pid);

  let stopped: Promise<void> | undefined;
  const engine: EngineProcess = {
    name,
    pid,
    logFile,
    logTail: (lines = 20) => tail(logFile, lines),
    stop() {
      stopped ??= (async () => {
        killGroup(pid, 'SIGTERM');
        const escalate = setTimeout(() => killGroup(pid, 'SIGKILL'), stopTimeoutMs);
        await exited;
        // The leader is gone; children it left in the group get the same treatment.
        const deadline = Date.now() + stopTimeoutMs;
        while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
        if (groupAlive(pid)) killGroup(pid, 'SIGKILL');
        while (groupAlive(pid)) await sleep(50);
        clearTimeout(escalate);
        groups.delete(pid);
      })();
      return stopped;
    },
  };

  let exitReason: string | undefined;
  void exited.then((reason) => (exitReason = reason));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exitReason !== undefined) {
      await engine.stop();
      throw new Error(
        `${name} exited (${exitReason}) before it was ready; ${logFile}:\n${tail(logFile, 20)}`,
      );
    }
    if (await options.ready().catch(() => false)) return engine;
    if (Date.now() >= deadline) {
      await engine.stop();
      throw new Error(
        `${name} was not ready within ${readyTimeoutMs} ms; ${logFile}:\n${tail(logFile, 20)}`,
      );
    }
    await sleep(250);
  }
}

/** A readiness probe: `url` answers 2xx (and `accept(body)` agrees, when given). */
export function httpReady(url: string, accept?: (body: string) => boolean): () => Promise<boolean> {
  return async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    const body = await response.text();
    return response.ok && (accept === undefined || accept(body));
  };
}
