import { systemRandom } from './random';
import type { Random } from './random';

/**
 * How jitter spreads retries: `full` draws uniformly in [0, exponential delay) — the AWS
 * Architecture Blog's recommendation; `decorrelated` draws in [base, 3 × previous delay),
 * which grows more gently; `none` is the plain exponential (synchronised retries: avoid).
 */
export type Jitter = 'full' | 'decorrelated' | 'none';

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** Delay unit in ms: the first retry waits up to this long. Default 50. */
  baseDelayMs?: number;
  /** Cap in ms on any single delay. Default 1000. */
  maxDelayMs?: number;
  /** Jitter strategy. Default `'full'`. */
  jitter?: Jitter;
  /** Random source for the jitter. Default `Math.random`; seed it in tests. */
  random?: Random;
}

/** The delays of one call's retries, in order. */
export interface BackoffSequence {
  /** Delay in ms before the next retry. */
  next(): number;
}

/** A back-off strategy; `start()` begins a fresh sequence for each call. */
export interface Backoff {
  start(): BackoffSequence;
}

/** Exponential back-off `base × 2^(n−1)` capped at `maxDelayMs`, with jitter. */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const base = options.baseDelayMs ?? 50;
  const cap = options.maxDelayMs ?? 1000;
  const jitter = options.jitter ?? 'full';
  const random = options.random ?? systemRandom;
  if (!(base > 0) || !(cap >= base)) {
    throw new RangeError(`need 0 < baseDelayMs ≤ maxDelayMs, got ${base} and ${cap}`);
  }
  return {
    start(): BackoffSequence {
      let retry = 0;
      let previous = base;
      return {
        next(): number {
          retry += 1;
          const ceiling = Math.min(cap, base * 2 ** (retry - 1));
          switch (jitter) {
            case 'none':
              return ceiling;
            case 'full':
              return random() * ceiling;
            case 'decorrelated':
              previous = Math.min(cap, base + random() * (previous * 3 - base));
              return previous;
          }
        },
      };
    },
  };
}
