import { ATTR_MESH_OUTCOME, ATTR_MESH_POLICY, ATTR_MESH_UPSTREAM } from './attribute-names';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { instruments } from './instruments';

/** Options of {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Tokens added per second (the sustained rate). */
  ratePerSecond: number;
  /** Bucket capacity: the largest burst allowed after a quiet period. The bucket starts full. */
  burst: number;
  /** Label for metrics (`mesh.upstream`), e.g. the route or API guarded. Default `'default'`. */
  name?: string;
}

/** Answer of {@link TokenBucket.tryTake}, with what rate-limit response headers need. */
export interface TokenBucketDecision {
  readonly allowed: boolean;
  /** Whole tokens left after this decision. */
  readonly remaining: number;
  /** 0 when allowed; otherwise ms until the requested tokens are available. */
  readonly retryAfterMs: number;
  /** ms until the bucket is full again (the quota fully "resets"). */
  readonly resetMs: number;
  /** The bucket capacity (`burst`). */
  readonly limit: number;
}

// Absorbs binary rounding in the refill arithmetic (e.g. 3 tokens/s over 1000/3 ms).
const EPSILON = 1e-9;

/**
 * The token bucket: tokens drip in at `ratePerSecond` up to `burst`; a request takes tokens or
 * is refused. Allows bursts up to `burst` and a long-run rate of `ratePerSecond`. Refill is
 * computed lazily from the clock, with fractional tokens, so no timers run.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly name: string;
  private tokens: number;
  private refilledAt: number;

  constructor(
    options: TokenBucketOptions,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(options.ratePerSecond > 0) || !(options.burst >= 1)) {
      throw new RangeError(
        `need ratePerSecond > 0 and burst ≥ 1, got ${options.ratePerSecond} and ${options.burst}`,
      );
    }
    this.ratePerSecond = options.ratePerSecond;
    this.burst = options.burst;
    this.name = options.name ?? 'default';
    this.tokens = options.burst;
    this.refilledAt = clock.now();
  }

  /** Takes `n` tokens (default 1) if there are enough; never waits. */
  tryTake(n = 1): TokenBucketDecision {
    if (!(n > 0) || n > this.burst) {
      throw new RangeError(`can take between 0 and ${this.burst} tokens, not ${n}`);
    }
    this.refill();
    const allowed = this.tokens + EPSILON >= n;
    if (allowed) this.tokens = Math.max(0, this.tokens - n);
    instruments().rateLimitDecisions.add(1, {
      [ATTR_MESH_UPSTREAM]: this.name,
      [ATTR_MESH_POLICY]: 'token_bucket',
      [ATTR_MESH_OUTCOME]: allowed ? 'allowed' : 'rejected',
    });
    return {
      allowed,
      remaining: Math.floor(this.tokens + EPSILON),
      retryAfterMs: allowed ? 0 : this.msToHold(n),
      resetMs: this.msToHold(this.burst),
      limit: this.burst,
    };
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** ms until the bucket holds `n` tokens, rounded up. */
  private msToHold(n: number): number {
    const missing = n - this.tokens;
    return missing <= EPSILON ? 0 : Math.ceil((missing * 1000) / this.ratePerSecond - EPSILON);
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = now - this.refilledAt;
    if (elapsed <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
    this.refilledAt = now;
  }
}
