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

  it('a queued caller that aborts frees its queue place at once, and a freed slot goes to the next live waiter', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const [a, c, d] = [gate(), gate(), gate()];
    const pa = bulkhead.execute(a.op);
    const leaving = new AbortController();
    const leaverOp = vi.fn(async () => 'never');
    const leaver = bulkhead.execute(leaverOp, leaving.signal);
    const pc = bulkhead.execute(c.op);
    expect(bulkhead.snapshot()).toMatchObject({ inUse: 1, queued: 2 });

    leaving.abort(new Error('client left'));
    await expect(leaver).rejects.toThrow('client left');
    expect(bulkhead.snapshot()).toMatchObject({ inUse: 1, queued: 1 });
    // Its place is free: a new caller may queue instead of being refused.
    const pd = bulkhead.execute(d.op);
    expect(bulkhead.snapshot()).toMatchObject({ queued: 2 });

    a.release('a');
    await expect(pa).resolves.toBe('a');
    await tick();
    // The freed slot went to the first live waiter, not to the one that left.
    expect(c.op).toHaveBeenCalledTimes(1);
    expect(leaverOp).not.toHaveBeenCalled();
    expect(bulkhead.snapshot()).toMatchObject({ inUse: 1, queued: 1 });
    c.release('c');
    await expect(pc).resolves.toBe('c');
    await tick();
    expect(d.op).toHaveBeenCalledTimes(1);
    d.release('d');
    await expect(pd).resolves.toBe('d');
    expect(bulkhead.snapshot()).toMatchObject({ inUse: 0, queued: 0 });
  });

  it('a running call whose caller aborts keeps its slot until the call settles, then hands it on', async () => {
    const bulkhead = new Bulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const a = gate();
    const leaving = new AbortController();
    const pa = bulkhead.execute(a.op, leaving.signal);
    const b = gate();
    const pb = bulkhead.execute(b.op);
    leaving.abort(new Error('client left'));
    await expect(pa).rejects.toThrow('client left');
    await tick();
    expect(b.op).not.toHaveBeenCalled(); // the abandoned call still holds its socket
    a.release();
    await tick();
    await tick();
    expect(b.op).toHaveBeenCalledTimes(1);
    b.release('b');
    await expect(pb).resolves.toBe('b');
  });

  it('validates its sizes', () => {
    expect(() => new Bulkhead({ maxConcurrent: 0 })).toThrow(RangeError);
    expect(() => new Bulkhead({ maxQueue: -1 })).toThrow(RangeError);
  });
});
