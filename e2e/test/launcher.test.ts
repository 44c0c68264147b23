import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';
import { admin, seed, sleep } from '../src/traffic';

describe('the launcher', () => {
  it('refuses to start, naming the port and the instance, when a port of the plan is taken', async () => {
    // Hold the gateway's API port of offset 41000 (8080 + offset).
    const offset = 41_000 + Math.floor(Math.random() * 50) * 10;
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(8080 + offset, '127.0.0.1', resolve));
    try {
      const child = spawn(
        process.execPath,
        [join(repoRoot, 'tools/dist/launcher/main.js'), '--port-offset', String(offset)],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(1);
      const port = (blocker.address() as AddressInfo).port;
      // Other ports of the plan may happen to be taken too: the message lists each.
      expect(output).toMatch(/launcher: ports? already in use: /);
      expect(output).toContain(`${port} (gateway API)`);
      expect(output).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      blocker.close();
    }
  });

  it('rejects a bad flag with a clear message and exit code 1', async () => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'tools/dist/launcher/main.js'), '--user-instances', 'ten'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(output).toContain("option '--user-instances <n>' argument 'ten' is invalid");
  });
});

describe('an instance stopped with SIGTERM', () => {
  let mesh: RunningMesh;
  let ids: { userId: string; orderId: string };

  beforeAll(async () => {
    mesh = await startMesh({ userInstances: 1, orderInstances: 1 });
    ids = await seed(mesh);
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  it('finishes the request in flight, accepts no new connection, and is restarted by the launcher', async () => {
    const instance = mesh.instance('user-service-1');
    await admin(mesh, 'user-service-1', 'POST', '/admin/chaos', { latencyMs: 1500 });
    const inFlight = fetch(`${instance.url}/users/${ids.userId}`);
    await sleep(300);
    process.kill(instance.pid as number, 'SIGTERM');
    await sleep(200);
    await expect(fetch(`${instance.url}/health/live`)).rejects.toThrow();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: string }).id).toBe(ids.userId);
    // The launcher notices the exit and brings the instance back.
    let back = false;
    for (let i = 0; i < 50 && !back; i++) {
      await sleep(200);
      back = await fetch(`${instance.url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
    }
    expect(back).toBe(true);
    expect(mesh.output()).toContain('user-service-1 exited with code 0; restarting');
  });
});
