import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from './clock';
import { Deadline } from './deadline';
import { BrokenCircuitError } from './errors';
import type { Policy } from './policy';
import { wrap } from './policy';
import { RetryPolicy } from './retry';
import type { AttemptContext, RetryOptions, RetryOutcome } from './retry';
import { RetryBudget } from './retry-budget';

const onError = (outcome: RetryOutcome) => !outcome.ok;

/** An operation failing `failures` times, then answering; records attempt numbers and times. */
function flaky(failures: number, error: () => unknown = () => new Error('ECONNRESET')) {
  const attempts: Array<{ attempt: number; at: number }> = [];
  const op = vi.fn(async (_signal: AbortSignal, context: AttemptContext) => {
    attempts.push({ attempt: context.attempt, at: Date.now() });
    if (attempts.length <= failures) throw error();
    return `answer from attempt ${context.attempt}`;
  });
  return { op, attempts };
}

/** Runs the policy to completion under fake timers; returns the outcome. */
async function settle<T>(promise: Promise<T>) {
  const result = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return result;
}

const fixed = (options: Partial<RetryOptions> = {}) =>
  new RetryPolicy({ shouldRetry: onError, jitter: 'none', ...options });

describe('RetryPolicy', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('retries until an attempt succeeds, telling each attempt its number', async () => {
    const { op, attempts } = flaky(2);
    const outcome = await settle(fixed({ maxAttempts: 5 }).execute(op));
    expect(outcome).toEqual({ value: 'answer from attempt 3' });
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  it('waits the exponential back-off between attempts (50 ms, then 100 ms)', async () => {
    const { op, attempts } = flaky(2);
    await settle(fixed({ baseDelayMs: 50 }).execute(op));
    expect(attempts.map((a) => a.at)).toEqual([0, 50, 150]);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    let n = 0;
    const { op } = flaky(10, () => new Error(`failure ${++n}`));
    const outcome = await settle(fixed({ maxAttempts: 3 }).execute(op));
    expect(op).toHaveBeenCalledTimes(3);
    expect((outcome as { error: Error }).error.message).toBe('failure 3');
  });

  it('retries only what shouldRetry allows, and tells it the outcome and attempt', async () => {
    const seen: Array<[RetryOutcome, number]> = [];
    const notFound = Object.assign(new Error('not found'), { status: 404 });
    const policy = fixed({
      shouldRetry: (outcome, attempt) => {
        seen.push([outcome, attempt]);
        return !outcome.ok && (outcome.error as { status?: number }).status !== 404;
      },
    });
    const { op } = flaky(5, () => notFound);
    const outcome = await settle(policy.execute(op));
    expect(outcome).toEqual({ error: notFound });
    expect(op).toHaveBeenCalledTimes(1);
    expect(seen).toEqual([[{ ok: false, error: notFound }, 1]]);
  });

  it('retries failed results and returns the last one when attempts run out', async () => {
    const op = vi.fn(async () => ({ status: 503 }));
    const policy = fixed({
      shouldRetry: (o) => o.ok && (o.result as { status: number }).status >= 500,
    });
    const outcome = await settle(policy.execute(op));
    expect(outcome).toEqual({ value: { status: 503 } });
    expect(op).toHaveBeenCalledTimes(3);
  });

  it('waits at least the retryAfterMs hint of the error', async () => {
    const { op, attempts } = flaky(1, () => new BrokenCircuitError({ retryAfterMs: 300 }));
    await settle(fixed().execute(op));
    expect(attempts.map((a) => a.at)).toEqual([0, 300]);
  });

  it('does not retry sooner than a hint longer than maxDelayMs asks: it stops instead', async () => {
    const { op, attempts } = flaky(1, () => ({ retryAfterMs: 60_000 }));
    const outcome = await settle(fixed({ maxDelayMs: 1_000 }).execute(op));
    expect(attempts.map((a) => a.at)).toEqual([0]);
    expect(outcome).toEqual({ error: { retryAfterMs: 60_000 } });
  });

  it('ignores hints when told to', async () => {
    const { op, attempts } = flaky(1, () => ({ retryAfterMs: 700 }));
    await settle(fixed({ retryAfterMs: () => undefined }).execute(op));
    expect(attempts.map((a) => a.at)).toEqual([0, 50]);
  });

  it('does not retry when the delay would run past the deadline', async () => {
    const deadline = Deadline.after(120, systemClock);
    const { op, attempts } = flaky(5);
    const outcome = await settle(fixed().execute(op, undefined, deadline));
    // attempt 1 at 0, wait 50, attempt 2 at 50; a 100 ms wait would end at 150 > 120
    expect(attempts.map((a) => a.at)).toEqual([0, 50]);
    expect(outcome).toMatchObject({ error: { message: 'ECONNRESET' } });
    deadline.dispose();
  });

  it('keeps minAttemptMs of the deadline for the retry itself', async () => {
    const deadline = Deadline.after(120, systemClock);
    const { op } = flaky(5);
    await settle(fixed({ minAttemptMs: 80 }).execute(op, undefined, deadline));
    expect(op).toHaveBeenCalledTimes(1); // 120 − 50 = 70 ms left would be < 80
    deadline.dispose();
  });

  it('stops retrying when the budget is empty', async () => {
    const budget = new RetryBudget({ ratio: 0.5, minRetriesPerSecond: 0, clock: systemClock });
    const policy = fixed({ budget, maxAttempts: 5 });
    const first = flaky(10);
    await settle(policy.execute(first.op)); // deposits 0.5: no retry yet
    expect(first.op).toHaveBeenCalledTimes(1);
    const second = flaky(10);
    await settle(policy.execute(second.op)); // 2 requests × 0.5 = 1 retry
    expect(second.op).toHaveBeenCalledTimes(2);
    expect(budget.snapshot()).toMatchObject({ requests: 2, retries: 1 });
  });

  it('stops at once when the caller aborts during the back-off wait', async () => {
    const controller = new AbortController();
    const { op } = flaky(5);
    const pending = fixed({ baseDelayMs: 100 }).execute(op, controller.signal);
    const assertion = expect(pending).rejects.toThrow('caller left');
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('caller left'));
    await assertion;
    await vi.runAllTimersAsync();
    expect(op).toHaveBeenCalledTimes(1);
  });

  it('returns the result of an attempt during which the caller aborted, without retrying', async () => {
    const controller = new AbortController();
    const op = vi.fn(async () => {
      controller.abort(new Error('caller left'));
      return { status: 503 };
    });
    const policy = fixed({ shouldRetry: () => true });
    await expect(policy.execute(op, controller.signal)).resolves.toEqual({ status: 503 });
    expect(op).toHaveBeenCalledTimes(1);
  });

  it('does not retry an attempt that failed because the caller aborted', async () => {
    const controller = new AbortController();
    const op = vi.fn(async (signal: AbortSignal) => {
      controller.abort(new Error('caller left'));
      throw signal.reason;
    });
    await expect(fixed().execute(op, controller.signal)).rejects.toThrow('caller left');
    expect(op).toHaveBeenCalledTimes(1);
  });

  it('is a Policy, so it composes with wrap', async () => {
    const policy: Policy = fixed();
    const { op } = flaky(1);
    const outcome = await settle(
      wrap(policy).execute((signal) => op(signal, { signal, attempt: 0 })),
    );
    expect(outcome).toMatchObject({ value: expect.stringContaining('answer') });
  });

  it('rejects a maxAttempts below 1', () => {
    expect(() => fixed({ maxAttempts: 0 })).toThrow(RangeError);
  });
});
