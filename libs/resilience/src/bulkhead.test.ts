import { describe, expect, it, vi } from 'vitest';
import { Bulkhead } from './bulkhead';
import { BulkheadRejectedError } from './errors';

/** A call that stays in flight until released; records when it started. */
function gate() {
  let release!: (value: string) => void;
  const op = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
  return { op, release: (v = 'done') => release(v) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Bulkhead', () => {
  it('runs up to maxConcurrent calls, queues up to maxQueue and rejects the rest', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 2, maxQueue: 1, upstream: 'user-service' });
    const [a, b, c] = [gate(), gate(), gate()];
    const pa = bulkhead.execute(a.op);
    const pb = bulkhead.execute(b.op);
    const pc = bulkhead.execute(c.op);
    await tick();
    expect(bulkhead.snapshot()).toMatchObject({ inUse: 2, queued: 1 });
    expect(c.op).not.toHaveBeenCalled();

    const error = await bulkhead.execute(async () => 'never').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BulkheadRejectedError);
    expect(error).toMatchObject({
      code: 'bulkhead_full',
      upstream: 'user-service',
      maxConcurrent: 2,
      maxQueue: 1,
    });

    a.release('a');
    await expect(pa).resolves.toBe('a');
    await tick();
    expect(c.op).toHaveBeenCalledTimes(1); // the queued call took the freed slot
    b.release('b');
    c.release('c');
    await expect(Promise.all([pb, pc])).resolves.toEqual(['b', 'c']);
    expect(bulkhead.snapshot()).toMatchObject({ inUse: 0, queued: 0 });
  });

  it('without a queue rejects as soon as every slot is taken', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1 });
    const a = gate();
    const pa = bulkhead.execute(a.op);
    await expect(bulkhead.execute(async () => 1)).rejects.toBeInstanceOf(BulkheadRejectedError);
    a.release();
    await pa;
    await expect(bulkhead.execute(async () => 1)).resolves.toBe(1);
  });

  it('frees the slot when a call fails', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1 });
    await expect(bulkhead.execute(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(bulkhead.execute(async () => 'next')).resolves.toBe('next');
  });

  it('releases a queued caller at once when its signal aborts, and never runs its call', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const a = gate();
    const pa = bulkhead.execute(a.op);
    const controller = new AbortController();
    const queuedOp = vi.fn(async () => 'late');
    const queued = bulkhead.execute(queuedOp, controller.signal);
    controller.abort(new Error('client left'));
    await expect(queued).rejects.toThrow('client left');
    a.release();
    await pa;
    await tick();
    expect(queuedOp).not.toHaveBeenCalled();
    expect(bulkhead.snapshot()).toMatchObject({ inUse: 0, queued: 0 });
  });

  it('validates its sizes', () => {
    expect(() => new Bulkhead({ maxConcurrent: 0 })).toThrow(RangeError);
    expect(() => new Bulkhead({ maxQueue: -1 })).toThrow(RangeError);
  });
});
