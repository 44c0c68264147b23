import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AttemptTimeoutError } from './errors';
import { timeoutPolicy } from './timeout';

describe('timeoutPolicy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('returns the result of an attempt that finishes in time and leaves no timer', async () => {
    const policy = timeoutPolicy(100);
    const pending = policy.execute(
      () => new Promise<string>((resolve) => setTimeout(() => resolve('ok'), 99)),
    );
    await vi.advanceTimersByTimeAsync(99);
    await expect(pending).resolves.toBe('ok');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with AttemptTimeoutError and aborts the attempt when time is up', async () => {
    const policy = timeoutPolicy(100, { upstream: 'user-service' });
    let seen: unknown;
    const pending = policy.execute(
      (signal) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            seen = signal.reason;
            reject(new Error('the socket was destroyed'));
          });
        }),
    );
    const assertion = expect(pending).rejects.toMatchObject({
      code: 'upstream_timeout',
      timeoutMs: 100,
      upstream: 'user-service',
    });
    await vi.advanceTimersByTimeAsync(100);
    await assertion;
    expect(seen).toBeInstanceOf(AttemptTimeoutError);
  });

  it('rejects at the timeout even if the attempt ignores its signal', async () => {
    const pending = timeoutPolicy(50).execute(() => new Promise(() => undefined));
    const assertion = expect(pending).rejects.toBeInstanceOf(AttemptTimeoutError);
    await vi.advanceTimersByTimeAsync(50);
    await assertion;
  });

  it('passes on a caller abort with the caller reason, not a timeout', async () => {
    const controller = new AbortController();
    const pending = timeoutPolicy(1_000).execute(
      () => new Promise(() => undefined),
      controller.signal,
    );
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
  });

  it('rejects non-positive timeouts', () => {
    expect(() => timeoutPolicy(0)).toThrow(RangeError);
  });
});
