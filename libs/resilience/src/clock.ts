/** A source of the current time in milliseconds. Inject one wherever logic depends on time. */
export interface Clock {
  /** Current time in milliseconds (epoch or any monotonic origin; only differences matter). */
  now(): number;
}

/** The process clock (`Date.now()`); vitest fake timers control it too. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that moves only when told to, for deterministic tests of time-dependent logic
 * (breakers, buckets, EWMA). It does not drive timers: code that also sets timers is tested
 * with vitest fake timers and {@link systemClock}.
 */
export class ManualClock implements Clock {
  private current: number;

  /** @param startMs - initial reading in ms (default 0). */
  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  /** Moves the clock forward by `ms` (must be ≥ 0). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`cannot move a clock by ${ms} ms`);
    this.current += ms;
  }

  /** Sets the clock to an absolute reading (must not go backwards). */
  set(ms: number): void {
    if (ms < this.current) throw new RangeError('a clock does not go backwards');
    this.current = ms;
  }
}
