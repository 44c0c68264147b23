import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdminClient } from './admin-client';
import { killInstance, KillRefusedError, resolveAdminToken } from './launcher-state';
import type { LauncherState } from './launcher-state';

const dir = mkdtempSync(join(tmpdir(), 'mesh-admin-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Nothing listens on port 1: status() fails at once and the kill falls back to the file's pid.
const ADMIN_URL = 'http://127.0.0.1:1';
const client = new AdminClient({ token: 't', timeoutMs: 500 });
const order2 = { id: 'order-service-2', service: 'order-service', adminUrl: ADMIN_URL };

function stateFile(state: Partial<LauncherState>): string {
  const file = join(dir, `mesh-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({ launcherPid: process.pid, adminToken: 'from-file', instances: [], ...state }),
  );
  return file;
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KillRefusedError);
  return String(error);
}

describe('killInstance', () => {
  it('without a launcher state file, refuses and says how to do it under compose', async () => {
    const message = await refusal(
      killInstance(client, order2, { stateFile: join(dir, 'absent.json') }),
    );
    expect(message).toContain('docker compose kill order-service');
  });

  it('refuses an instance the launcher did not start, and a launcher that is gone', async () => {
    expect(await refusal(killInstance(client, order2, { stateFile: stateFile({}) }))).toContain(
      'is not in',
    );
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    const listed = [{ ...order2, name: order2.id, url: 'http://x', pid: 1 }];
    expect(
      await refusal(
        killInstance(client, order2, {
          stateFile: stateFile({ launcherPid: gone.pid as number, instances: listed }),
        }),
      ),
    ).toContain('nothing would restart order-service-2');
  });

  it('signals the process of a listed instance of a running launcher', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    const exited = once(child, 'exit');
    const file = stateFile({
      instances: [{ ...order2, name: order2.id, url: 'http://x', pid: child.pid as number }],
    });
    try {
      expect(await killInstance(client, order2, { stateFile: file })).toEqual({
        pid: child.pid,
        signal: 'SIGKILL',
      });
      const [, signal] = (await Promise.race([
        exited,
        new Promise((r) => setTimeout(() => r([null, 'still running']), 3000)),
      ])) as [unknown, unknown];
      expect(signal).toBe('SIGKILL');
    } finally {
      child.kill('SIGKILL'); // when the kill under test did not happen
    }
  });
});

describe('resolveAdminToken', () => {
  it('takes the flag, else ADMIN_TOKEN, else the launcher state file', () => {
    const file = stateFile({});
    expect(resolveAdminToken({ flag: 'flag', env: 'env', stateFile: file })).toBe('flag');
    expect(resolveAdminToken({ env: 'env', stateFile: file })).toBe('env');
    expect(resolveAdminToken({ stateFile: file })).toBe('from-file');
    expect(resolveAdminToken({ stateFile: join(dir, 'absent.json') })).toBeUndefined();
  });
});
