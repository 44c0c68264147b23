import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { linkSignal, neverAborted, raceAbort, sleep } from './abort';

describe('linkSignal', () => {
  it('aborts the child when a parent aborts, with the parent reason', () => {
    const parent = new AbortController();
    const link = linkSignal(parent.signal, neverAborted);
    parent.abort('stop');
    expect(link.signal.aborted).toBe(true);
    expect(link.signal.reason).toBe('stop');
  });

  it('starts aborted when a parent already is', () => {
    const link = linkSignal(AbortSignal.abort('early'));
    expect(link.signal.reason).toBe('early');
  });

  it('can be aborted on its own without touching the parent', () => {
    const parent = new AbortController();
    const link = linkSignal(parent.signal);
    link.abort('mine');
    expect(link.signal.reason).toBe('mine');
    expect(parent.signal.aborted).toBe(false);
  });

  it('stops following the parent after dispose', () => {
    const parent = new AbortController();
    const link = linkSignal(parent.signal);
    link.dispose();
    parent.abort();
    expect(link.signal.aborted).toBe(false);
  });
});

describe('raceAbort', () => {
  it('resolves with the promise when the signal stays quiet', async () => {
    await expect(raceAbort(Promise.resolve(3), neverAborted)).resolves.toBe(3);
  });

  it('rejects with the abort reason as soon as the signal aborts', async () => {
    const controller = new AbortController();
    const pending = raceAbort(new Promise<never>(() => undefined), controller.signal);
    controller.abort(new Error('gone'));
    await expect(pending).rejects.toThrow('gone');
  });

  it('passes the promise rejection through', async () => {
    await expect(raceAbort(Promise.reject(new Error('boom')), neverAborted)).rejects.toThrow(
      'boom',
    );
  });
});

describe('sleep', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves after the given time', async () => {
    let done = false;
    const pending = sleep(100).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(done).toBe(true);
  });

  it('rejects with the abort reason and clears its timer', async () => {
    const controller = new AbortController();
    const pending = sleep(100, controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
    expect(vi.getTimerCount()).toBe(0);
  });
});
