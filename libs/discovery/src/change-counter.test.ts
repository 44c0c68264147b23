import { describe, expect, it } from 'vitest';
import { ChangeCounter } from './change-counter';

describe('ChangeCounter', () => {
  it('a change made before the wait is not missed', async () => {
    const counter = new ChangeCounter();
    const seen = counter.version;
    counter.bump();
    await expect(counter.next(seen)).resolves.toBeUndefined();
  });

  it('a waiter wakes on the next change and not before', async () => {
    const counter = new ChangeCounter();
    let woke = false;
    const waiting = counter.next(counter.version).then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    counter.bump();
    await waiting;
    expect(woke).toBe(true);
  });

  it('an abort releases the waiter', async () => {
    const counter = new ChangeCounter();
    const controller = new AbortController();
    const waiting = counter.next(counter.version, controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
    expect(counter.version).toBe(0);
  });
});
