import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';

interface Envelope {
  error: {
    code: string;
    message: string;
    details?: unknown;
    requestId: string;
    traceId: string | null;
  };
}

describe('the native mesh, walked through the gateway', () => {
  let mesh: RunningMesh;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    mesh = await startMesh();
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  const api = (path: string, init?: RequestInit) => fetch(`${mesh.gateway}/api${path}`, init);
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    api(path, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify(body) });

  async function expectError(
    response: Response,
    status: number,
    code: string,
  ): Promise<Envelope['error']> {
    expect(response.status, `status of ${response.url}`).toBe(status);
    const body = (await response.json()) as Envelope;
    expect(body.error.code).toBe(code);
    expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
    return body.error;
  }

  it('creates a user, an order, replays it idempotently, and reads it enriched', async () => {
    const email = `ada-${Date.now()}@example.com`;
    const created = await post('/users', { name: 'Ada Lovelace', email });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string; name: string; email: string };
    expect(user).toMatchObject({ name: 'Ada Lovelace', email });
    expect(created.headers.get('location')).toBe(`/api/users/${user.id}`);

    const fetched = await api(`/users/${user.id}`);
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual(user);

    const listed = (await (await api('/users?limit=100')).json()) as { items: { id: string }[] };
    expect(listed.items.map((u) => u.id)).toContain(user.id);

    await expectError(await post('/users', { name: 'Copy', email }), 409, 'conflict');

    const order = {
      userId: user.id,
      items: [
        { sku: 'BOOK-1', quantity: 2, unitPrice: 1250 },
        { sku: 'PEN', quantity: 1, unitPrice: 199 },
      ],
    };
    const first = await post('/orders', order, { 'Idempotency-Key': `key-${user.id}` });
    expect(first.status).toBe(201);
    const stored = (await first.json()) as { id: string; total: number; userId: string };
    expect(stored.total).toBe(2 * 1250 + 199);

    const replay = await post('/orders', order, { 'Idempotency-Key': `key-${user.id}` });
    expect(replay.status).toBe(201);
    expect(((await replay.json()) as { id: string }).id).toBe(stored.id);

    await expectError(
      await post(
        '/orders',
        { ...order, items: [{ sku: 'OTHER', quantity: 1, unitPrice: 1 }] },
        { 'Idempotency-Key': `key-${user.id}` },
      ),
      409,
      'idempotency_key_reused',
    );

    const read = await api(`/orders/${stored.id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('x-degraded')).toBeNull();
    expect(await read.json()).toMatchObject({
      id: stored.id,
      total: 2699,
      user: { id: user.id, name: 'Ada Lovelace' },
    });

    const byUser = (await (await api(`/orders?userId=${user.id}`)).json()) as {
      items: { id: string }[];
    };
    expect(byUser.items.map((o) => o.id)).toEqual([stored.id]);
  });

  it('answers an order for an unknown user with 422', async () => {
    await expectError(
      await post('/orders', {
        userId: '00000000-0000-4000-8000-000000000000',
        items: [{ sku: 'A', quantity: 1, unitPrice: 1 }],
      }),
      422,
      'unknown_user',
    );
  });

  it('answers bad input with the right 4xx envelope and never a 5xx', async () => {
    const malformed = await api('/users', { method: 'POST', headers: json, body: '{"name":' });
    await expectError(malformed, 400, 'invalid_json');
    const wrongTypes = await expectError(
      await post('/users', { name: 42, email: true }),
      400,
      'validation_failed',
    );
    expect(JSON.stringify(wrongTypes.details)).toContain('email');
    await expectError(await post('/users', {}), 400, 'validation_failed');
    const unknown = await expectError(
      await post('/users', { name: 'a', email: 'a@b.co', admin: true }),
      400,
      'validation_failed',
    );
    expect(JSON.stringify(unknown.details)).toContain('admin');
    await expectError(
      await post('/users', { name: 'a', email: 'not-an-email' }),
      400,
      'validation_failed',
    );
    await expectError(
      await post('/orders', {
        userId: '00000000-0000-4000-8000-000000000000',
        items: [{ sku: 'A', quantity: 0, unitPrice: 1 }],
      }),
      400,
      'validation_failed',
    );
    await expectError(
      await post('/users', { name: 'x'.repeat(200_000), email: 'a@b.co' }),
      413,
      'payload_too_large',
    );
    await expectError(
      await api('/users', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'hello',
      }),
      415,
      'unsupported_media_type',
    );
    await expectError(await api('/nowhere'), 404, 'route_not_found');
    await expectError(await api('/users/not-a-uuid'), 400, 'validation_failed');
    await expectError(await api('/orders/not-a-uuid'), 400, 'validation_failed');
  });

  it('stops every instance on Ctrl-C and leaves no process behind', async () => {
    const pids = mesh.instances.map((i) => i.pid).filter((pid): pid is number => pid !== null);
    expect(pids).toHaveLength(5);
    expect(pids.every(isAlive)).toBe(true);
    expect(await mesh.stop('SIGINT')).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(isAlive(mesh.launcherPid)).toBe(false);
  });
});
