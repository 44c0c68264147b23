import { AdaptiveThrottle } from './adaptive-throttle';
import type { AdaptiveThrottleOptions, AdaptiveThrottleSnapshot } from './adaptive-throttle';
import { CircuitBreaker } from './circuit-breaker';
import type { CircuitBreakerOptions, CircuitBreakerSnapshot } from './circuit-breaker';
import type { Policy } from './policy';

/** The two interchangeable ways to stop calling an upstream that is failing. */
export type CallGateKind = 'circuit-breaker' | 'adaptive-throttle';

/** What the caller says counts as a failure of the upstream (not of the request). */
export interface FailureClassification {
  /**
   * Whether a thrown error is a failure of the upstream. The HTTP layer counts connection
   * errors and timeouts, never a 4xx. Default: every error is a failure, except an abort by
   * the caller's own signal (not counted at all).
   */
  isFailure?: (error: unknown) => boolean;
  /**
   * Whether a returned value is a failure (e.g. a 5xx response). The value is still returned
   * to the caller. Default: no result is a failure.
   */
  isFailureResult?: (result: unknown) => boolean;
}

/** Snapshot of a gate for `/admin/status`. */
export type CallGateSnapshot = CircuitBreakerSnapshot | AdaptiveThrottleSnapshot;

/**
 * A policy that decides, per upstream, whether a call may go out at all. Both the circuit
 * breaker and the adaptive throttle implement it, so configuration can choose one.
 */
export interface CallGate extends Policy {
  /** The strategy. */
  readonly name: CallGateKind;
  /** The upstream this gate guards (label on metrics and errors). */
  readonly upstream: string;
  snapshot(): CallGateSnapshot;
}

/** Options of {@link createCallGate}: the strategy plus its own options. */
export type CallGateOptions =
  | ({ kind: 'circuit-breaker' } & CircuitBreakerOptions)
  | ({ kind: 'adaptive-throttle' } & AdaptiveThrottleOptions);

/** Builds the gate a configuration asks for. */
export function createCallGate(options: CallGateOptions): CallGate {
  switch (options.kind) {
    case 'circuit-breaker':
      return new CircuitBreaker(options);
    case 'adaptive-throttle':
      return new AdaptiveThrottle(options);
  }
}
