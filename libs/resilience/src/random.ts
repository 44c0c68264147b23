/** A uniform random number in [0, 1), like `Math.random`. Inject a seeded one in tests. */
export type Random = () => number;

/** `Math.random`, for production use. */
export const systemRandom: Random = () => Math.random();

/**
 * A small deterministic generator (mulberry32): the same seed always yields the same
 * sequence, so tests of randomised strategies (jitter, P2C, throttling) are repeatable.
 * Not for cryptography.
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
