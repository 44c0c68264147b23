import { afterEach, describe, expect, it, vi } from 'vitest';
import { IdempotencyKeyCleanup } from './idempotency-key-cleanup';

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

/** A store holding `expired` keys older than any cut-off, recording each delete it is asked for. */
function fakeOrders(expired: number) {
  let left = expired;
  const calls: { before: Date; limit: number }[] = [];
  return {
    calls,
    left: () => left,
    deleteExpiredIdempotencyKeys: vi.fn(async (before: Date, limit: number) => {
      calls.push({ before, limit });
      const deleted = Math.min(left, limit);
      left -= deleted;
      return deleted;
    }),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('IdempotencyKeyCleanup', () => {
  it('forgets the keys older than the retention in small batches until a batch comes back short', async () => {
    const orders = fakeOrders(1250);
    const cleanup = new IdempotencyKeyCleanup({
      orders,
      retentionMs: 24 * HOUR,
      intervalMs: 60_000,
      batchSize: 500,
      now: () => NOW,
    });
    expect(await cleanup.runOnce()).toBe(1250);
    expect(orders.calls.map((c) => c.limit)).toEqual([500, 500, 500]);
    expect(orders.calls.every((c) => c.before.getTime() === NOW - 24 * HOUR)).toBe(true);
  });

  it('stops a run after its batch cap and leaves the rest to the next run', async () => {
    const orders = fakeOrders(1000);
    const cleanup = new IdempotencyKeyCleanup({
      orders,
      retentionMs: HOUR,
      intervalMs: 60_000,
      batchSize: 100,
      maxBatchesPerRun: 3,
      now: () => NOW,
    });
    expect(await cleanup.runOnce()).toBe(300);
    expect(orders.left()).toBe(700);
  });

  it('never runs twice at once', async () => {
    let release: (n: number) => void = () => undefined;
    const orders = {
      deleteExpiredIdempotencyKeys: vi.fn(() => new Promise<number>((r) => (release = r))),
    };
    const cleanup = new IdempotencyKeyCleanup({ orders, retentionMs: HOUR, intervalMs: 1000 });
    const first = cleanup.runOnce();
    expect(await cleanup.runOnce()).toBe(0);
    release(0);
    expect(await first).toBe(0);
    expect(orders.deleteExpiredIdempotencyKeys).toHaveBeenCalledTimes(1);
  });

  it('runs every interval once started, reports a failed run and tries again at the next', async () => {
    vi.useFakeTimers();
    const failure = new Error('database down');
    const orders = {
      deleteExpiredIdempotencyKeys: vi.fn().mockRejectedValueOnce(failure).mockResolvedValue(0),
    };
    const onError = vi.fn();
    const cleanup = new IdempotencyKeyCleanup({
      orders,
      retentionMs: HOUR,
      intervalMs: 60_000,
      onError,
    });
    cleanup.start();
    expect(orders.deleteExpiredIdempotencyKeys).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onError).toHaveBeenCalledWith(failure);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(orders.deleteExpiredIdempotencyKeys).toHaveBeenCalledTimes(2);
    expect(onError).toHaveBeenCalledTimes(1);
    await cleanup.stop();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(orders.deleteExpiredIdempotencyKeys).toHaveBeenCalledTimes(2);
  });

  it('does not keep the process alive: its timer is unref’d', () => {
    const unref = vi.fn();
    const spy = vi
      .spyOn(globalThis, 'setInterval')
      .mockReturnValue({ unref } as unknown as NodeJS.Timeout);
    try {
      new IdempotencyKeyCleanup({
        orders: fakeOrders(0),
        retentionMs: HOUR,
        intervalMs: 1000,
      }).start();
      expect(unref).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('stop waits for the run in flight', async () => {
    let release: (n: number) => void = () => undefined;
    let finished = false;
    const orders = {
      deleteExpiredIdempotencyKeys: vi.fn(() => new Promise<number>((r) => (release = r))),
    };
    const cleanup = new IdempotencyKeyCleanup({ orders, retentionMs: HOUR, intervalMs: 1000 });
    void cleanup.runOnce().then(() => (finished = true));
    const stopped = cleanup.stop();
    await Promise.resolve();
    expect(finished).toBe(false);
    release(0);
    await stopped;
    expect(finished).toBe(true);
  });
});
