import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isDatabaseUnavailableError } from '@mesh/storage';
import type { PostgresOptions } from '@mesh/storage';
import { requirePostgres, startPostgres } from '@mesh/testing';
import type { PostgresServer } from '@mesh/testing';
import { describeOrderRepositoryContract } from '../../test/contracts/order-repository-contract';
import type { Order } from '../order';
import type { CreateOrderResult } from './order-repository';
import { PgOrderRepository } from './pg-order-repository';

function anOrder(userId = randomUUID()): Order {
  return {
    id: randomUUID(),
    userId,
    items: [
      { sku: 'A-1', quantity: 3, unitPrice: 199 },
      { sku: 'B-2', quantity: 1, unitPrice: 5 },
    ],
    total: 602,
    createdAt: new Date().toISOString(),
  };
}

describe.skipIf(requirePostgres() === undefined)('on a real PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  });

  /** Every repository gets a schema of its own: an empty store without a new database. */
  const options = (overrides: Partial<PostgresOptions> = {}): PostgresOptions => ({
    url: server.url,
    schema: `orders_${randomBytes(6).toString('hex')}`,
    ...overrides,
  });
  /** Counts rows on a connection of its own (a test stops the server under the pools). */
  async function count(sql: string): Promise<number> {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      return Number(
        (await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`)).rows[0]?.n,
      );
    } finally {
      await client.end();
    }
  }

  describeOrderRepositoryContract('PostgreSQL', () => PgOrderRepository.open(options()));

  describe('PgOrderRepository', () => {
    it('stores one order when 20 creates with one key race over two instances (two pools)', async () => {
      const shared = options();
      const instances = await Promise.all([
        PgOrderRepository.open(shared),
        PgOrderRepository.open(shared),
      ]);
      try {
        const userId = randomUUID();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (instances[i % 2] as PgOrderRepository).create(anOrder(userId), {
              key: 'one-key',
              requestHash: 'h',
            }),
          ),
        );
        const ids = new Set(results.map((r) => (r as { order: Order }).order.id));
        expect(ids.size).toBe(1);
        expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
        expect(await count(`${shared.schema}.orders WHERE user_id = '${userId}'`)).toBe(1);
        expect(await count(`${shared.schema}.order_items`)).toBe(2);
        expect(await count(`${shared.schema}.idempotency_keys`)).toBe(1);
      } finally {
        await Promise.all(instances.map((repo) => repo.close()));
      }
    });

    it('answers the other instance’s create of the same key with another body as a reuse', async () => {
      const shared = options();
      const [a, b] = await Promise.all([
        PgOrderRepository.open(shared),
        PgOrderRepository.open(shared),
      ]);
      try {
        await a.create(anOrder(), { key: 'k', requestHash: 'first' });
        const other = anOrder();
        expect(await b.create(other, { key: 'k', requestHash: 'second' })).toEqual({
          outcome: 'key_reused',
        });
        expect(await b.findById(other.id)).toBeNull();
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('leaves nothing behind when a create fails half-way: no key, no order, no item', async () => {
      const shared = options();
      const repo = await PgOrderRepository.open(shared);
      try {
        // The key and the order row are written before the second item breaks a CHECK.
        const order = {
          ...anOrder(),
          items: [
            { sku: 'ok', quantity: 1, unitPrice: 1 },
            { sku: 'bad', quantity: 0, unitPrice: 1 },
          ],
        };
        await expect(repo.create(order, { key: 'half', requestHash: 'h' })).rejects.toThrow(
          /check constraint/,
        );
        expect(await count(`${shared.schema}.idempotency_keys`)).toBe(0);
        expect(await count(`${shared.schema}.orders`)).toBe(0);
        expect(await count(`${shared.schema}.order_items`)).toBe(0);
        // The connection went back to the pool usable.
        const next = anOrder();
        expect(await repo.create(next, { key: 'half', requestHash: 'h' })).toEqual({
          outcome: 'created',
          order: next,
        });
      } finally {
        await repo.close();
      }
    });

    it('keeps an order total above 2^31 exact', async () => {
      const repo = await PgOrderRepository.open(options());
      try {
        const items = Array.from({ length: 100 }, (_, i) => ({
          sku: `S${i}`,
          quantity: 10_000,
          unitPrice: 100_000_000,
        }));
        const order = { ...anOrder(), items, total: 100 * 10_000 * 100_000_000 };
        await repo.create(order);
        expect((await repo.findById(order.id))?.total).toBe(100_000_000_000_000);
      } finally {
        await repo.close();
      }
    });

    it(
      'while the server is down, creates reject as database unavailable and store nothing; ' +
        'once it is back the same repository stores again',
      { timeout: 60_000 },
      async () => {
        const shared = options();
        const onIdleClientError = vi.fn();
        const repo = await PgOrderRepository.open({ ...shared, onIdleClientError });
        try {
          const before = anOrder();
          await repo.create(before, { key: 'before', requestHash: 'h' });
          await server.stop();
          let during: CreateOrderResult | unknown;
          try {
            during = await repo
              .create(anOrder(), { key: 'during', requestHash: 'h' })
              .catch((e: unknown) => e);
            await expect(repo.ping()).rejects.toSatisfy(isDatabaseUnavailableError);
          } finally {
            await server.start();
          }
          expect(isDatabaseUnavailableError(during)).toBe(true);
          expect(onIdleClientError).toHaveBeenCalled();
          expect(await repo.ping()).toBe(true);
          expect(await repo.findByIdempotencyKey('during')).toBeNull();
          expect(await count(`${shared.schema}.orders`)).toBe(1);
          const after = anOrder();
          expect(await repo.create(after, { key: 'during', requestHash: 'h' })).toEqual({
            outcome: 'created',
            order: after,
          });
        } finally {
          await repo.close();
        }
      },
    );

    it('once closed, rejects calls as database unavailable', async () => {
      const repo = await PgOrderRepository.open(options());
      await repo.close();
      await expect(repo.create(anOrder())).rejects.toSatisfy(isDatabaseUnavailableError);
      await expect(repo.ping()).rejects.toSatisfy(isDatabaseUnavailableError);
    });
  });
});
