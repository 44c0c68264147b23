import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

const bounds = { initialDelayMs: 100, maxDelayMs: 1000 };

describe('backoffDelay', () => {
  it('doubles per attempt and stops at the maximum', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, bounds, top))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('keeps at least half of the delay whatever the random draw', () => {
    expect(backoffDelay(3, bounds, () => 0)).toBe(200);
    expect(backoffDelay(3, bounds, () => 0.5)).toBe(300);
  });
});
