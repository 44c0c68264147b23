import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { RateLimitedError } from './errors';
import { LeakyBucket } from './leaky-bucket';

/** Starts acquiring and records when (fake time) each request was released. */
function track(bucket: LeakyBucket, ids: string[], signal?: AbortSignal) {
  const released: Array<{ id: string; at: number }> = [];
  const promises = ids.map((id) =>
    bucket.acquire(signal).then(() => {
      released.push({ id, at: Date.now() });
    }),
  );
  return { released, promises };
}

describe('LeakyBucket', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('releases a burst in FIFO order, exactly 1000 / drainPerSecond ms apart', async () => {
    const bucket = new LeakyBucket({ drainPerSecond: 10, queueSize: 5 });
    const { released, promises } = track(bucket, ['a', 'b', 'c', 'd']);
    expect(bucket.snapshot().queued).toBe(3);
    await vi.runAllTimersAsync();
    await Promise.all(promises);
    expect(released).toEqual([
      { id: 'a', at: 0 },
      { id: 'b', at: 100 },
      { id: 'c', at: 200 },
      { id: 'd', at: 300 },
    ]);
  });

  it('lets a request through at once when the bucket has drained', async () => {
    const bucket = new LeakyBucket({ drainPerSecond: 10, queueSize: 0 });
    await bucket.acquire();
    await vi.advanceTimersByTimeAsync(100);
    const first = track(bucket, ['x']);
    await Promise.all(first.promises);
    expect(first.released).toEqual([{ id: 'x', at: 100 }]);
  });

  it('keeps the spacing for requests arriving while others wait', async () => {
    const bucket = new LeakyBucket({ drainPerSecond: 4, queueSize: 10 });
    const early = track(bucket, ['a', 'b']);
    await vi.advanceTimersByTimeAsync(100);
    const late = track(bucket, ['c']);
    await vi.runAllTimersAsync();
    await Promise.all([...early.promises, ...late.promises]);
    expect([...early.released, ...late.released]).toEqual([
      { id: 'a', at: 0 },
      { id: 'b', at: 250 },
      { id: 'c', at: 500 },
    ]);
  });

  it('never lets a newcomer overtake a waiting request, even when a slot is due', async () => {
    const bucket = new LeakyBucket({ drainPerSecond: 10, queueSize: 5 });
    const order: string[] = [];
    const early = ['a', 'b'].map((id) => bucket.acquire().then(() => order.push(id))); // b due at 100
    vi.setSystemTime(150); // the clock moves past b's slot before its timer has run
    const late = bucket.acquire().then(() => order.push('c'));
    await vi.runAllTimersAsync();
    await Promise.all([...early, late]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('rejects at once when the queue is full, saying when a place frees up', async () => {
    const bucket = new LeakyBucket({ drainPerSecond: 10, queueSize: 2, name: 'api' });
    const { promises } = track(bucket, ['a', 'b', 'c']);
    await vi.advanceTimersByTimeAsync(30);
    const error = await bucket.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 70, upstream: 'api' });
    await vi.runAllTimersAsync();
    await Promise.all(promises);
  });

  it('drops an aborted waiter from the queue and gives its slot to the next one', async () => {
    const bucket = new LeakyBucket({ drainPerSecond: 10, queueSize: 5 });
    const controller = new AbortController();
    const first = track(bucket, ['a']);
    const leaving = bucket.acquire(controller.signal);
    const after = track(bucket, ['c']);
    controller.abort(new Error('client left'));
    await expect(leaving).rejects.toThrow('client left');
    expect(bucket.snapshot().queued).toBe(1);
    await vi.runAllTimersAsync();
    await Promise.all([...first.promises, ...after.promises]);
    expect(after.released).toEqual([{ id: 'c', at: 100 }]);
  });

  it('leaves no timer behind once the last waiter aborts', async () => {
    const bucket = new LeakyBucket({ drainPerSecond: 1, queueSize: 5 });
    await bucket.acquire();
    const controller = new AbortController();
    const waiting = bucket.acquire(controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses an already aborted request', async () => {
    const bucket = new LeakyBucket({ drainPerSecond: 1, queueSize: 1 });
    await expect(bucket.acquire(AbortSignal.abort(new Error('no')))).rejects.toThrow('no');
  });

  it('validates its options', () => {
    expect(() => new LeakyBucket({ drainPerSecond: 0, queueSize: 1 })).toThrow(RangeError);
    expect(() => new LeakyBucket({ drainPerSecond: 1, queueSize: -1 })).toThrow(RangeError);
  });
});
