import { neverAborted, sleep } from './abort';
import {
  ATTR_MESH_RETRY_ATTEMPT,
  ATTR_MESH_RETRY_DELAY_MS,
  ATTR_MESH_UPSTREAM,
  EVENT_MESH_RETRY,
} from './attribute-names';
import { exponentialBackoff } from './backoff';
import type { Backoff, Jitter } from './backoff';
import type { Deadline } from './deadline';
import { retryAfterOf } from './errors';
import { addSpanEvent, instruments } from './instruments';
import type { Random } from './random';
import type { RetryBudget } from './retry-budget';

/** What one attempt knows about itself. */
export interface AttemptContext {
  /** The signal to pass to I/O (aborts when the caller or an outer policy gives up). */
  readonly signal: AbortSignal;
  /** 1 for the first attempt, 2 for the first retry, … Pick another instance when > 1. */
  readonly attempt: number;
}

/**
 * An operation that may be attempted several times. It is an {@link Operation} with a second
 * argument, so any plain operation can be retried too.
 */
export type RetryOperation<T> = (signal: AbortSignal, context: AttemptContext) => Promise<T>;

/** How an attempt ended. */
export type RetryOutcome =
  { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: unknown };

/** Options of {@link RetryPolicy}. */
export interface RetryOptions {
  /**
   * Whether to retry after this outcome of attempt number `attempt` (1-based). The caller
   * decides what is safe: retry idempotent calls, or calls with an idempotency key, and only
   * on failures another attempt can fix (connection errors, 503, timeouts — not a 4xx).
   */
  shouldRetry: (outcome: RetryOutcome, attempt: number) => boolean;
  /** Attempts in total, the first included. Default 3. */
  maxAttempts?: number;
  /** First back-off delay in ms (exponential, jittered). Default 50. */
  baseDelayMs?: number;
  /** Cap in ms on any back-off delay; a server hint longer than this stops the retries. Default 1000. */
  maxDelayMs?: number;
  /** Jitter of the default back-off. Default `'full'`. */
  jitter?: Jitter;
  /** Random source of the default back-off. Default `Math.random`. */
  random?: Random;
  /** Replaces the exponential back-off built from the options above. */
  backoff?: Backoff;
  /**
   * Reads a server's wait hint (ms) from an outcome. The delay becomes `max(backoff, hint)`; a
   * hint longer than `maxDelayMs` ends the retries. Default: a numeric `retryAfterMs` on the error or
   * result (as on `BrokenCircuitError`). Return `undefined` to ignore hints, e.g. when the
   * next attempt goes to another instance anyway.
   */
  retryAfterMs?: (outcome: RetryOutcome) => number | undefined;
  /** Shared budget: each call deposits, each retry withdraws; no retry when it is empty. */
  budget?: RetryBudget;
  /** A retry is not made when less than this many ms of the deadline would remain after the delay. Default 0. */
  minAttemptMs?: number;
  /** Upstream label for metrics and span events. Default `'default'`. */
  upstream?: string;
}

/**
 * Retries an operation with jittered exponential back-off, within a budget and a deadline.
 * When it stops (attempts used, `shouldRetry` says no, budget empty, deadline too close) it
 * returns or throws what the last attempt returned or threw.
 */
export class RetryPolicy {
  private readonly shouldRetry: RetryOptions['shouldRetry'];
  private readonly maxAttempts: number;
  private readonly maxDelayMs: number;
  private readonly backoff: Backoff;
  private readonly hintOf: (outcome: RetryOutcome) => number | undefined;
  private readonly budget: RetryBudget | undefined;
  private readonly minAttemptMs: number;
  private readonly upstream: string;

  constructor(options: RetryOptions) {
    this.shouldRetry = options.shouldRetry;
    this.maxAttempts = options.maxAttempts ?? 3;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a whole number ≥ 1, got ${this.maxAttempts}`);
    }
    this.maxDelayMs = options.maxDelayMs ?? 1000;
    this.backoff =
      options.backoff ??
      exponentialBackoff({
        baseDelayMs: options.baseDelayMs,
        maxDelayMs: this.maxDelayMs,
        jitter: options.jitter,
        random: options.random,
      });
    this.hintOf =
      options.retryAfterMs ?? ((o) => (o.ok ? retryAfterOf(o.result) : retryAfterOf(o.error)));
    this.budget = options.budget;
    this.minAttemptMs = options.minAttemptMs ?? 0;
    this.upstream = options.upstream ?? 'default';
  }

  /**
   * Runs `op` until it succeeds or a retry is not allowed.
   * @param signal - aborts the current attempt and any back-off wait; no retry follows.
   * @param deadline - the request deadline: no retry whose delay would eat into the last
   *   `minAttemptMs` of it.
   */
  async execute<T>(
    op: RetryOperation<T>,
    signal: AbortSignal = neverAborted,
    deadline?: Deadline,
  ): Promise<T> {
    this.budget?.recordRequest();
    const delays = this.backoff.start();
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw signal.reason;
      let outcome: RetryOutcome;
      try {
        outcome = { ok: true, result: await op(signal, { signal, attempt }) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      const delay = this.delayBeforeRetry(outcome, attempt, signal, deadline, delays.next());
      if (delay === undefined) {
        if (outcome.ok) return outcome.result as T;
        throw outcome.error;
      }
      await sleep(delay, signal);
    }
  }

  /** The delay before another attempt, or undefined to stop. */
  private delayBeforeRetry(
    outcome: RetryOutcome,
    attempt: number,
    signal: AbortSignal,
    deadline: Deadline | undefined,
    backoff: number,
  ): number | undefined {
    if (attempt >= this.maxAttempts || signal.aborted) return undefined;
    if (!this.shouldRetry(outcome, attempt)) return undefined;
    const hint = this.hintOf(outcome);
    // Retrying sooner than the server asked would not honour its hint: give up instead (Envoy).
    if (hint !== undefined && hint > this.maxDelayMs) return undefined;
    const delay = Math.min(this.maxDelayMs, Math.max(backoff, hint ?? 0));
    if (deadline && deadline.remainingMs() - delay <= this.minAttemptMs) return undefined;
    const labels = { [ATTR_MESH_UPSTREAM]: this.upstream };
    if (this.budget && !this.budget.tryRetry()) {
      instruments().retryBudgetExhausted.add(1, labels);
      return undefined;
    }
    instruments().retries.add(1, labels);
    addSpanEvent(EVENT_MESH_RETRY, {
      ...labels,
      [ATTR_MESH_RETRY_ATTEMPT]: attempt,
      [ATTR_MESH_RETRY_DELAY_MS]: Math.round(delay),
    });
    return delay;
  }
}
