import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, isDatabaseUnavailableError } from './database-unavailable-error';

describe('DatabaseUnavailableError', () => {
  it('carries the stable code, a one-second retry hint and its cause', () => {
    const cause = new Error('connect ECONNREFUSED');
    const error = new DatabaseUnavailableError('database unreachable', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'DatabaseUnavailableError',
      code: 'database_unavailable',
      retryAfterMs: 1000,
      message: 'database unreachable',
      cause,
    });
  });

  it('is recognised by its guard, and nothing else is', () => {
    expect(isDatabaseUnavailableError(new DatabaseUnavailableError('down'))).toBe(true);
    expect(isDatabaseUnavailableError(new Error('down'))).toBe(false);
    expect(isDatabaseUnavailableError({ code: 'database_unavailable' })).toBe(false);
    expect(isDatabaseUnavailableError(undefined)).toBe(false);
  });
});
