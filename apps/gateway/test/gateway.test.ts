import type { Server } from 'node:http';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ChaosController, Readiness } from '@mesh/service-kit';
import { createLogger } from '@mesh/telemetry';
import { createApp } from '../src/app';
import { staticUpstream } from '@mesh/service-kit/testing';
import type { StaticUpstream } from '@mesh/service-kit/testing';

const silent = createLogger({
  level: 'error',
  stream: new Writable({ write: (_chunk, _encoding, callback) => callback() }),
});

const servers: Server[] = [];
const upstreams: StaticUpstream[] = [];
afterEach(async () => {
  // Servers first: cutting their connections ends any call still waiting on them.
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  await Promise.all(upstreams.splice(0).map((upstream) => upstream.close()));
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A fake upstream that records what it received and answers as told; it is always ready. */
async function fakeUpstream(answer: {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}) {
  const received: {
    method: string;
    url: string;
    headers: Record<string, unknown>;
    body: string;
  }[] = [];
  const url = await listen((req, res) => {
    if (req.url === '/health/ready') {
      res.writeHead(200).end();
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  return { url, received };
}

/** The gateway over real resilient upstreams; `env` sets upstream variables as {@link staticUpstream}. */
async function gateway(users: string[], orders: string[], env: Record<string, string> = {}) {
  const usersUpstream = await staticUpstream('user-service', users, env);
  const ordersUpstream = await staticUpstream('order-service', orders, env);
  upstreams.push(usersUpstream, ordersUpstream);
  const app = createApp({
    logger: silent,
    readiness: new Readiness(),
    chaos: new ChaosController(),
    bodyLimitBytes: 10_000,
    deadlineMs: 5000,
    rateLimit: {
      policy: 'off',
      ratePerSecond: 1,
      burst: 1,
      queueSize: 0,
      apiKeys: new Set(),
      maxClients: 1,
      idleTtlMs: 1,
    },
    upstreams: { users: usersUpstream.client, orders: ordersUpstream.client },
  });
  return listen(app);
}

/** A GET with the path sent byte for byte (fetch would normalise dot segments first). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = httpRequest({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gateway', () => {
  it('forwards /api/users to user-service without the /api prefix, with body, query and request id', async () => {
    const users = await fakeUpstream({
      status: 201,
      body: { id: 'u1' },
      headers: { location: '/users/u1' },
    });
    const orders = await fakeUpstream({ status: 200, body: {} });
    const url = await gateway([users.url], [orders.url]);

    const response = await fetch(`${url}/api/users?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'rid-1' },
      body: JSON.stringify({ name: 'a', email: 'a@b.co' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe('/api/users/u1');
    expect(await response.json()).toEqual({ id: 'u1' });
    expect(users.received).toHaveLength(1);
    expect(users.received[0]).toMatchObject({
      method: 'POST',
      url: '/users?x=1',
      body: '{"name":"a","email":"a@b.co"}',
    });
    expect(users.received[0]?.headers['x-request-id']).toBe('rid-1');
    expect(orders.received).toHaveLength(0);
  });

  it('passes Idempotency-Key to order-service and the service error envelope back unchanged', async () => {
    const envelope = {
      error: { code: 'idempotency_key_reused', message: 'x', requestId: 'r', traceId: null },
    };
    const orders = await fakeUpstream({ status: 409, body: envelope });
    const url = await gateway([orders.url], [orders.url]);
    const response = await fetch(`${url}/api/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' },
      body: JSON.stringify({ userId: 'u', items: [] }),
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual(envelope);
    expect(orders.received[0]?.headers['idempotency-key']).toBe('k1');
  });

  it('answers 503 upstream_unavailable with Retry-After when no instance accepts connections', async () => {
    const closed = await listen(() => undefined);
    servers.pop()?.close();
    const url = await gateway([closed], [closed]);
    const response = await fetch(`${url}/api/users/1`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'upstream_unavailable',
    );
  });

  it('answers every request when one instance refuses connections', async () => {
    const closed = await listen(() => undefined);
    servers.pop()?.close();
    const users = await fakeUpstream({ status: 200, body: { id: 'u1' } });
    // The health checks take the closed instance out of rotation; until they report, an attempt
    // it refuses is sent to the other instance.
    const url = await gateway([closed, users.url], [users.url]);
    for (let i = 0; i < 4; i++) expect((await fetch(`${url}/api/users/u1`)).status).toBe(200);
  });

  it('answers 504 upstream_timeout when the upstream does not answer within the attempt timeout', async () => {
    const hanging = await listen(() => undefined);
    const url = await gateway([hanging], [hanging], { ATTEMPT_TIMEOUT_MS: '200' });
    const response = await fetch(`${url}/api/users/1`);
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'upstream_timeout',
    );
  });

  it.each([
    ['/api/users/%2e', 400],
    ['/api/users/%2E%2e', 400],
    ['/api/orders/%2e%2e', 400],
    ['/API/users', 404],
    ['/api/Users/1', 404],
  ])(
    'GET %s answers %i at the gateway and reaches no upstream under another route',
    async (path, status) => {
      const users = await fakeUpstream({ status: 200, body: { items: [] } });
      const url = await gateway([users.url], [users.url]);

      const response = await rawGet(url, path);

      expect(response.status).toBe(status);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: expect.any(String) } });
      expect(users.received).toHaveLength(0);
    },
  );

  it('an encoded slash stays inside its path segment on the way to the upstream', async () => {
    const users = await fakeUpstream({ status: 404, body: { error: { code: 'not_found' } } });
    const url = await gateway([users.url], [users.url]);

    expect((await rawGet(url, '/api/users/a%2F..%2Fb')).status).toBe(404);
    expect(users.received.map((r) => r.url)).toEqual(['/users/a%2F..%2Fb']);
  });

  it('answers an unknown route itself with 404 and never calls an upstream', async () => {
    const users = await fakeUpstream({ status: 200, body: {} });
    const url = await gateway([users.url], [users.url]);
    const response = await fetch(`${url}/api/payments`);
    expect(response.status).toBe(404);
    expect(users.received).toHaveLength(0);
  });
});
