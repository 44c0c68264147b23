import { request as httpRequest } from 'node:http';
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
describe('hardening: the right route, the right hop', () => {
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

  /** The status of a GET whose path is sent byte for byte (fetch would normalise it). */
  const rawGet = (path: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const { hostname, port } = new URL(mesh.gateway);
      const req = httpRequest({ hostname, port, path }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });

  const upstreamStatus = async (service: string): Promise<UpstreamStatus> => {
    const status = (await admin(mesh, 'gateway', 'GET', '/admin/status')) as {
      upstreams: UpstreamStatus[];
    };
    const found = status.upstreams.find((u) => u.service === service);
    if (!found) throw new Error(`no ${service} in the gateway's status`);
    return found;
  };

  it('dot segments and other spellings of a route never reach a service under another route', async () => {
    const userLists = () =>
      ['user-service-1', 'user-service-2'].reduce(
        (n, name) =>
          n +
          // The list route however a service was reached: `/users`, `/users/`, `/API/users`, …
          accessLines(mesh, name, 'GET', '/(users|USERS|API/users|api/USERS)/?').length,
        0,
      );
    const before = userLists();
    const statuses: Record<string, number> = {};
    for (const path of ['/api/users/%2e', '/api/users/%2E%2E', '/API/users', '/api/USERS']) {
      statuses[path] = await rawGet(path);
    }
    await sleep(300); // access logs are flushed asynchronously

    expect(statuses).toEqual({
      '/api/users/%2e': 400,
      '/api/users/%2E%2E': 400,
      '/API/users': 404,
      '/api/USERS': 404,
    });
    expect(userLists() - before).toBe(0);
  });

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
