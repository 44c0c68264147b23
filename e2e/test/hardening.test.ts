import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';
import { accessLines, admin, seed, sleep } from '../src/traffic';

/** The gateway's view of one upstream in `/admin/status`. */
interface UpstreamStatus {
  service: string;
  gate: { state?: string; failures?: number };
  instances: { id: string; state: string; ejections: number }[];
}

/**
 * Failures two hops away and clients that leave, on the real mesh (docs/resilience.md, "How an
 * outcome is classified"): the gateway must blame the hop that failed, not the one that said so.
 */
describe('hardening: failures are blamed on the right hop', () => {
  let mesh: RunningMesh;
  let ids: { userId: string; orderId: string };

  beforeAll(async () => {
    mesh = await startMesh({
      env: {
        // Quick to trip and to eject, so that any blame on order-service would show.
        ORDER_SERVICE_BALANCER: 'round-robin',
        ORDER_SERVICE_BREAKER_REQUEST_VOLUME_THRESHOLD: '3',
        ORDER_SERVICE_OUTLIER_CONSECUTIVE_FAILURES: '2',
        USER_SERVICE_BREAKER_REQUEST_VOLUME_THRESHOLD: '3',
      },
    });
    ids = await seed(mesh);
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  const upstreamStatus = async (service: string): Promise<UpstreamStatus> => {
    const status = (await admin(mesh, 'gateway', 'GET', '/admin/status')) as {
      upstreams: UpstreamStatus[];
    };
    const found = status.upstreams.find((u) => u.service === service);
    if (!found) throw new Error(`no ${service} in the gateway's status`);
    return found;
  };

  it('when user-service fails, order-service says so: the gateway neither retries nor blames order-service, and reads still degrade', async () => {
    for (const name of ['user-service-1', 'user-service-2']) {
      await admin(mesh, name, 'POST', '/admin/chaos', { errorRate: 1, errorStatus: 503 });
    }
    const orderPosts = () =>
      ['order-service-1', 'order-service-2'].reduce(
        (n, name) => n + accessLines(mesh, name, 'POST', '/orders').length,
        0,
      );
    const postsBefore = orderPosts();

    const writes = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${mesh.gateway}/api/orders`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `blame-${i}-${Date.now()}`,
        },
        body: JSON.stringify({
          userId: ids.userId,
          items: [{ sku: 'B', quantity: 1, unitPrice: 1 }],
        }),
      });
      writes.push({
        status: response.status,
        dependency: response.headers.get('x-mesh-dependency-failed'),
        code: ((await response.json()) as { error?: { code?: string } }).error?.code,
      });
    }
    const reads = [];
    for (let i = 0; i < 10; i++) {
      const response = await fetch(`${mesh.gateway}/api/orders/${ids.orderId}`);
      await response.arrayBuffer();
      reads.push({ status: response.status, degraded: response.headers.get('x-degraded') });
    }
    await sleep(300); // access logs are flushed asynchronously
    for (const name of ['user-service-1', 'user-service-2']) {
      await admin(mesh, name, 'DELETE', '/admin/chaos');
    }

    expect(writes).toEqual(
      Array.from({ length: 6 }, () => ({
        status: 503,
        dependency: 'user-service',
        code: 'upstream_unavailable',
      })),
    );
    // One order-service call per client request: keyed POSTs were not retried elsewhere.
    expect(orderPosts() - postsBefore).toBe(6);
    expect(reads).toEqual(
      Array.from({ length: 10 }, () => ({ status: 200, degraded: 'user-service' })),
    );
    const orders = await upstreamStatus('order-service');
    expect(orders.gate).toMatchObject({ state: 'closed', failures: 0 });
    expect(orders.instances.map((i) => [i.id, i.state, i.ejections])).toEqual(
      orders.instances.map((i) => [i.id, 'healthy', 0]),
    );
  });
});
