import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test/manual-clock';
import { sleep } from './clock';

describe('sleep', () => {
  it('resolves when the clock reaches the delay', async () => {
    const clock = new ManualClock();
    let done = false;
    const sleeping = sleep(clock, 1000).then(() => (done = true));
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(done).toBe(true);
  });

  it('resolves at once when aborted and leaves no timer behind', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const sleeping = sleep(clock, 60_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(clock.pending).toBe(0);
  });
});
