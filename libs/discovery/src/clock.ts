/** A timer started by a {@link Clock}. */
export interface ClockTimer {
  /** Stops the timer; calling it after the timer fired does nothing. */
  cancel(): void;
}

/**
 * Time source and one-shot timers. Everything in this lib that waits or measures time takes one,
 * so tests drive time by hand instead of sleeping.
 */
export interface Clock {
  /** Current time in milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `callback` once after `delayMs` milliseconds. */
  setTimeout(callback: () => void, delayMs: number): ClockTimer;
}

/**
 * The wall clock and Node's timers. Its timers are `unref`ed: a registry's background checks
 * never keep a process alive on their own.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};

/** Resolves after `delayMs` on `clock`, or at once when `signal` aborts (it never rejects). */
export function sleep(clock: Clock, delayMs: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, delayMs);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
