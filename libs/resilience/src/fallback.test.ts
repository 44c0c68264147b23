import { describe, expect, it, vi } from 'vitest';
import { BrokenCircuitError } from './errors';
import { withFallback } from './fallback';

describe('withFallback', () => {
  it('returns the result when the operation succeeds, without calling the fallback', async () => {
    const fallback = vi.fn(() => 'degraded');
    await expect(withFallback(async () => 'fresh', fallback)).resolves.toBe('fresh');
    expect(fallback).not.toHaveBeenCalled();
  });

  it('returns the fallback value, built from the error, when the operation fails', async () => {
    const error = new BrokenCircuitError({ retryAfterMs: 100, upstream: 'user-service' });
    const user = await withFallback(
      () => Promise.reject(error),
      (e) => ({
        id: '42',
        name: 'unknown',
        fallback: true,
        reason: (e as BrokenCircuitError).code,
      }),
    );
    expect(user).toEqual({ id: '42', name: 'unknown', fallback: true, reason: 'circuit_open' });
  });

  it('lets errors through that shouldFallback refuses', async () => {
    const notFound = Object.assign(new Error('user 42 not found'), { status: 404 });
    const fallback = vi.fn(() => 'degraded');
    await expect(
      withFallback(() => Promise.reject(notFound), fallback, {
        shouldFallback: (e) => (e as { status?: number }).status !== 404,
      }),
    ).rejects.toBe(notFound);
    expect(fallback).not.toHaveBeenCalled();
  });

  it('accepts an async fallback and propagates its failure', async () => {
    await expect(
      withFallback(
        () => Promise.reject(new Error('down')),
        async () => 'from cache',
      ),
    ).resolves.toBe('from cache');
    await expect(
      withFallback(
        () => Promise.reject(new Error('down')),
        () => Promise.reject(new Error('cache empty')),
      ),
    ).rejects.toThrow('cache empty');
  });
});
