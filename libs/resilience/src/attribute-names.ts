/**
 * Attribute and span-event names used on this library's metrics and span events.
 * Values stay low-cardinality: upstream and instance ids, never client keys or URLs.
 */

/** Logical upstream (service) name a primitive guards, e.g. `user-service`. */
export const ATTR_MESH_UPSTREAM = 'mesh.upstream';
/** Instance id of an endpoint (load balancing, outlier detection). */
export const ATTR_MESH_INSTANCE = 'mesh.instance';
/** Which primitive recorded the value: `circuit_breaker`, `adaptive_throttle`, `bulkhead`, … */
export const ATTR_MESH_POLICY = 'mesh.policy';
/** Outcome of a call or decision: `success`, `failure`, `timeout`, `rejected`, … */
export const ATTR_MESH_OUTCOME = 'mesh.outcome';
/** Load-balancer strategy name, e.g. `p2c-ewma`. */
export const ATTR_MESH_BALANCER = 'mesh.balancer';
/** Breaker state before a transition. */
export const ATTR_MESH_BREAKER_FROM_STATE = 'mesh.circuit_breaker.from_state';
/** Breaker state after a transition. */
export const ATTR_MESH_BREAKER_TO_STATE = 'mesh.circuit_breaker.to_state';
/** Retry number (1 = first retry, i.e. the second attempt). */
export const ATTR_MESH_RETRY_ATTEMPT = 'mesh.retry.attempt';
/** Delay before a retry, in ms. */
export const ATTR_MESH_RETRY_DELAY_MS = 'mesh.retry.delay_ms';
/** Error code (`ResilienceError.code`) or error name that caused an event. */
export const ATTR_MESH_ERROR_CODE = 'mesh.error.code';

/** Span event: a retry is about to start. */
export const EVENT_MESH_RETRY = 'mesh.retry';
/** Span event: a circuit breaker changed state. */
export const EVENT_MESH_BREAKER_TRANSITION = 'mesh.circuit_breaker.transition';
/** Span event: a fallback value replaced a failed call. */
export const EVENT_MESH_FALLBACK = 'mesh.fallback';
