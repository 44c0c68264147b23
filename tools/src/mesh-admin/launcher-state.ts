import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminClient } from './admin-client';
import { isAdminError } from './admin-client';

/** What the native launcher writes to `<logs dir>/mesh.json` once the mesh is ready (tools/src/launcher/main.ts). */
export interface LauncherState {
  launcherPid: number;
  adminToken: string;
  instances: {
    name: string;
    service: string;
    url: string;
    adminUrl: string;
    /** At start-up; a restarted instance has another (its `/admin/status` reports the current one). */
    pid: number | null;
  }[];
}

/** Where `npm start` writes its state by default, from the repository root. */
export const DEFAULT_LAUNCHER_STATE = 'logs/mesh.json';

/** Reads the launcher's `mesh.json`; undefined when there is none (no native mesh, or compose). */
export function readLauncherState(file: string): LauncherState | undefined {
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as Partial<LauncherState>;
  if (typeof state.launcherPid !== 'number' || !Array.isArray(state.instances)) {
    throw new Error(`${file} is not the launcher's mesh.json (no launcherPid/instances)`);
  }
  return state as LauncherState;
}

/** True while a process with this pid exists (signal 0 checks, it does not kill). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why an instance cannot be killed from here, with what to do instead. */
export class KillRefusedError extends Error {
  override readonly name = 'KillRefusedError';
}

export interface KillOptions {
  /** The launcher's `mesh.json`. */
  stateFile: string;
  /** Default `SIGKILL`: a crash, not a drain (the launcher restarts the instance either way). */
  signal?: NodeJS.Signals;
}

/** How to kill a compose replica: said when there is no native launcher to go through. */
export function composeKillHint(service: string): string {
  return (
    `under docker compose: \`docker compose kill ${service}\` (or \`docker compose stop ${service}\`; ` +
    `one replica: \`docker compose ps ${service}\` then \`docker kill <container>\`); ` +
    `\`docker compose up -d ${service}\` brings it back`
  );
}

/**
 * Kills one instance of a native mesh: the instance must be listed in the launcher's
 * `mesh.json` and that launcher must be running (it restarts the instance). The pid signalled is
 * the one the instance reports now in `/admin/status` (after a restart the file's is stale).
 */
export async function killInstance(
  client: AdminClient,
  instance: { id: string; service: string; adminUrl: string },
  options: KillOptions,
): Promise<{ pid: number; signal: NodeJS.Signals }> {
  const state = readLauncherState(options.stateFile);
  if (!state) {
    throw new KillRefusedError(
      `no ${options.stateFile}: ${instance.id} was not started by \`npm start\` here; ${composeKillHint(instance.service)}`,
    );
  }
  const listed = state.instances.find(
    (candidate) => candidate.name === instance.id || candidate.adminUrl === instance.adminUrl,
  );
  if (!listed) {
    throw new KillRefusedError(
      `${instance.id} is not in ${options.stateFile} (another mesh?); ${composeKillHint(instance.service)}`,
    );
  }
  if (!isProcessAlive(state.launcherPid)) {
    throw new KillRefusedError(
      `the launcher of ${options.stateFile} (pid ${state.launcherPid}) is not running: nothing would restart ${instance.id}`,
    );
  }
  let pid = listed.pid;
  try {
    pid = (await client.status(listed.adminUrl)).pid;
  } catch (error) {
    if (!isAdminError(error)) throw error;
    // unreachable (maybe hung): fall back to the pid the launcher recorded
  }
  if (pid === null || !isProcessAlive(pid)) {
    throw new KillRefusedError(`${instance.id} is not running (restarting already?)`);
  }
  const signal = options.signal ?? 'SIGKILL';
  process.kill(pid, signal);
  return { pid, signal };
}

/**
 * Waits until the instance at `adminUrl` answers `/admin/status` ready with a pid other than
 * `oldPid` (the launcher restarted it); resolves with the new pid.
 */
export async function waitForRestart(
  client: AdminClient,
  adminUrl: string,
  oldPid: number,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const status = await client.status(adminUrl);
      if (status.pid !== oldPid && status.ready) return status.pid;
      last = status.pid === oldPid ? `still pid ${oldPid}` : `pid ${status.pid} not ready`;
    } catch (error) {
      if (!isAdminError(error)) throw error;
      last = error.message;
    }
    await sleep(options.intervalMs ?? 200);
  }
  throw new Error(
    `${adminUrl} did not come back within ${options.timeoutMs ?? 30_000}ms (${last})`,
  );
}

/**
 * The admin token: the flag, else `ADMIN_TOKEN`, else the launcher's `mesh.json` (a native mesh
 * started without `ADMIN_TOKEN` generates one and records it there).
 */
export function resolveAdminToken(options: {
  flag?: string;
  env?: string;
  stateFile: string;
}): string | undefined {
  if (options.flag) return options.flag;
  if (options.env) return options.env;
  return readLauncherState(options.stateFile)?.adminToken;
}
