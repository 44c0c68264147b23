import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailableError } from '@mesh/storage';
import { describeOrderRepositoryContract } from '../../test/contracts/order-repository-contract';
import type { Order } from '../order';
import { SqliteOrderRepository } from './sqlite-order-repository';

const dir = mkdtempSync(join(tmpdir(), 'order-repo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const freshPath = () => join(dir, `${randomUUID()}.db`);

describeOrderRepositoryContract('SQLite file', async () =>
  SqliteOrderRepository.open({ path: freshPath() }),
);

function anOrder(): Order {
  return {
    id: randomUUID(),
    userId: randomUUID(),
    items: [{ sku: 'A-1', quantity: 3, unitPrice: 199 }],
    total: 597,
    createdAt: new Date().toISOString(),
  };
}

describe('SqliteOrderRepository', () => {
  it('creates the parent directory and opens the file in WAL mode', async () => {
    const path = join(dir, 'nested', 'orders.db');
    await SqliteOrderRepository.open({ path }).close();
    expect(existsSync(path)).toBe(true);
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('two repositories on one file (two connections) see each other’s orders', async () => {
    const path = freshPath();
    const a = SqliteOrderRepository.open({ path });
    const b = SqliteOrderRepository.open({ path });
    try {
      const fromA = anOrder();
      await a.create(fromA);
      expect(await b.findById(fromA.id)).toEqual(fromA);
      const fromB = { ...anOrder(), userId: fromA.userId };
      await b.create(fromB);
      expect((await a.listByUser(fromA.userId, { limit: 10 })).items).toEqual([fromA, fromB]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('one idempotency key across two connections stores one order and replays it on the other', async () => {
    const path = freshPath();
    const a = SqliteOrderRepository.open({ path });
    const b = SqliteOrderRepository.open({ path });
    try {
      const first = anOrder();
      const second = { ...anOrder(), userId: first.userId };
      const results = await Promise.all([
        a.create(first, { key: 'shared', requestHash: 'h' }),
        b.create(second, { key: 'shared', requestHash: 'h' }),
      ]);
      expect(results).toEqual([
        { outcome: 'created', order: first },
        { outcome: 'replayed', order: first },
      ]);
      expect((await b.listByUser(first.userId, { limit: 10 })).items).toEqual([first]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('stores no order row when an item row fails (one transaction)', async () => {
    const repo = SqliteOrderRepository.open({ path: freshPath() });
    const order = { ...anOrder(), items: [{ sku: 'A', quantity: 0, unitPrice: 1 }] };
    await expect(repo.create(order)).rejects.toThrow(/CHECK constraint/);
    expect(await repo.findById(order.id)).toBeNull();
    await repo.close();
  });

  it('once closed, rejects calls as database unavailable', async () => {
    const repo = SqliteOrderRepository.open({ path: freshPath() });
    await repo.close();
    await expect(repo.findById(randomUUID())).rejects.toSatisfy(isDatabaseUnavailableError);
    await expect(repo.ping()).rejects.toSatisfy(isDatabaseUnavailableError);
  });
});
