import {
  ATTR_MESH_ERROR_CODE,
  ATTR_MESH_OUTCOME,
  ATTR_MESH_POLICY,
  ATTR_MESH_UPSTREAM,
  EVENT_MESH_FALLBACK,
} from './attribute-names';
import { isResilienceError } from './errors';
import { addSpanEvent, instruments } from './instruments';

/** Options of {@link withFallback}. */
export interface FallbackOptions {
  /** Whether this error may be replaced by the fallback. Default: every error. */
  shouldFallback?: (error: unknown) => boolean;
  /** Upstream label for the metric and span event. Default `'default'`. */
  upstream?: string;
}

/**
 * Runs `op`; if it fails with an error `shouldFallback` accepts, returns `fallback(error)`
 * instead (a cached or degraded answer), recording a `fallback` outcome and a span event so the
 * degradation is visible. Other errors, and errors of the fallback itself, propagate.
 */
export async function withFallback<T>(
  op: () => Promise<T>,
  fallback: (error: unknown) => T | Promise<T>,
  options: FallbackOptions = {},
): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (options.shouldFallback && !options.shouldFallback(error)) throw error;
    const upstream = options.upstream ?? 'default';
    instruments().calls.add(1, {
      [ATTR_MESH_UPSTREAM]: upstream,
      [ATTR_MESH_POLICY]: 'fallback',
      [ATTR_MESH_OUTCOME]: 'fallback',
    });
    addSpanEvent(EVENT_MESH_FALLBACK, {
      [ATTR_MESH_UPSTREAM]: upstream,
      [ATTR_MESH_ERROR_CODE]: errorCode(error),
    });
    return fallback(error);
  }
}

function errorCode(error: unknown): string {
  if (isResilienceError(error)) return error.code;
  if (error instanceof Error) return error.name;
  return typeof error;
}
