import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CircuitBreakerOptions, CircuitStateChange } from './circuit-breaker';
import { CircuitBreaker } from './circuit-breaker';
import { ManualClock } from './clock';
import { AttemptTimeoutError, BrokenCircuitError, BulkheadRejectedError } from './errors';

const ok = () => Promise.resolve('ok');
const fail = () => Promise.reject(new Error('503 from upstream'));

/** A call that stays in flight until released. */
function pendingCall<T>(value: T) {
  let release!: () => void;
  const started = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { op: () => started.then(() => value), release };
}

function setup(options: CircuitBreakerOptions = {}) {
  const clock = new ManualClock(1_000_000);
  const breaker = new CircuitBreaker({ upstream: 'user-service', clock, ...options });
  const changes: string[] = [];
  breaker.onStateChange((c: CircuitStateChange) => changes.push(`${c.from}->${c.to}`));
  const run = async (n: number, op: () => Promise<unknown>) => {
    for (let i = 0; i < n; i++) await breaker.execute(op).catch(() => undefined);
  };
  return { clock, breaker, changes, run };
}

/** Opens a breaker with the default volume threshold of 20. */
async function tripped(options: CircuitBreakerOptions = {}) {
  const s = setup(options);
  await s.run(20, fail);
  expect(s.breaker.state).toBe('open');
  return s;
}

describe('CircuitBreaker', () => {
  afterEach(() => vi.useRealTimers());

  it('stays closed below the request volume threshold, however many of those calls fail', async () => {
    const { breaker, run } = setup();
    await run(19, fail);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ requests: 19, failures: 19, errorPercent: 100 });
    await run(1, fail);
    expect(breaker.state).toBe('open');
  });

  it('trips when the error percentage reaches the threshold with enough volume', async () => {
    const { breaker, run, changes } = setup();
    await run(10, ok);
    await run(10, fail);
    expect(breaker.stats().errorPercent).toBe(50);
    expect(breaker.state).toBe('open');
    expect(changes).toEqual(['closed->open']);
  });

  it('stays closed when the error percentage is just under the threshold', async () => {
    const { breaker, run } = setup();
    await run(11, ok);
    await run(9, fail);
    await run(5, ok);
    expect(breaker.stats().errorPercent).toBeCloseTo(36, 0);
    expect(breaker.state).toBe('closed');
  });

  it('forgets failures that slid out of the rolling window', async () => {
    const { breaker, clock, run } = setup({ rollingWindow: 10_000 });
    await run(19, fail);
    clock.advance(10_000);
    await run(1, fail);
    expect(breaker.stats().requests).toBe(1);
    expect(breaker.state).toBe('closed');
  });

  it('when open refuses calls without running them, with the time left as retryAfterMs', async () => {
    const { breaker, clock } = await tripped({ sleepWindow: 5_000 });
    clock.advance(1_500);
    const op = vi.fn(ok);
    const error = await breaker.execute(op).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error).toMatchObject({ code: 'circuit_open', retryAfterMs: 3_500 });
    expect(op).not.toHaveBeenCalled();
    expect(breaker.stats().shortCircuited).toBe(1);
    expect(breaker.snapshot()).toMatchObject({
      name: 'circuit-breaker',
      upstream: 'user-service',
      state: 'open',
      retryAfterMs: 3_500,
    });
  });

  it('after the sleep window lets one probe through and closes when it succeeds', async () => {
    const { breaker, clock, changes } = await tripped();
    clock.advance(5_000);
    const probe = pendingCall('fine');
    const probing = breaker.execute(probe.op);
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    probe.release();
    await expect(probing).resolves.toBe('fine');
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
    expect(breaker.stats().requests).toBe(0);
  });

  it('reopens for a fresh sleep window when the probe fails', async () => {
    const { breaker, clock, changes } = await tripped({ sleepWindow: 5_000 });
    clock.advance(5_000);
    await expect(breaker.execute(fail)).rejects.toThrow('503');
    expect(breaker.state).toBe('open');
    expect(changes.at(-1)).toBe('half-open->open');
    clock.advance(4_999);
    await expect(breaker.execute(ok)).rejects.toMatchObject({ retryAfterMs: 1 });
    clock.advance(1);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('allows up to halfOpenMaxProbes concurrent probes and rejects the rest', async () => {
    const { breaker, clock } = await tripped({ halfOpenMaxProbes: 2 });
    clock.advance(5_000);
    const first = pendingCall(1);
    const second = pendingCall(2);
    const p1 = breaker.execute(first.op);
    const p2 = breaker.execute(second.op);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    first.release();
    second.release();
    await expect(Promise.all([p1, p2])).resolves.toEqual([1, 2]);
    expect(breaker.state).toBe('closed');
  });

  it('frees the probe slot when the caller cancels the probe', async () => {
    const { breaker, clock } = await tripped();
    clock.advance(5_000);
    const controller = new AbortController();
    const cancelled = breaker.execute(() => new Promise(() => undefined), controller.signal);
    controller.abort(new Error('client left'));
    await expect(cancelled).rejects.toThrow('client left');
    expect(breaker.state).toBe('half-open');
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('does not count errors the classifier calls healthy (a 404 is not an outage)', async () => {
    const notFound = Object.assign(new Error('not found'), { status: 404 });
    const { breaker, run } = setup({
      isFailure: (e) => (e as { status?: number }).status !== 404,
    });
    await run(40, () => Promise.reject(notFound));
    expect(breaker.state).toBe('closed');
    expect(breaker.stats()).toMatchObject({ successes: 40, failures: 0 });
  });

  it('counts failed results but still returns them to the caller', async () => {
    const { breaker } = setup({ isFailureResult: (r) => (r as { status: number }).status >= 500 });
    for (let i = 0; i < 20; i++) {
      await expect(breaker.execute(async () => ({ status: 503 }))).resolves.toEqual({
        status: 503,
      });
    }
    expect(breaker.state).toBe('open');
  });

  it('times out slow calls, aborts them and counts them as timeouts', async () => {
    vi.useFakeTimers();
    const { breaker } = setup({ timeout: 200 });
    let aborted = false;
    const slow = breaker.execute(
      (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
    );
    const assertion = expect(slow).rejects.toBeInstanceOf(AttemptTimeoutError);
    await vi.advanceTimersByTimeAsync(200);
    await assertion;
    expect(aborted).toBe(true);
    expect(breaker.stats()).toMatchObject({ timeouts: 1, errorPercent: 100, inFlight: 0 });
  });

  it('rejects calls beyond maxConcurrentRequests and counts them as errors', async () => {
    const { breaker } = setup({ maxConcurrentRequests: 2 });
    const a = pendingCall('a');
    const b = pendingCall('b');
    const pa = breaker.execute(a.op);
    const pb = breaker.execute(b.op);
    const op = vi.fn(ok);
    await expect(breaker.execute(op)).rejects.toBeInstanceOf(BulkheadRejectedError);
    expect(op).not.toHaveBeenCalled();
    a.release();
    b.release();
    await Promise.all([pa, pb]);
    expect(breaker.stats()).toMatchObject({ successes: 2, rejected: 1, inFlight: 0 });
    await expect(breaker.execute(ok)).resolves.toBe('ok');
  });

  it('does not count calls the caller aborted', async () => {
    const { breaker } = setup();
    const controller = new AbortController();
    const call = breaker.execute(() => new Promise(() => undefined), controller.signal);
    controller.abort(new Error('gone'));
    await expect(call).rejects.toThrow('gone');
    expect(breaker.stats()).toMatchObject({ requests: 0, inFlight: 0 });
    await expect(breaker.execute(ok, AbortSignal.abort(new Error('early')))).rejects.toThrow(
      'early',
    );
  });

  it('stops notifying a listener once it is removed, and survives a throwing listener', async () => {
    const { breaker, run } = setup();
    const seen: string[] = [];
    const remove = breaker.onStateChange((c) => seen.push(c.to));
    breaker.onStateChange(() => {
      throw new Error('bad listener');
    });
    remove();
    await run(19, fail);
    await expect(breaker.execute(fail)).rejects.toThrow('503 from upstream');
    expect(breaker.state).toBe('open');
    expect(seen).toEqual([]);
  });

  it('validates its options', () => {
    expect(() => new CircuitBreaker({ errorPercentThreshold: 120 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ timeout: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ halfOpenMaxProbes: 0 })).toThrow(RangeError);
  });
});
