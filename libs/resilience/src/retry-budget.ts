import { systemClock } from './clock';
import type { Clock } from './clock';
import { RollingWindow } from './rolling-window';

/** Options of {@link RetryBudget}; defaults are Finagle's and Linkerd's. */
export interface RetryBudgetOptions {
  /** Retries allowed per request made, over the window. Default 0.2 (20 %). */
  ratio?: number;
  /** How long a request or retry counts towards the budget, in ms. Default 10000. */
  ttlMs?: number;
  /**
   * Retries allowed per second regardless of traffic, so a quiet client can still retry.
   * Adds `minRetriesPerSecond × ttl` retries to the window's allowance. Default 10.
   */
  minRetriesPerSecond?: number;
  /** Buckets of the window (expiry granularity is `ttlMs / buckets`). Default 10. */
  buckets?: number;
  /** Time source. Default {@link systemClock}. */
  clock?: Clock;
}

/** State of a retry budget for `/admin/status`. */
export interface RetryBudgetSnapshot {
  readonly requests: number;
  readonly retries: number;
  /** Whole retries still allowed now. */
  readonly available: number;
  readonly ratio: number;
  readonly ttlMs: number;
  readonly minRetriesPerSecond: number;
}

/**
 * A retry budget (Finagle `RetryBudget`, Linkerd `retryBudget`): every request deposits
 * `ratio` of a retry, every retry withdraws one, over a sliding `ttlMs` window, plus a fixed
 * reserve of `minRetriesPerSecond × ttl`. Retries therefore add at most `ratio` extra load
 * when an upstream fails, instead of multiplying it by the attempt count. Share one budget
 * per upstream between all its retry policies.
 */
export class RetryBudget {
  private readonly ratio: number;
  private readonly ttlMs: number;
  private readonly minRetriesPerSecond: number;
  private readonly window: RollingWindow<'requests' | 'retries'>;

  constructor(options: RetryBudgetOptions = {}) {
    this.ratio = options.ratio ?? 0.2;
    this.ttlMs = options.ttlMs ?? 10_000;
    this.minRetriesPerSecond = options.minRetriesPerSecond ?? 10;
    if (!(this.ratio >= 0) || !(this.minRetriesPerSecond >= 0)) {
      throw new RangeError('ratio and minRetriesPerSecond must be ≥ 0');
    }
    this.window = new RollingWindow(
      this.ttlMs,
      options.buckets ?? 10,
      ['requests', 'retries'],
      options.clock ?? systemClock,
    );
  }

  /** Deposits: call once per original request (not per retry). */
  recordRequest(): void {
    this.window.add('requests');
  }

  /** Withdraws: call once per retry actually made. */
  recordRetry(): void {
    this.window.add('retries');
  }

  /** Whether one more retry fits in the budget now. */
  canRetry(): boolean {
    return this.available() >= 1;
  }

  /** `canRetry()` and, if so, `recordRetry()` in one step. */
  tryRetry(): boolean {
    if (!this.canRetry()) return false;
    this.recordRetry();
    return true;
  }

  /** Whole retries still allowed: ⌊requests × ratio + minRetriesPerSecond × ttl − retries⌋. */
  available(): number {
    const { requests, retries } = this.window.totals();
    const allowance = requests * this.ratio + (this.minRetriesPerSecond * this.ttlMs) / 1000;
    // The epsilon absorbs binary rounding (0.2 × 5 is 1.0000000000000002 or 0.9999… otherwise).
    return Math.max(0, Math.floor(allowance - retries + 1e-9));
  }

  snapshot(): RetryBudgetSnapshot {
    const { requests, retries } = this.window.totals();
    return {
      requests,
      retries,
      available: this.available(),
      ratio: this.ratio,
      ttlMs: this.ttlMs,
      minRetriesPerSecond: this.minRetriesPerSecond,
    };
  }
}
