import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from './wait-for';

describe('waitFor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks again every interval and returns the first defined answer', async () => {
    let calls = 0;
    const probe = vi.fn(async () => (++calls === 3 ? 'spans' : undefined));
    const result = waitFor(probe, { intervalMs: 50 });
    await vi.advanceTimersByTimeAsync(100);
    await expect(result).resolves.toBe('spans');
    expect(probe).toHaveBeenCalledTimes(3);
  });

  it('returns a falsy answer as it is: only undefined means not yet', async () => {
    await expect(waitFor(() => 0)).resolves.toBe(0);
  });

  it('rejects naming what it waited for once the timeout has passed', async () => {
    const probe = vi.fn(() => undefined);
    const result = waitFor(probe, { timeoutMs: 1000, intervalMs: 100, what: 'the gateway span' });
    const assertion = expect(result).rejects.toThrow(
      'timed out after 1000 ms waiting for the gateway span',
    );
    await vi.advanceTimersByTimeAsync(1000);
    await assertion;
    expect(probe).toHaveBeenCalledTimes(11);
  });
});
