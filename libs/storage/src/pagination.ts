import { z } from 'zod';

/** Items a list route answers when `limit` is not given. */
export const DEFAULT_PAGE_SIZE = 20;
/** The largest `limit` a list route accepts. */
export const MAX_PAGE_SIZE = 100;

/** One page of a list answer: `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What a repository returns for one page: `next` is the sequence number to continue after, or null at the end. */
export interface KeysetPage<T> {
  items: T[];
  next: number | null;
}

/** Makes the opaque cursor for "everything after sequence number `seq`". */
export function encodeCursor(seq: number): string {
  return Buffer.from(String(seq), 'utf8').toString('base64url');
}

/** The sequence number inside a cursor this service issued, or undefined for anything else. */
export function decodeCursor(cursor: string): number | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,15}$/.test(text)) return undefined;
  const seq = Number(text);
  // Only the canonical spelling is accepted, so one position has exactly one cursor.
  return encodeCursor(seq) === cursor ? seq : undefined;
}

/** The API page of a repository page: its `next` sequence number becomes an opaque cursor. */
export function toPage<T>(page: KeysetPage<T>): Page<T> {
  return { items: page.items, nextCursor: page.next === null ? null : encodeCursor(page.next) };
}

/** The `limit` and `cursor` query parameters, as `{ limit, after }`. */
export const pageQueryShape = {
  limit: z
    .string()
    .regex(/^\d+$/, `must be an integer from 1 to ${MAX_PAGE_SIZE}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(MAX_PAGE_SIZE))
    .default(DEFAULT_PAGE_SIZE),
  cursor: z
    .string()
    .transform((cursor, ctx) => {
      const seq = decodeCursor(cursor);
      if (seq === undefined) {
        ctx.addIssue({ code: 'custom', message: 'not a cursor this service issued' });
        return z.NEVER;
      }
      return seq;
    })
    .optional(),
};
