import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '@mesh/service-kit';
import { parseIdempotencyKey } from './idempotency-key';

describe('parseIdempotencyKey', () => {
  it('is undefined when the header is absent', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it.each(['a', 'order-2025-01-01/retry #1', 'x'.repeat(200)])('accepts %j', (key) => {
    expect(parseIdempotencyKey(key)).toBe(key);
  });

  it.each([
    ['empty', ''],
    ['201 characters', 'x'.repeat(201)],
    ['non-ASCII', 'café'],
    ['a control character', 'a\tb'],
  ])('rejects a key that is %s with a 400 naming the header', (_label, key) => {
    let error: unknown;
    try {
      parseIdempotencyKey(key);
    } catch (e) {
      error = e;
    }
    expect(hasErrorCode(error, 'validation_failed')).toBe(true);
    expect((error as { details: unknown }).details).toEqual([
      { field: 'idempotency-key', message: expect.any(String) },
    ]);
  });
});
