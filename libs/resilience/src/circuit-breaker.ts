import { neverAborted } from './abort';
import {
  ATTR_MESH_BREAKER_FROM_STATE,
  ATTR_MESH_BREAKER_TO_STATE,
  ATTR_MESH_OUTCOME,
  ATTR_MESH_POLICY,
  ATTR_MESH_UPSTREAM,
  EVENT_MESH_BREAKER_TRANSITION,
} from './attribute-names';
import type { CallGate, FailureClassification } from './call-gate';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { AttemptTimeoutError, BrokenCircuitError, BulkheadRejectedError } from './errors';
import { addSpanEvent, instruments, observeGauge } from './instruments';
import { METRIC_CIRCUIT_BREAKER_STATE } from './metric-names';
import type { Operation } from './policy';
import { RollingWindow } from './rolling-window';
import { runWithTimeout } from './timeout';

/** `closed`: calls flow; `open`: calls are refused; `half-open`: a few probes test the upstream. */
export type CircuitState = 'closed' | 'open' | 'half-open';

/** Options of {@link CircuitBreaker}; names and defaults follow Hystrix. */
export interface CircuitBreakerOptions extends FailureClassification {
  /** Upstream label for metrics, span events and errors. Default `'default'`. */
  upstream?: string;
  /** Per-call timeout in ms; a timed-out call counts as a failure. `Infinity` disables. Default 1000. */
  timeout?: number;
  /**
   * Calls allowed in flight at once; more are rejected with `BulkheadRejectedError` and count as
   * errors, as in Hystrix. Default 100 (Hystrix's semaphore default is 10, sized for threads).
   */
  maxConcurrentRequests?: number;
  /** Minimum calls in the rolling window before the breaker may trip. Default 20. */
  requestVolumeThreshold?: number;
  /** Time in ms the breaker stays open before letting probes through. Default 5000. */
  sleepWindow?: number;
  /** Error percentage (0–100) at or above which the breaker trips. Default 50. */
  errorPercentThreshold?: number;
  /** Length of the rolling statistics window in ms. Default 10000. */
  rollingWindow?: number;
  /** Number of buckets the rolling window is split into. Default 10. */
  rollingWindowBuckets?: number;
  /** Probes allowed at once in half-open; other calls are rejected meanwhile. Default 1. */
  halfOpenMaxProbes?: number;
  /** Time source for the window and the sleep window. Default {@link systemClock}. */
  clock?: Clock;
}

/** A state change, as given to {@link CircuitBreaker.onStateChange} listeners. */
export interface CircuitStateChange {
  readonly upstream: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  /** Clock reading at the change, in ms. */
  readonly at: number;
}

/** Counts over the current rolling window. */
export interface CircuitBreakerStats {
  readonly state: CircuitState;
  /** Calls that count towards the error percentage (all but short-circuited). */
  readonly requests: number;
  readonly successes: number;
  readonly failures: number;
  readonly timeouts: number;
  /** Calls refused because `maxConcurrentRequests` were in flight. */
  readonly rejected: number;
  /** Calls refused because the circuit was open (or half-open and busy). */
  readonly shortCircuited: number;
  /** (failures + timeouts + rejected) / requests × 100; 0 without requests. */
  readonly errorPercent: number;
  readonly inFlight: number;
}

/** {@link CircuitBreakerStats} plus identity, for `/admin/status`. */
export interface CircuitBreakerSnapshot extends CircuitBreakerStats {
  readonly name: 'circuit-breaker';
  readonly upstream: string;
  /** While open: ms until probes are let through. */
  readonly retryAfterMs?: number;
}

type Outcome = 'success' | 'failure' | 'timeout' | 'rejected' | 'short_circuited' | 'cancelled';
type Field = 'success' | 'failure' | 'timeout' | 'rejected' | 'short_circuited';

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * A Hystrix-style circuit breaker: it trips when, over a rolling window, at least
 * `requestVolumeThreshold` calls were made and `errorPercentThreshold` % of them failed; it then
 * refuses calls for `sleepWindow` ms, lets `halfOpenMaxProbes` probes through, and closes on the
 * first successful probe or reopens on the first failed one. Written here rather than on
 * cockatiel's `CircuitBreakerPolicy`, which reads `Date.now`, allows a single probe and has no
 * request-volume threshold; see docs/resilience.md.
 */
export class CircuitBreaker implements CallGate {
  readonly name = 'circuit-breaker' as const;
  readonly upstream: string;

  private readonly timeoutMs: number;
  private readonly maxConcurrent: number;
  private readonly volumeThreshold: number;
  private readonly sleepWindowMs: number;
  private readonly errorThreshold: number;
  private readonly halfOpenMaxProbes: number;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly isFailureResult: (result: unknown) => boolean;
  private readonly clock: Clock;
  private readonly window: RollingWindow<Field>;
  private readonly listeners = new Set<(change: CircuitStateChange) => void>();

  private current: CircuitState = 'closed';
  private openedAt = 0;
  /** Incremented on every transition, so a late probe result cannot act on a newer state. */
  private generation = 0;
  private probes = 0;
  private inFlight = 0;

  constructor(options: CircuitBreakerOptions = {}) {
    this.upstream = options.upstream ?? 'default';
    this.timeoutMs = options.timeout ?? 1000;
    this.maxConcurrent = options.maxConcurrentRequests ?? 100;
    this.volumeThreshold = options.requestVolumeThreshold ?? 20;
    this.sleepWindowMs = options.sleepWindow ?? 5000;
    this.errorThreshold = options.errorPercentThreshold ?? 50;
    this.halfOpenMaxProbes = options.halfOpenMaxProbes ?? 1;
    this.isFailure = options.isFailure ?? (() => true);
    this.isFailureResult = options.isFailureResult ?? (() => false);
    this.clock = options.clock ?? systemClock;
    positive('timeout', this.timeoutMs);
    positive('maxConcurrentRequests', this.maxConcurrent);
    positive('halfOpenMaxProbes', this.halfOpenMaxProbes);
    if (this.volumeThreshold < 0 || this.sleepWindowMs < 0) {
      throw new RangeError('requestVolumeThreshold and sleepWindow must be ≥ 0');
    }
    if (!(this.errorThreshold >= 0 && this.errorThreshold <= 100)) {
      throw new RangeError(`errorPercentThreshold must be in [0, 100], got ${this.errorThreshold}`);
    }
    this.window = new RollingWindow(
      options.rollingWindow ?? 10_000,
      options.rollingWindowBuckets ?? 10,
      ['success', 'failure', 'timeout', 'rejected', 'short_circuited'],
      this.clock,
    );
    observeGauge(METRIC_CIRCUIT_BREAKER_STATE, this, (breaker) => ({
      value: STATE_VALUE[breaker.state],
      attributes: { [ATTR_MESH_UPSTREAM]: breaker.upstream },
    }));
  }

  /**
   * Current state. An open breaker whose sleep window has passed still reads `open` until the
   * next call turns it half-open (as in Hystrix).
   */
  get state(): CircuitState {
    return this.current;
  }

  stats(): CircuitBreakerStats {
    const t = this.window.totals();
    const errors = t.failure + t.timeout + t.rejected;
    const requests = t.success + errors;
    return {
      state: this.current,
      requests,
      successes: t.success,
      failures: t.failure,
      timeouts: t.timeout,
      rejected: t.rejected,
      shortCircuited: t.short_circuited,
      errorPercent: requests === 0 ? 0 : (errors / requests) * 100,
      inFlight: this.inFlight,
    };
  }

  snapshot(): CircuitBreakerSnapshot {
    const snapshot: CircuitBreakerSnapshot = {
      name: this.name,
      upstream: this.upstream,
      ...this.stats(),
    };
    return this.current === 'open'
      ? { ...snapshot, retryAfterMs: this.openRemainingMs() }
      : snapshot;
  }

  /**
   * Calls `listener` on every state change (synchronously, inside the call that caused it).
   * A listener must not throw; if it does, the error is ignored so it cannot break calls.
   * @returns a function that removes the listener.
   */
  onStateChange(listener: (change: CircuitStateChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async execute<T>(op: Operation<T>, signal: AbortSignal = neverAborted): Promise<T> {
    if (signal.aborted) throw signal.reason;
    const probeOf = this.admit();
    let outcome: Outcome = 'success';
    try {
      const result = await runWithTimeout(op, signal, this.timeoutMs, this.upstream);
      outcome = this.isFailureResult(result) ? 'failure' : 'success';
      return result;
    } catch (error) {
      outcome = this.classify(error, signal);
      throw error;
    } finally {
      this.inFlight -= 1;
      this.complete(outcome, probeOf);
    }
  }

  /**
   * Decides whether a call may start; throws if not.
   * @returns the generation of the half-open period when the call is a probe, else undefined.
   */
  private admit(): number | undefined {
    if (this.current === 'open') {
      const remaining = this.openRemainingMs();
      if (remaining > 0) this.shortCircuit(remaining);
      this.transition('half-open');
      this.probes = 0;
    }
    let probeOf: number | undefined;
    if (this.current === 'half-open') {
      if (this.probes >= this.halfOpenMaxProbes) {
        this.shortCircuit(Math.min(this.timeoutMs, this.sleepWindowMs));
      }
      this.probes += 1;
      probeOf = this.generation;
    }
    if (this.inFlight >= this.maxConcurrent) {
      if (probeOf !== undefined) this.probes -= 1;
      this.complete('rejected', undefined);
      throw new BulkheadRejectedError({
        upstream: this.upstream,
        maxConcurrent: this.maxConcurrent,
        maxQueue: 0,
      });
    }
    this.inFlight += 1;
    return probeOf;
  }

  private shortCircuit(retryAfterMs: number): never {
    this.window.add('short_circuited');
    this.count('short_circuited');
    throw new BrokenCircuitError({ upstream: this.upstream, retryAfterMs });
  }

  private classify(error: unknown, signal: AbortSignal): Outcome {
    if (signal.aborted && error === signal.reason) return 'cancelled';
    if (error instanceof AttemptTimeoutError) return 'timeout';
    return this.isFailure(error) ? 'failure' : 'success';
  }

  private complete(outcome: Outcome, probeOf: number | undefined): void {
    this.count(outcome);
    if (outcome === 'cancelled') {
      // The caller gave up: this says nothing about the upstream. Free the probe slot.
      if (probeOf === this.generation && this.current === 'half-open') this.probes -= 1;
      return;
    }
    this.window.add(outcome);
    if (probeOf !== undefined && probeOf === this.generation && this.current === 'half-open') {
      this.transition(outcome === 'success' ? 'closed' : 'open');
      return;
    }
    if (this.current === 'closed' && outcome !== 'success') {
      const { requests, errorPercent } = this.stats();
      if (requests >= this.volumeThreshold && errorPercent >= this.errorThreshold) {
        this.transition('open');
      }
    }
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    this.current = to;
    this.generation += 1;
    const at = this.clock.now();
    if (to === 'open') this.openedAt = at;
    if (to === 'closed') this.window.reset();
    const attributes = {
      [ATTR_MESH_UPSTREAM]: this.upstream,
      [ATTR_MESH_BREAKER_FROM_STATE]: from,
      [ATTR_MESH_BREAKER_TO_STATE]: to,
    };
    instruments().breakerTransitions.add(1, attributes);
    addSpanEvent(EVENT_MESH_BREAKER_TRANSITION, attributes);
    const change: CircuitStateChange = { upstream: this.upstream, from, to, at };
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A faulty listener must not break the call that triggered the change.
      }
    }
  }

  private openRemainingMs(): number {
    return Math.max(0, this.openedAt + this.sleepWindowMs - this.clock.now());
  }

  private count(outcome: Outcome): void {
    instruments().calls.add(1, {
      [ATTR_MESH_UPSTREAM]: this.upstream,
      [ATTR_MESH_POLICY]: 'circuit_breaker',
      [ATTR_MESH_OUTCOME]: outcome,
    });
  }
}

function positive(name: string, value: number): void {
  if (!(value > 0)) throw new RangeError(`${name} must be > 0, got ${value}`);
}
