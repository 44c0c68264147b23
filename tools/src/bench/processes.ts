import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { waitUntilReady } from '../launcher/readiness';

/** A process the bench started: its output goes to a file, never through the bench. */
export interface BenchProcess {
  name: string;
  child: ChildProcess;
  /** ms from spawn to its readiness URL answering 200. */
  readyMs?: number;
}

export function spawnLogged(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): BenchProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(command, [...args], { env, stdio: ['ignore', out, out] });
  child.on('error', () => undefined);
  return { name, child };
}

export async function waitReady(proc: BenchProcess, url: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  const exited = once(proc.child, 'exit').then(([code]) => {
    throw new Error(`${proc.name} exited with code ${String(code)} before it was ready`);
  });
  const stop = new AbortController();
  try {
    await Promise.race([waitUntilReady(url, timeoutMs, stop.signal), exited]);
  } finally {
    stop.abort();
    exited.catch(() => undefined);
  }
  proc.readyMs = Date.now() - started;
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(proc: BenchProcess, graceMs = 5000): Promise<void> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** What a process cost: resident memory now and CPU seconds so far (Linux /proc). */
export interface Footprint {
  rssMb: number;
  cpuSeconds: number;
}

export function footprint(pid: number | undefined): Footprint | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    // fields after the command name: utime is the 14th, stime the 15th field of the whole line
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssMb: Math.round(rssKb / 102.4) / 10, cpuSeconds: Math.round(ticks) / 100 };
  } catch {
    return undefined;
  }
}
