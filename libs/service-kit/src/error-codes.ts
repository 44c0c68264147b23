/**
 * The one table of error codes the mesh answers with, and the HTTP status of each.
 * Codes are stable: clients, dashboards and tests rely on them.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  not_found: 404,
  route_not_found: 404,
  conflict: 409,
  idempotency_key_reused: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unknown_user: 422,
  rate_limited: 429,
  internal_error: 500,
  injected_fault: 500,
  bad_gateway: 502,
  not_ready: 503,
  upstream_unavailable: 503,
  no_healthy_upstream: 503,
  circuit_open: 503,
  throttled: 503,
  bulkhead_full: 503,
  database_unavailable: 503,
  deadline_exceeded: 504,
  upstream_timeout: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}
