import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';
import { accessLines, admin, seed, sleep, steadyTraffic } from '../src/traffic';

const HEALTH_INTERVAL_MS = 500;

describe('discovery, health and failover across real processes', () => {
  let mesh: RunningMesh;
  let ids: { userId: string; orderId: string };

  beforeAll(async () => {
    mesh = await startMesh({
      env: {
        USER_SERVICE_HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
        ORDER_SERVICE_HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS),
        // Unpaced read loops outrun the default 100 req/s limit on an idle machine; a 429 is not
        // what this file is about (e2e/test/rate-limit.test.ts is).
        RATE_LIMIT_POLICY: 'off',
      },
    });
    ids = await seed(mesh);
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  it('under steady reads, kill -9 of one user-service and one order-service instance fails no client request', async () => {
    const traffic = steadyTraffic(mesh, `/orders/${ids.orderId}`, 4);
    await sleep(1000);
    for (const name of ['user-service-1', 'order-service-1']) {
      const pid = mesh.instance(name).pid as number;
      process.kill(pid, 'SIGKILL');
    }
    await sleep(3000);
    const result = await traffic.stop();
    expect(result.sent).toBeGreaterThan(50);
    expect(result.failed).toEqual([]);
    // The degraded fallback would also be a 200: a healthy user-service-2 must have answered.
    expect(mesh.output()).toContain('user-service-1 was killed by SIGKILL; restarting');
  });

  it('an instance whose readiness fails stops receiving traffic within one health interval', async () => {
    // Wait for the killed instances to be back, so both user-service instances take traffic.
    await sleep(2000);
    await admin(mesh, 'user-service-2', 'POST', '/admin/chaos', { failReadiness: true });
    await sleep(HEALTH_INTERVAL_MS * 2 + 200);
    const before = accessLines(mesh, 'user-service-2', 'GET', '/users/:id').length;
    for (let i = 0; i < 30; i++) {
      const response = await fetch(`${mesh.gateway}/api/users/${ids.userId}`);
      expect(response.status).toBe(200);
    }
    await sleep(300);
    expect(accessLines(mesh, 'user-service-2', 'GET', '/users/:id').length).toBe(before);
    expect(accessLines(mesh, 'user-service-1', 'GET', '/users/:id').length).toBeGreaterThanOrEqual(
      30,
    );
    await admin(mesh, 'user-service-2', 'DELETE', '/admin/chaos');
  });
});
