import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createOrderSchema, orderTotal, requestHash } from './order';

const userId = randomUUID();

describe('orderTotal', () => {
  it('sums quantity × unit price in minor units', () => {
    expect(
      orderTotal([
        { sku: 'a', quantity: 3, unitPrice: 199 },
        { sku: 'b', quantity: 1, unitPrice: 0 },
        { sku: 'c', quantity: 2, unitPrice: 1_000 },
      ]),
    ).toBe(2_597);
  });

  it('stays exact at the largest order the schema allows', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({
      sku: `s${i}`,
      quantity: 10_000,
      unitPrice: 100_000_000,
    }));
    expect(orderTotal(items)).toBe(100_000_000_000_000);
    expect(Number.isSafeInteger(orderTotal(items))).toBe(true);
  });
});

describe('requestHash', () => {
  const body = { userId, items: [{ sku: 'a', quantity: 1, unitPrice: 5 }] };

  it('is the same for the same order written with another key order or user id case', () => {
    const reordered = createOrderSchema.parse({
      items: [{ unitPrice: 5, quantity: 1, sku: 'a' }],
      userId: userId.toUpperCase(),
    });
    expect(requestHash(reordered)).toBe(requestHash(createOrderSchema.parse(body)));
  });

  it('differs when any value differs', () => {
    const base = requestHash(createOrderSchema.parse(body));
    expect(
      requestHash(
        createOrderSchema.parse({ ...body, items: [{ sku: 'a', quantity: 2, unitPrice: 5 }] }),
      ),
    ).not.toBe(base);
    expect(requestHash(createOrderSchema.parse({ ...body, userId: randomUUID() }))).not.toBe(base);
  });
});
