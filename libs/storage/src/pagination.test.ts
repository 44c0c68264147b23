import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeCursor, encodeCursor, pageQueryShape, toPage } from './pagination';

describe('cursors', () => {
  it.each([0, 1, 42, 9_007_199_254_740])('round-trips sequence number %i', (seq) => {
    expect(decodeCursor(encodeCursor(seq))).toBe(seq);
  });

  it('is opaque: not the number in clear', () => {
    expect(encodeCursor(42)).not.toContain('42');
  });

  it.each([
    ['garbage', 'not-a-cursor!'],
    ['a negative number', Buffer.from('-1').toString('base64url')],
    ['a fraction', Buffer.from('1.5').toString('base64url')],
    ['a non-canonical spelling', Buffer.from('007').toString('base64url')],
    ['an empty string', ''],
    ['padding', `${encodeCursor(1)}=`],
  ])('rejects %s', (_label, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined();
  });

  it('turns a keyset page into an API page', () => {
    expect(toPage({ items: [1, 2], next: 7 })).toEqual({
      items: [1, 2],
      nextCursor: encodeCursor(7),
    });
    expect(toPage({ items: [], next: null })).toEqual({ items: [], nextCursor: null });
  });
});

describe('page query', () => {
  const query = z.strictObject(pageQueryShape);

  it('defaults to 20 items from the start', () => {
    expect(query.parse({})).toEqual({ limit: 20 });
  });

  it('parses a limit and a cursor into a number and a sequence', () => {
    expect(query.parse({ limit: '100', cursor: encodeCursor(5) })).toEqual({
      limit: 100,
      cursor: 5,
    });
  });

  it.each(['0', '101', '-1', '1e1', ' 5'])('rejects limit %j', (limit) => {
    expect(query.safeParse({ limit }).success).toBe(false);
  });
});
