import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { orderTotal } from '../../src/order';
import type { Order, OrderItem } from '../../src/order';
import type { OrderRepository } from '../../src/storage/order-repository';

const ALICE = randomUUID();
const BOB = randomUUID();

function anOrder(userId: string, n: number, items?: OrderItem[]): Order {
  const lines = items ?? [
    { sku: `SKU-${n}`, quantity: n + 1, unitPrice: 250 },
    { sku: 'gift.wrap', quantity: 1, unitPrice: 0 },
  ];
  return {
    id: randomUUID(),
    userId,
    items: lines,
    total: orderTotal(lines),
    createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
  };
}

/**
 * What every {@link OrderRepository} must do, as a suite any implementation runs:
 * `makeRepo` gives a fresh, empty repository for each test.
 */
export function describeOrderRepositoryContract(
  name: string,
  makeRepo: () => Promise<OrderRepository>,
): void {
  describe(`OrderRepository contract: ${name}`, () => {
    let repo: OrderRepository;

    beforeEach(async () => {
      repo = await makeRepo();
    });
    afterEach(async () => {
      await repo.close();
    });

    it('stores an order with its items in their order and finds it by id', async () => {
      const order = anOrder(ALICE, 1, [
        { sku: 'b', quantity: 2, unitPrice: 100 },
        { sku: 'a', quantity: 1, unitPrice: 99_999_999 },
        { sku: 'c', quantity: 10_000, unitPrice: 100_000_000 },
      ]);
      expect(await repo.create(order)).toEqual({ outcome: 'created', order });
      expect(await repo.findById(order.id)).toEqual(order);
    });

    it('answers null for an id it never stored', async () => {
      expect(await repo.findById(randomUUID())).toBeNull();
    });

    it('stores every order created without an idempotency key, even identical ones', async () => {
      const items = [{ sku: 'same', quantity: 1, unitPrice: 5 }];
      await repo.create(anOrder(ALICE, 1, items));
      await repo.create(anOrder(ALICE, 2, items));
      expect((await repo.listByUser(ALICE, { limit: 10 })).items).toHaveLength(2);
    });

    it('replays the first order when a key comes again with the same body hash, storing nothing new', async () => {
      const first = anOrder(ALICE, 1);
      expect(await repo.create(first, { key: 'k-1', requestHash: 'h1' })).toEqual({
        outcome: 'created',
        order: first,
      });
      const retry = anOrder(ALICE, 2);
      expect(await repo.create(retry, { key: 'k-1', requestHash: 'h1' })).toEqual({
        outcome: 'replayed',
        order: first,
      });
      expect(await repo.findById(retry.id)).toBeNull();
      expect((await repo.listByUser(ALICE, { limit: 10 })).items).toEqual([first]);
    });

    it('reports a key reused with another body hash and stores nothing', async () => {
      await repo.create(anOrder(ALICE, 1), { key: 'k-1', requestHash: 'h1' });
      const other = anOrder(ALICE, 2);
      expect(await repo.create(other, { key: 'k-1', requestHash: 'h2' })).toEqual({
        outcome: 'key_reused',
      });
      expect(await repo.findById(other.id)).toBeNull();
    });

    it('finds an order by its idempotency key with the hash it was stored with', async () => {
      const order = anOrder(BOB, 1);
      await repo.create(order, { key: 'bob-key', requestHash: 'hb' });
      expect(await repo.findByIdempotencyKey('bob-key')).toEqual({ order, requestHash: 'hb' });
      expect(await repo.findByIdempotencyKey('unknown-key')).toBeNull();
    });

    it('keeps keys apart: two keys, two orders', async () => {
      await repo.create(anOrder(ALICE, 1), { key: 'k-1', requestHash: 'h' });
      await repo.create(anOrder(ALICE, 2), { key: 'k-2', requestHash: 'h' });
      expect((await repo.listByUser(ALICE, { limit: 10 })).items).toHaveLength(2);
    });

    it('lists nothing, with no next position, for a user without orders', async () => {
      await repo.create(anOrder(ALICE, 1));
      expect(await repo.listByUser(BOB, { limit: 5 })).toEqual({ items: [], next: null });
    });

    it('walks one user’s orders once each, in creation order, page by page, and no one else’s', async () => {
      const alices: Order[] = [];
      for (let i = 0; i < 7; i++) {
        const order = anOrder(ALICE, i);
        alices.push(order);
        await repo.create(order);
        await repo.create(anOrder(BOB, i));
      }
      const seen: Order[] = [];
      let after: number | undefined;
      let next: number | null;
      let pages = 0;
      do {
        const page = await repo.listByUser(ALICE, { limit: 3, after });
        seen.push(...page.items);
        pages++;
        next = page.next;
        after = next ?? undefined;
      } while (next !== null && pages <= 10);
      expect(next).toBeNull();
      expect(seen).toEqual(alices);
      expect(pages).toBe(3);
    });

    it('reports no next position when the last page is exactly full', async () => {
      for (let i = 0; i < 4; i++) await repo.create(anOrder(ALICE, i));
      const first = await repo.listByUser(ALICE, { limit: 2 });
      const second = await repo.listByUser(ALICE, { limit: 2, after: first.next ?? undefined });
      expect(second.items).toHaveLength(2);
      expect(second.next).toBeNull();
    });

    it('stores one order when ten creates with one key race, and answers each with it', async () => {
      const attempts = Array.from({ length: 10 }, (_, i) => anOrder(ALICE, i));
      const results = await Promise.all(
        attempts.map((order) => repo.create(order, { key: 'raced', requestHash: 'h' })),
      );
      const created = results.filter((r) => r.outcome === 'created');
      expect(created).toHaveLength(1);
      const winner = (created[0] as { order: Order }).order;
      expect(results.filter((r) => r.outcome === 'replayed')).toHaveLength(9);
      expect(new Set(results.map((r) => (r as { order: Order }).order.id))).toEqual(
        new Set([winner.id]),
      );
      expect((await repo.listByUser(ALICE, { limit: 20 })).items).toEqual([winner]);
    });

    it('forgets the keys stored before the cut-off and keeps their orders; a forgotten key stores anew', async () => {
      const old = anOrder(ALICE, 1);
      const recent = anOrder(ALICE, 30);
      await repo.create(old, { key: 'old', requestHash: 'h' });
      await repo.create(recent, { key: 'recent', requestHash: 'h' });

      const cutOff = new Date(Date.UTC(2025, 0, 1, 0, 0, 10));
      expect(await repo.deleteExpiredIdempotencyKeys(cutOff, 100)).toBe(1);
      expect(await repo.findByIdempotencyKey('old')).toBeNull();
      expect(await repo.findById(old.id)).toEqual(old);
      expect(await repo.findByIdempotencyKey('recent')).toEqual({
        order: recent,
        requestHash: 'h',
      });

      const again = anOrder(ALICE, 40);
      expect(await repo.create(again, { key: 'old', requestHash: 'other' })).toEqual({
        outcome: 'created',
        order: again,
      });
      expect(await repo.deleteExpiredIdempotencyKeys(cutOff, 100)).toBe(0);
    });

    it('forgets at most the given number of keys a call, the oldest first', async () => {
      for (let i = 0; i < 5; i++)
        await repo.create(anOrder(BOB, i), { key: `k-${i}`, requestHash: 'h' });
      const cutOff = new Date(Date.UTC(2025, 0, 2));
      expect(await repo.deleteExpiredIdempotencyKeys(cutOff, 2)).toBe(2);
      expect(await repo.findByIdempotencyKey('k-0')).toBeNull();
      expect(await repo.findByIdempotencyKey('k-1')).toBeNull();
      expect(await repo.findByIdempotencyKey('k-2')).not.toBeNull();
      expect(await repo.deleteExpiredIdempotencyKeys(cutOff, 2)).toBe(2);
      expect(await repo.deleteExpiredIdempotencyKeys(cutOff, 2)).toBe(1);
      expect(await repo.deleteExpiredIdempotencyKeys(cutOff, 2)).toBe(0);
    });

    it('answers a ping while open', async () => {
      expect(await repo.ping()).toBe(true);
    });
  });
}
