import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { InstancePlan } from './plan';

export interface SupervisorOptions {
  /** `--require`d before each service: the OpenTelemetry bootstrap. */
  preload: string;
  logsDir: string;
  /** Extra environment for every instance (OTEL_* pass through from the launcher's own). */
  baseEnv: NodeJS.ProcessEnv;
  /** Prints a line to the console. */
  print: (line: string) => void;
  /** Formats a service's stdout line for the console. */
  view: (instance: string, line: string) => string;
  /** Restart back-off: first delay and cap, ms. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** How long a stopping instance may take before it is killed, ms. */
  stopTimeoutMs?: number;
}

/** Exit code with which a service reports bad configuration: restarting would not help. */
const EXIT_CONFIG = 78;

interface Running {
  plan: InstancePlan;
  child: ChildProcess | undefined;
  log: WriteStream;
  restarts: number;
  restartTimer: NodeJS.Timeout | undefined;
  startedAt: number;
}

/**
 * Runs the mesh's processes: each one's JSON lines go to `logs/<instance>.ndjson` and, made
 * readable, to the console; a crashed instance is reported and restarted with back-off; `stop()`
 * drains them all with SIGTERM and kills what does not exit in time.
 */
export class Supervisor {
  readonly #options: SupervisorOptions;
  readonly #instances = new Map<string, Running>();
  #stopping = false;

  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  start(plan: InstancePlan): void {
    const running: Running = {
      plan,
      child: undefined,
      log: createWriteStream(join(this.#options.logsDir, `${plan.name}.ndjson`), { flags: 'a' }),
      restarts: 0,
      restartTimer: undefined,
      startedAt: 0,
    };
    this.#instances.set(plan.name, running);
    this.#spawn(running);
  }

  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.#instances].map(([name, r]) => [name, r.child?.pid]));
  }

  #spawn(running: Running): void {
    const { plan } = running;
    const child = spawn(process.execPath, ['--require', this.#options.preload, plan.entry], {
      env: { ...this.#options.baseEnv, ...plan.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.child = child;
    running.startedAt = Date.now();
    const forward = (stream: NodeJS.ReadableStream, isStdout: boolean) => {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        if (isStdout) running.log.write(`${line}\n`);
        this.#options.print(this.#options.view(plan.name, line));
      });
    };
    forward(child.stdout, true);
    forward(child.stderr, false);
    child.on('error', (error) => {
      this.#options.print(`launcher: could not start ${plan.name}: ${error.message}`);
    });
    child.on('exit', (code, signal) => {
      running.child = undefined;
      if (this.#stopping) return;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      if (code === EXIT_CONFIG) {
        this.#options.print(`launcher: ${plan.name} ${how} (bad configuration); not restarting it`);
        return;
      }
      // An instance that ran a while before crashing starts its back-off afresh.
      if (Date.now() - running.startedAt > 60_000) running.restarts = 0;
      const base = this.#options.restartDelayMs ?? 500;
      const delay = Math.min(
        base * 2 ** running.restarts,
        this.#options.maxRestartDelayMs ?? 30_000,
      );
      running.restarts++;
      this.#options.print(
        `launcher: ${plan.name} ${how}; restarting in ${delay}ms (restart #${running.restarts})`,
      );
      running.restartTimer = setTimeout(() => {
        running.restartTimer = undefined;
        if (!this.#stopping) this.#spawn(running);
      }, delay);
    });
  }

  /** Stops every instance: callers first (the reverse of the start order), each drained by SIGTERM. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const all = [...this.#instances.values()].reverse();
    for (const running of all) clearTimeout(running.restartTimer);
    await Promise.all(all.map((running) => this.#stopOne(running)));
    await Promise.all(
      all.map(
        (running) =>
          new Promise<void>((resolve) => {
            running.log.end(() => resolve());
          }),
      ),
    );
  }

  async #stopOne(running: Running): Promise<void> {
    const child = running.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), this.#options.stopTimeoutMs ?? 15_000);
    await exited;
    clearTimeout(timer);
  }
}
