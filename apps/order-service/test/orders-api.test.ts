import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ChaosController, Readiness } from '@mesh/service-kit';
import {
  detailFields,
  expectError,
  listen,
  staticUpstream,
  testLogger,
} from '@mesh/service-kit/testing';
import type { TestServer } from '@mesh/service-kit/testing';
import { createApp } from '../src/app';
import type { Order } from '../src/order';
import { SqliteOrderRepository } from '../src/storage/sqlite-order-repository';
import { HttpUserDirectory } from '../src/users/http-user-directory';
import { deadUrl, startFakeUserService } from './support/fake-user-service';
import type { FakeUser, FakeUserService } from './support/fake-user-service';

const BODY_LIMIT_BYTES = 8192;
/** Short, so the "user-service hangs" cases end quickly; no test asserts a duration. */
const USER_SERVICE_TIMEOUT_MS = 300;

const dir = mkdtempSync(join(tmpdir(), 'order-api-'));
let fake: FakeUserService;
const ada: FakeUser = { id: randomUUID(), name: 'Ada Lovelace', email: 'ada@example.com' };
const alan: FakeUser = { id: randomUUID(), name: 'Alan Turing', email: 'alan@example.com' };

interface OrderService {
  url: string;
  orders: SqliteOrderRepository;
  logs: ReturnType<typeof testLogger>;
  close(): Promise<void>;
}

/** order-service through `createApp` on a real port, on a fresh SQLite file, calling user-service at `userServiceUrls`. */
async function startOrderService(userServiceUrls: string[]): Promise<OrderService> {
  const orders = SqliteOrderRepository.open({ path: join(dir, `${randomUUID()}.db`) });
  const userService = await staticUpstream('user-service', userServiceUrls, {
    ATTEMPT_TIMEOUT_MS: String(USER_SERVICE_TIMEOUT_MS),
  });
  const users = new HttpUserDirectory(userService.client);
  const logs = testLogger();
  const app = createApp({
    logger: logs.logger,
    readiness: new Readiness(),
    chaos: new ChaosController(),
    bodyLimitBytes: BODY_LIMIT_BYTES,
    orders,
    users,
  });
  const server: TestServer = await listen(app);
  return {
    url: server.url,
    orders,
    logs,
    close: async () => {
      await server.close();
      await userService.close();
      await orders.close();
    },
  };
}

let service: OrderService;

beforeAll(async () => {
  fake = await startFakeUserService();
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  fake.mode = 'normal';
  fake.users = new Map([
    [ada.id, ada],
    [alan.id, alan],
  ]);
  fake.requests.length = 0;
  service = await startOrderService([fake.url]);
});
afterEach(async () => {
  await service.close();
});

function postOrder(
  body: unknown,
  headers: Record<string, string> = {},
  target = service,
): Promise<Response> {
  return fetch(`${target.url}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${service.url}${path}`, { headers });

const twoLines = (userId = ada.id) => ({
  userId,
  items: [
    { sku: 'BOOK-001', quantity: 2, unitPrice: 1_999 },
    { sku: 'pen.blue_2', quantity: 3, unitPrice: 150 },
  ],
});

async function createOrder(
  body = twoLines(),
  headers: Record<string, string> = {},
): Promise<Order> {
  const response = await postOrder(body, headers);
  expect(response.status).toBe(201);
  return (await response.json()) as Order;
}

async function storedOrders(userId = ada.id): Promise<Order[]> {
  return (await service.orders.listByUser(userId, { limit: 100 })).items;
}

describe('POST /orders', () => {
  it('creates the order: 201, Location, total computed in minor units, user checked with the request id', async () => {
    const response = await postOrder(twoLines(), { 'x-request-id': 'req-create-1' });
    expect(response.status).toBe(201);
    const order = (await response.json()) as Order;
    expect(order).toEqual({
      id: expect.stringMatching(/^[\da-f-]{36}$/),
      userId: ada.id,
      items: twoLines().items,
      total: 2 * 1_999 + 3 * 150,
      createdAt: expect.any(String),
    });
    expect(response.headers.get('location')).toBe(`/orders/${order.id}`);
    expect(response.headers.get('idempotent-replayed')).toBeNull();
    expect(fake.requests).toEqual([
      { method: 'GET', path: `/users/${ada.id}`, requestId: 'req-create-1' },
    ]);
    expect(await storedOrders()).toEqual([order]);
  });

  it('answers 422 unknown_user when user-service does not know the user, and stores nothing', async () => {
    const stranger = randomUUID();
    const body = await expectError(await postOrder(twoLines(stranger)), 422, 'unknown_user');
    expect(detailFields(body)).toEqual(['userId']);
    expect(await storedOrders(stranger)).toEqual([]);
  });

  it.each([
    ['answers 500', 'fail'],
    ['hangs past the timeout', 'hang'],
  ] as const)(
    'when user-service %s: 503 upstream_unavailable with Retry-After, nothing stored',
    async (_label, mode) => {
      fake.mode = mode;
      const response = await postOrder(twoLines());
      expect(response.headers.get('retry-after')).toBe('1');
      await expectError(response, 503, 'upstream_unavailable');
      expect(await storedOrders()).toEqual([]);
    },
  );

  it('when user-service is down (connection refused): 503 upstream_unavailable with Retry-After, nothing stored', async () => {
    const cutOff = await startOrderService([await deadUrl()]);
    try {
      const response = await postOrder(twoLines(), {}, cutOff);
      expect(response.headers.get('retry-after')).toBe('1');
      await expectError(response, 503, 'upstream_unavailable');
      expect((await cutOff.orders.listByUser(ada.id, { limit: 10 })).items).toEqual([]);
    } finally {
      await cutOff.close();
    }
  });
});

describe('Idempotency-Key', () => {
  it('the same key and body again answers the first order, marked as replayed, and stores one', async () => {
    const first = await createOrder(twoLines(), { 'idempotency-key': 'checkout-7' });
    // The same order written differently (key order, user id case) is the same request.
    const sameOrder = { items: twoLines().items, userId: ada.id.toUpperCase() };
    const again = await postOrder(sameOrder, { 'idempotency-key': 'checkout-7' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(first);
    expect(await storedOrders()).toEqual([first]);
  });

  it('a replay is answered from storage even while user-service is down', async () => {
    const first = await createOrder(twoLines(), { 'idempotency-key': 'checkout-8' });
    fake.mode = 'fail';
    const again = await postOrder(twoLines(), { 'idempotency-key': 'checkout-8' });
    expect(again.status).toBe(201);
    expect(((await again.json()) as Order).id).toBe(first.id);
  });

  it('the same key with another body answers 409 idempotency_key_reused and stores nothing more', async () => {
    const first = await createOrder(twoLines(), { 'idempotency-key': 'checkout-9' });
    const other = { ...twoLines(), items: [{ sku: 'BOOK-001', quantity: 5, unitPrice: 1_999 }] };
    await expectError(
      await postOrder(other, { 'idempotency-key': 'checkout-9' }),
      409,
      'idempotency_key_reused',
    );
    expect(await storedOrders()).toEqual([first]);
  });

  it('20 identical POSTs in parallel with one key create exactly one order', async () => {
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        postOrder(twoLines(), { 'idempotency-key': 'double-click' }),
      ),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Order[];
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    const ids = new Set(bodies.map((order) => order.id));
    expect(ids.size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(
      19,
    );
    expect((await storedOrders()).map((order) => order.id)).toEqual([...ids]);
  });

  it.each([
    ['empty', ''],
    ['longer than 200 characters', 'k'.repeat(201)],
    ['not printable ASCII', 'clé'],
  ])(
    'a key that is %s → 400 naming the header, nothing asked, nothing stored',
    async (_label, key) => {
      const body = await expectError(
        await postOrder(twoLines(), { 'idempotency-key': key }),
        400,
        'validation_failed',
      );
      expect(detailFields(body)).toEqual(['idempotency-key']);
      expect(fake.requests).toEqual([]);
      expect(await storedOrders()).toEqual([]);
    },
  );
});

describe('GET /orders/:id', () => {
  it('answers the order with its user from user-service, forwarding the request id', async () => {
    const order = await createOrder();
    fake.requests.length = 0;
    const response = await get(`/orders/${order.id}`, { 'x-request-id': 'req-read-1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-degraded')).toBeNull();
    expect(await response.json()).toEqual({
      ...order,
      user: { id: ada.id, name: ada.name, email: ada.email },
    });
    expect(fake.requests).toEqual([
      { method: 'GET', path: `/users/${ada.id}`, requestId: 'req-read-1' },
    ]);
  });

  it.each([
    ['answers 500', 'fail'],
    ['hangs past the timeout', 'hang'],
    ['answers nonsense', 'garbage'],
  ] as const)(
    'when user-service %s, still answers 200 with a fallback user and X-Degraded',
    async (_label, mode) => {
      const order = await createOrder();
      fake.mode = mode;
      const response = await get(`/orders/${order.id}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-degraded')).toBe('user-service');
      expect(await response.json()).toEqual({
        ...order,
        user: { id: ada.id, name: 'unknown', fallback: true },
      });
    },
  );

  it('when user-service is down, still answers 200 with a fallback user and X-Degraded', async () => {
    const order = await createOrder();
    await service.orders.close();
    const cutOff = await startOrderService([await deadUrl()]);
    try {
      await cutOff.orders.create(order);
      const response = await fetch(`${cutOff.url}/orders/${order.id}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-degraded')).toBe('user-service');
      expect(((await response.json()) as { user: unknown }).user).toEqual({
        id: ada.id,
        name: 'unknown',
        fallback: true,
      });
    } finally {
      await cutOff.close();
    }
  });

  it('answers user null, not degraded, when the user no longer exists', async () => {
    const order = await createOrder();
    fake.users.delete(ada.id);
    const response = await get(`/orders/${order.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-degraded')).toBeNull();
    expect(await response.json()).toEqual({ ...order, user: null });
  });

  it('answers 404 not_found for an unknown order without asking user-service', async () => {
    await expectError(await get(`/orders/${randomUUID()}`), 404, 'not_found');
    expect(fake.requests).toEqual([]);
  });

  it('answers 400 naming the id when it is not a UUID', async () => {
    const body = await expectError(await get('/orders/42'), 400, 'validation_failed');
    expect(detailFields(body)).toEqual(['id']);
  });
});

describe('GET /orders?userId=', () => {
  it('walks one user’s orders exactly once through the cursors, without enrichment', async () => {
    const adas: string[] = [];
    for (let i = 0; i < 12; i++) {
      adas.push((await createOrder()).id);
      await createOrder(twoLines(alan.id));
    }
    fake.requests.length = 0;
    const seen: Order[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get(
        `/orders?userId=${ada.id}&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: Order[]; nextCursor: string | null };
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages <= 10);

    expect(cursor).toBeNull();
    expect(pages).toBe(3);
    expect(seen.map((order) => order.id)).toEqual(adas);
    expect(seen.every((order) => !('user' in order))).toBe(true);
    expect(fake.requests).toEqual([]);
  });

  it.each([
    ['', 'userId'],
    ['userId=nope', 'userId'],
    [`userId=${randomUUID()}&limit=0`, 'limit'],
    [`userId=${randomUUID()}&limit=101`, 'limit'],
    [`userId=${randomUUID()}&cursor=%%%`, 'cursor'],
    [`userId=${randomUUID()}&cursor=abc`, 'cursor'],
    [`userId=${randomUUID()}&status=open`, 'status'],
  ])('answers 400 for the query "%s", naming %s', async (query, field) => {
    const body = await expectError(await get(`/orders?${query}`), 400, 'validation_failed');
    expect(detailFields(body)).toEqual([field]);
  });
});

describe('bad input is answered with a 4xx envelope, never a 5xx, and never reaches user-service', () => {
  const item = { sku: 'BOOK-001', quantity: 1, unitPrice: 100 };

  it('malformed JSON → 400 invalid_json', async () => {
    await expectError(await postOrder('{"userId": '), 400, 'invalid_json');
  });

  it.each([
    ['missing fields', {}, ['items', 'userId']],
    ['wrong types', { userId: 7, items: 'BOOK-001' }, ['items', 'userId']],
    ['a userId that is not a UUID', { userId: 'ada', items: [item] }, ['userId']],
    ['no items', { userId: ada.id, items: [] }, ['items']],
    ['101 items', { userId: ada.id, items: Array(101).fill(item) }, ['items']],
    ['unknown fields at the top', { userId: ada.id, items: [item], coupon: 'FREE' }, ['coupon']],
    [
      'unknown fields in an item',
      { userId: ada.id, items: [{ ...item, discount: 5 }] },
      ['items.0.discount'],
    ],
    [
      'a quantity of 0',
      { userId: ada.id, items: [{ ...item, quantity: 0 }] },
      ['items.0.quantity'],
    ],
    [
      'a negative quantity',
      { userId: ada.id, items: [item, { ...item, quantity: -1 }] },
      ['items.1.quantity'],
    ],
    [
      'a fractional quantity',
      { userId: ada.id, items: [{ ...item, quantity: 1.5 }] },
      ['items.0.quantity'],
    ],
    [
      'a quantity over 10000',
      { userId: ada.id, items: [{ ...item, quantity: 10_001 }] },
      ['items.0.quantity'],
    ],
    [
      'a float price',
      { userId: ada.id, items: [{ ...item, unitPrice: 9.99 }] },
      ['items.0.unitPrice'],
    ],
    [
      'a price as a string',
      { userId: ada.id, items: [{ ...item, unitPrice: '100' }] },
      ['items.0.unitPrice'],
    ],
    [
      'a negative price',
      { userId: ada.id, items: [{ ...item, unitPrice: -1 }] },
      ['items.0.unitPrice'],
    ],
    [
      'a price over the maximum',
      { userId: ada.id, items: [{ ...item, unitPrice: 100_000_001 }] },
      ['items.0.unitPrice'],
    ],
    ['an empty sku', { userId: ada.id, items: [{ ...item, sku: '' }] }, ['items.0.sku']],
    [
      'a sku with a space',
      { userId: ada.id, items: [{ ...item, sku: 'BOOK 001' }] },
      ['items.0.sku'],
    ],
    [
      'a 65-character sku',
      { userId: ada.id, items: [{ ...item, sku: 'S'.repeat(65) }] },
      ['items.0.sku'],
    ],
  ])('%s → 400 validation_failed naming each bad field', async (_label, body, fields) => {
    const answer = await expectError(await postOrder(body), 400, 'validation_failed');
    expect([...new Set(detailFields(answer))].sort()).toEqual(fields);
  });

  it('a body over the limit → 413 payload_too_large', async () => {
    const body = { userId: ada.id, items: [item], note: 'x'.repeat(BODY_LIMIT_BYTES) };
    await expectError(await postOrder(body), 413, 'payload_too_large');
  });

  it('a body that is not JSON → 415 unsupported_media_type', async () => {
    await expectError(
      await postOrder(`userId=${ada.id}`, { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    );
  });

  it('an unknown route → 404 route_not_found', async () => {
    await expectError(
      await fetch(`${service.url}/orders/${randomUUID()}`, { method: 'PUT' }),
      404,
      'route_not_found',
    );
    await expectError(await get('/api/orders'), 404, 'route_not_found');
  });

  afterEach(async () => {
    expect(fake.requests).toEqual([]);
    expect(await storedOrders()).toEqual([]);
    expect(service.logs.lines().filter((line) => line['log.level'] === 'error')).toEqual([]);
  });
});
