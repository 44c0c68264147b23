import { describe, expect, it } from 'vitest';
import { exponentialBackoff } from './backoff';
import type { Backoff } from './backoff';
import { seededRandom } from './random';

const delays = (backoff: Backoff, n: number) => {
  const sequence = backoff.start();
  return Array.from({ length: n }, () => sequence.next());
};

describe('exponentialBackoff', () => {
  it('without jitter doubles from the base up to the cap', () => {
    const backoff = exponentialBackoff({ baseDelayMs: 50, maxDelayMs: 1000, jitter: 'none' });
    expect(delays(backoff, 7)).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
  });

  it('defaults to 50 ms base, 1000 ms cap and full jitter', () => {
    const top = exponentialBackoff({ random: () => 0.999_999_999 });
    const bottom = exponentialBackoff({ random: () => 0 });
    expect(delays(top, 6).map(Math.round)).toEqual([50, 100, 200, 400, 800, 1000]);
    expect(delays(bottom, 6)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('with full jitter stays in [0, min(cap, base·2^(n−1))) and uses the whole range', () => {
    const random = seededRandom(11);
    const backoff = exponentialBackoff({ baseDelayMs: 50, maxDelayMs: 1000, random });
    const perRetry: number[][] = [[], [], [], [], [], []];
    for (let run = 0; run < 2_000; run++) {
      delays(backoff, 6).forEach((d, i) => perRetry[i].push(d));
    }
    const ceilings = [50, 100, 200, 400, 800, 1000];
    perRetry.forEach((values, i) => {
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeLessThan(ceilings[i]);
      expect(Math.min(...values)).toBeLessThan(ceilings[i] * 0.05);
      expect(Math.max(...values)).toBeGreaterThan(ceilings[i] * 0.95);
    });
  });

  it('with decorrelated jitter stays in [base, min(cap, 3 × previous)]', () => {
    const backoff = exponentialBackoff({
      baseDelayMs: 50,
      maxDelayMs: 1000,
      jitter: 'decorrelated',
      random: seededRandom(5),
    });
    let sawCap = false;
    for (let run = 0; run < 500; run++) {
      let previous = 50;
      for (const d of delays(backoff, 8)) {
        expect(d).toBeGreaterThanOrEqual(50);
        expect(d).toBeLessThanOrEqual(Math.min(1000, previous * 3));
        if (d === 1000) sawCap = true;
        previous = d;
      }
    }
    expect(sawCap).toBe(true);
  });

  it('starts every sequence afresh', () => {
    const backoff = exponentialBackoff({ jitter: 'none' });
    const first = backoff.start();
    first.next();
    first.next();
    expect(backoff.start().next()).toBe(50);
  });

  it('rejects a cap below the base', () => {
    expect(() => exponentialBackoff({ baseDelayMs: 100, maxDelayMs: 50 })).toThrow(RangeError);
  });
});
