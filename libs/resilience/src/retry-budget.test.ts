import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock';
import { RetryBudget } from './retry-budget';

function requests(budget: RetryBudget, n: number) {
  for (let i = 0; i < n; i++) budget.recordRequest();
}

/** Takes retries until refused (bounded, so a broken budget fails instead of hanging). */
function drain(budget: RetryBudget) {
  let retries = 0;
  while (retries < 10_000 && budget.tryRetry()) retries += 1;
  return retries;
}

describe('RetryBudget', () => {
  it('allows ratio × requests retries when there is no floor', () => {
    const budget = new RetryBudget({
      ratio: 0.2,
      minRetriesPerSecond: 0,
      clock: new ManualClock(),
    });
    expect(budget.canRetry()).toBe(false);
    requests(budget, 4);
    expect(budget.canRetry()).toBe(false); // 0.8 of a retry
    expect(budget.available()).toBe(0);
    requests(budget, 1);
    expect(budget.available()).toBe(1);
    requests(budget, 45);
    expect(drain(budget)).toBe(10); // 50 requests × 0.2
    expect(budget.canRetry()).toBe(false);
    expect(budget.snapshot()).toMatchObject({ requests: 50, retries: 10, available: 0 });
  });

  it('adds the minRetriesPerSecond × ttl floor to the allowance', () => {
    const budget = new RetryBudget({
      ratio: 0.2,
      ttlMs: 10_000,
      minRetriesPerSecond: 10,
      clock: new ManualClock(),
    });
    expect(budget.available()).toBe(100); // a quiet client may still retry 10/s
    requests(budget, 50);
    expect(drain(budget)).toBe(110);
  });

  it('uses the Finagle defaults: 20 %, 10 s, 10 retries per second', () => {
    const budget = new RetryBudget({ clock: new ManualClock() });
    requests(budget, 1_000);
    expect(budget.snapshot()).toMatchObject({
      ratio: 0.2,
      ttlMs: 10_000,
      minRetriesPerSecond: 10,
      available: 300,
    });
  });

  it('forgets requests and retries older than the ttl', () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ ratio: 0.5, minRetriesPerSecond: 0, ttlMs: 10_000, clock });
    requests(budget, 10);
    expect(drain(budget)).toBe(5);
    clock.advance(5_000);
    requests(budget, 4);
    expect(budget.available()).toBe(2); // (14 × 0.5) − 5
    clock.advance(5_000); // the first 10 requests and 5 retries have expired
    expect(budget.snapshot()).toMatchObject({ requests: 4, retries: 0, available: 2 });
    clock.advance(5_000);
    expect(budget.available()).toBe(0);
  });

  it('only canRetry leaves the balance untouched', () => {
    const budget = new RetryBudget({ ratio: 1, minRetriesPerSecond: 0, clock: new ManualClock() });
    requests(budget, 1);
    expect(budget.canRetry()).toBe(true);
    expect(budget.canRetry()).toBe(true);
    budget.recordRetry();
    expect(budget.canRetry()).toBe(false);
  });

  it('rejects negative settings', () => {
    expect(() => new RetryBudget({ ratio: -0.1 })).toThrow(RangeError);
  });
});
