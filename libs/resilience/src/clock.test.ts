import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock, systemClock } from './clock';

describe('systemClock', () => {
  afterEach(() => vi.useRealTimers());

  it('reads Date.now, so fake timers control it', () => {
    vi.useFakeTimers({ now: 1_000 });
    expect(systemClock.now()).toBe(1_000);
    vi.advanceTimersByTime(250);
    expect(systemClock.now()).toBe(1_250);
  });
});

describe('ManualClock', () => {
  it('moves only when advanced or set', () => {
    const clock = new ManualClock(10);
    expect(clock.now()).toBe(10);
    clock.advance(5);
    expect(clock.now()).toBe(15);
    clock.set(100);
    expect(clock.now()).toBe(100);
  });

  it('refuses to go backwards', () => {
    const clock = new ManualClock(10);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.set(9)).toThrow(RangeError);
  });
});
