import { DEPENDENCY_FAILED_HEADER } from '../dependency-failure';
import type { UpstreamResponse } from './http-transport';

/**
 * What an upstream's answer says about the instance that gave it, for the breaker, outlier
 * detection, the balancer and the retry decision. See docs/resilience.md, "How an outcome is
 * classified".
 */

/** Statuses another instance may well answer better: bad gateway, unavailable, gateway timeout. */
const RETRYABLE_STATUSES = new Set([502, 503, 504]);

/**
 * Codes of a downstream shedding load on purpose (its own breaker, bulkhead or throttle): asking
 * another instance of it right away only adds to the load it is shedding.
 */
const SHEDDING_CODES = new Set(['circuit_open', 'bulkhead_full', 'throttled']);

type Answer = Pick<UpstreamResponse, 'status' | 'headers'> & { body?: Buffer };

/** A 5xx the instance answered because its own upstream failed (`X-Mesh-Dependency-Failed`). */
export function isDependencyFailure(response: Answer): boolean {
  return response.status >= 500 && response.headers[DEPENDENCY_FAILED_HEADER] !== undefined;
}

/**
 * Whether sending the same request to another instance may succeed: a 502, 503 or 504 of the
 * instance's own making. Not a 500 or 501 (the same code answers the same way everywhere), not a
 * dependency failure (every instance shares the dependency) and not a downstream's own
 * `circuit_open` / `bulkhead_full` / `throttled`.
 */
export function isRetryableResponse(response: Answer): boolean {
  if (!RETRYABLE_STATUSES.has(response.status) || isDependencyFailure(response)) return false;
  const code = errorCodeOf(response.body);
  return code === undefined || !SHEDDING_CODES.has(code);
}

/**
 * The wait a `Retry-After` header asks for, in ms (delay-seconds or an HTTP date), or
 * undefined when there is none or it cannot be read.
 */
export function retryAfterMsOf(response: Answer, now: number = Date.now()): number | undefined {
  const raw = response.headers['retry-after'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The `error.code` of an error envelope, if the body is one. */
function errorCodeOf(body: Buffer | undefined): string | undefined {
  if (!body || body.length === 0 || body.length > 64 * 1024) return undefined;
  try {
    const code = (JSON.parse(body.toString('utf8')) as { error?: { code?: unknown } } | null)?.error
      ?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
