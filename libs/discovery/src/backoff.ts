/** Bounds of an exponential retry delay. */
export interface BackoffOptions {
  /** Delay before the first retry, in milliseconds. */
  initialDelayMs: number;
  /** Largest delay, in milliseconds. */
  maxDelayMs: number;
}

/**
 * Delay before retry number `attempt` (1 for the first retry): doubles from `initialDelayMs` up to
 * `maxDelayMs`, then keeps a random half of it ("equal jitter") so that many instances reconnecting
 * after an etcd outage do not all arrive at the same instant.
 *
 * @param random - a source of numbers in [0, 1); `Math.random` in production
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
