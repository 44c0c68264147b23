import { describe, expect, it } from 'vitest';
import {
  AttemptTimeoutError,
  BrokenCircuitError,
  BulkheadRejectedError,
  DeadlineExceededError,
  isAttemptTimeoutError,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isDeadlineExceededError,
  isNoHealthyUpstreamError,
  isRateLimitedError,
  isResilienceError,
  isThrottledError,
  NoHealthyUpstreamError,
  RateLimitedError,
  ResilienceError,
  retryAfterOf,
  ThrottledError,
} from './errors';

const cases = [
  {
    error: new BrokenCircuitError({ retryAfterMs: 1200, upstream: 'user-service' }),
    code: 'circuit_open',
    guard: isBrokenCircuitError,
  },
  {
    error: new BulkheadRejectedError({ maxConcurrent: 4, maxQueue: 2 }),
    code: 'bulkhead_full',
    guard: isBulkheadRejectedError,
  },
  { error: new DeadlineExceededError(), code: 'deadline_exceeded', guard: isDeadlineExceededError },
  {
    error: new NoHealthyUpstreamError({ retryAfterMs: 500, upstream: 'order-service' }),
    code: 'no_healthy_upstream',
    guard: isNoHealthyUpstreamError,
  },
  {
    error: new AttemptTimeoutError({ timeoutMs: 250 }),
    code: 'upstream_timeout',
    guard: isAttemptTimeoutError,
  },
  {
    error: new ThrottledError({ rejectProbability: 0.4 }),
    code: 'throttled',
    guard: isThrottledError,
  },
  {
    error: new RateLimitedError({ retryAfterMs: 100 }),
    code: 'rate_limited',
    guard: isRateLimitedError,
  },
] as const;

describe('resilience errors', () => {
  it.each(cases)('$code: stable code, own name, is an Error and a ResilienceError', (c) => {
    expect(c.error.code).toBe(c.code);
    expect(c.error.name).toBe(c.error.constructor.name);
    expect(c.error).toBeInstanceOf(Error);
    expect(isResilienceError(c.error)).toBe(true);
    expect(c.error.message.length).toBeGreaterThan(0);
  });

  it.each(cases)('$code: its guard accepts it and rejects every other kind', (c) => {
    for (const other of cases) {
      expect(c.guard(other.error)).toBe(other === c);
    }
  });

  it('guards reject non-errors and foreign errors', () => {
    for (const value of [
      undefined,
      null,
      'circuit_open',
      { code: 'circuit_open' },
      new Error('x'),
    ]) {
      expect(isResilienceError(value)).toBe(false);
      for (const c of cases) expect(c.guard(value)).toBe(false);
    }
  });

  it('keeps the cause and the upstream', () => {
    const cause = new Error('socket hang up');
    const error = new AttemptTimeoutError({ timeoutMs: 100, upstream: 'user-service', cause });
    expect(error.cause).toBe(cause);
    expect(error.upstream).toBe('user-service');
    expect(error.message).toContain('user-service');
    expect(new DeadlineExceededError().cause).toBeUndefined();
  });

  it('carries retry-after hints that retryAfterOf reads', () => {
    expect(new BrokenCircuitError({ retryAfterMs: 1200 }).retryAfterMs).toBe(1200);
    expect(retryAfterOf(new BrokenCircuitError({ retryAfterMs: 1200 }))).toBe(1200);
    expect(retryAfterOf(new NoHealthyUpstreamError({ retryAfterMs: 7 }))).toBe(7);
    expect(retryAfterOf({ retryAfterMs: 30 })).toBe(30);
    expect(retryAfterOf({ retryAfterMs: -1 })).toBeUndefined();
    expect(retryAfterOf({ retryAfterMs: '30' })).toBeUndefined();
    expect(retryAfterOf(new DeadlineExceededError())).toBeUndefined();
    expect(retryAfterOf(null)).toBeUndefined();
  });

  it('lets a plain ResilienceError be built with any known code', () => {
    const error = new ResilienceError('throttled', 'custom');
    expect(isResilienceError(error)).toBe(true);
    expect(isThrottledError(error)).toBe(false);
  });
});
