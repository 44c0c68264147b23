import { validationError } from '@mesh/service-kit';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x20-\x7e]{1,200}$/;

/**
 * The `Idempotency-Key` header: undefined when absent, else 1..200 printable ASCII characters,
 * or a 400 naming the header.
 */
export function parseIdempotencyKey(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!KEY_PATTERN.test(value)) {
    throw validationError([
      { field: IDEMPOTENCY_KEY_HEADER, message: 'must be 1 to 200 printable ASCII characters' },
    ]);
  }
  return value;
}
