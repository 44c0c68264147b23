export type { Clock } from './clock';
export { ManualClock, systemClock } from './clock';
export type { Random } from './random';
export { seededRandom, systemRandom } from './random';
export type { ResilienceErrorCode, ResilienceErrorOptions } from './errors';
export {
  AttemptTimeoutError,
  BrokenCircuitError,
  BulkheadRejectedError,
  DeadlineExceededError,
  isAttemptTimeoutError,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isDeadlineExceededError,
  isNoHealthyUpstreamError,
  isRateLimitedError,
  isResilienceError,
  isThrottledError,
  NoHealthyUpstreamError,
  RateLimitedError,
  ResilienceError,
  retryAfterOf,
  ThrottledError,
} from './errors';
export type { Operation, Policy } from './policy';
export { fromCockatiel, noopPolicy, wrap } from './policy';
export type { TimeoutOptions } from './timeout';
export { timeoutPolicy } from './timeout';
export type {
  CallGate,
  CallGateKind,
  CallGateOptions,
  CallGateSnapshot,
  FailureClassification,
} from './call-gate';
export { createCallGate } from './call-gate';
export type {
  CircuitBreakerOptions,
  CircuitBreakerSnapshot,
  CircuitBreakerStats,
  CircuitState,
  CircuitStateChange,
} from './circuit-breaker';
export { CircuitBreaker } from './circuit-breaker';
export type { AdaptiveThrottleOptions, AdaptiveThrottleSnapshot } from './adaptive-throttle';
export { AdaptiveThrottle } from './adaptive-throttle';
export type { Backoff, BackoffSequence, ExponentialBackoffOptions, Jitter } from './backoff';
export { exponentialBackoff } from './backoff';
export type { AttemptContext, RetryOperation, RetryOptions, RetryOutcome } from './retry';
export { RetryPolicy } from './retry';
export type { RetryBudgetOptions, RetryBudgetSnapshot } from './retry-budget';
export { RetryBudget } from './retry-budget';
export type { DeadlineHeaderResult, DeadlinePolicyOptions, ParseDeadlineOptions } from './deadline';
export {
  DEADLINE_HEADER,
  Deadline,
  deadlinePolicy,
  formatDeadlineHeader,
  MAX_DEADLINE_HEADER_MS,
  parseDeadlineHeader,
} from './deadline';
export type { BulkheadOptions, BulkheadSnapshot } from './bulkhead';
export { Bulkhead } from './bulkhead';
export type { TokenBucketDecision, TokenBucketOptions } from './token-bucket';
export { TokenBucket } from './token-bucket';
export type { LeakyBucketOptions, LeakyBucketSnapshot } from './leaky-bucket';
export { LeakyBucket } from './leaky-bucket';
export type { EvictionReason, KeyedLimiterOptions } from './keyed-limiter';
export { KeyedLimiter } from './keyed-limiter';
export type { FallbackOptions } from './fallback';
export { withFallback } from './fallback';
export type {
  BalancerKind,
  BalancerSnapshot,
  CallOutcome,
  Endpoint,
  EndpointStats,
  LoadBalancer,
} from './balancers/load-balancer';
export type { BaseBalancerOptions } from './balancers/tracking-balancer';
export { RoundRobinBalancer } from './balancers/round-robin-balancer';
export { SmoothWeightedRoundRobinBalancer } from './balancers/smooth-weighted-round-robin-balancer';
export type { LeastRequestOptions } from './balancers/least-request-balancer';
export { LeastRequestBalancer } from './balancers/least-request-balancer';
export type { PeakEwmaOptions } from './balancers/peak-ewma-balancer';
export { PeakEwmaBalancer } from './balancers/peak-ewma-balancer';
export type { BalancerOptions } from './balancers/create-balancer';
export { createBalancer } from './balancers/create-balancer';
export type {
  EjectionEvent,
  OutlierDetectorOptions,
  OutlierHostSnapshot,
} from './outlier-detector';
export { OutlierDetector } from './outlier-detector';
export { METER_NAME } from './instruments';
export {
  METRIC_ADAPTIVE_THROTTLE_PROBABILITY,
  METRIC_BALANCER_PICKS,
  METRIC_BULKHEAD_IN_USE,
  METRIC_BULKHEAD_QUEUED,
  METRIC_CALLS,
  METRIC_CIRCUIT_BREAKER_STATE,
  METRIC_CIRCUIT_BREAKER_TRANSITIONS,
  METRIC_DEADLINE_EXPIRATIONS,
  METRIC_OUTLIER_EJECTIONS,
  METRIC_RATE_LIMIT_DECISIONS,
  METRIC_RETRY_ATTEMPTS,
  METRIC_RETRY_BUDGET_EXHAUSTED,
} from './metric-names';
export {
  ATTR_MESH_BALANCER,
  ATTR_MESH_BREAKER_FROM_STATE,
  ATTR_MESH_BREAKER_TO_STATE,
  ATTR_MESH_ERROR_CODE,
  ATTR_MESH_INSTANCE,
  ATTR_MESH_OUTCOME,
  ATTR_MESH_POLICY,
  ATTR_MESH_RETRY_ATTEMPT,
  ATTR_MESH_RETRY_DELAY_MS,
  ATTR_MESH_UPSTREAM,
  EVENT_MESH_BREAKER_TRANSITION,
  EVENT_MESH_FALLBACK,
  EVENT_MESH_RETRY,
} from './attribute-names';
