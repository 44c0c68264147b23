/**
 * Names of the metrics this library records (meter `@mesh/resilience`). OpenTelemetry style:
 * dot-separated, no unit or `_total` suffix (the Prometheus exporter adds those).
 * See docs/resilience.md for what each one tells you.
 */

/** Gauge: breaker state per upstream, 0 closed, 1 half-open, 2 open. Unit `{state}`. */
export const METRIC_CIRCUIT_BREAKER_STATE = 'mesh.circuit_breaker.state';
/** Counter: breaker state transitions (`mesh.circuit_breaker.from_state` → `to_state`). */
export const METRIC_CIRCUIT_BREAKER_TRANSITIONS = 'mesh.circuit_breaker.transitions';
/** Counter: calls through a policy by `mesh.policy` and `mesh.outcome`. */
export const METRIC_CALLS = 'mesh.calls';
/** Gauge: adaptive throttle local rejection probability per upstream, in [0, 1). */
export const METRIC_ADAPTIVE_THROTTLE_PROBABILITY = 'mesh.adaptive_throttle.reject_probability';
/** Counter: retries started (the first attempt is not a retry). */
export const METRIC_RETRY_ATTEMPTS = 'mesh.retry.attempts';
/** Counter: retries refused because the retry budget was empty. */
export const METRIC_RETRY_BUDGET_EXHAUSTED = 'mesh.retry.budget_exhausted';
/** Counter: rate-limiter decisions by `mesh.policy` and `mesh.outcome` (allowed / rejected). */
export const METRIC_RATE_LIMIT_DECISIONS = 'mesh.rate_limit.decisions';
/** Gauge: bulkhead slots in use. */
export const METRIC_BULKHEAD_IN_USE = 'mesh.bulkhead.in_use';
/** Gauge: calls waiting in a bulkhead queue. */
export const METRIC_BULKHEAD_QUEUED = 'mesh.bulkhead.queued';
/** Counter: attempts refused or aborted because the request deadline passed. */
export const METRIC_DEADLINE_EXPIRATIONS = 'mesh.deadline.expirations';
/** Counter: load-balancer picks per instance (`mesh.instance`). */
export const METRIC_BALANCER_PICKS = 'mesh.balancer.picks';
/** Counter: outlier-detection ejections per instance. */
export const METRIC_OUTLIER_EJECTIONS = 'mesh.outlier.ejections';
