/** Stable machine-readable codes of every error this library throws. */
export type ResilienceErrorCode =
  | 'circuit_open'
  | 'bulkhead_full'
  | 'deadline_exceeded'
  | 'no_healthy_upstream'
  | 'upstream_timeout'
  | 'throttled'
  | 'rate_limited';

/** Fields every resilience error accepts. */
export interface ResilienceErrorOptions {
  /** Logical name of the upstream the call was for, when known. */
  upstream?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * Base of the taxonomy: a stable `code` (mapped to an HTTP status by the service layer),
 * an optional `upstream` label and the standard `cause`.
 */
export class ResilienceError extends Error {
  readonly code: ResilienceErrorCode;
  readonly upstream?: string;

  constructor(code: ResilienceErrorCode, message: string, options: ResilienceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options.upstream !== undefined) this.upstream = options.upstream;
  }
}

const about = (upstream: string | undefined) => (upstream ? ` for ${upstream}` : '');

/** The circuit breaker is open (or half-open with all probe slots taken): the call was not made. */
export class BrokenCircuitError extends ResilienceError {
  /** Time in ms until the breaker lets a probe through. */
  readonly retryAfterMs: number;

  constructor(options: ResilienceErrorOptions & { retryAfterMs: number }) {
    super(
      'circuit_open',
      `circuit${about(options.upstream)} is open; retry in ${Math.ceil(options.retryAfterMs)} ms`,
      options,
    );
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** All concurrency slots and queue places are taken: the call was not made. */
export class BulkheadRejectedError extends ResilienceError {
  readonly maxConcurrent: number;
  readonly maxQueue: number;

  constructor(options: ResilienceErrorOptions & { maxConcurrent: number; maxQueue: number }) {
    super(
      'bulkhead_full',
      `bulkhead${about(options.upstream)} is full (${options.maxConcurrent} running, ${options.maxQueue} queued)`,
      options,
    );
    this.maxConcurrent = options.maxConcurrent;
    this.maxQueue = options.maxQueue;
  }
}

/** The request's deadline passed, or too little of it is left to start another attempt. */
export class DeadlineExceededError extends ResilienceError {
  constructor(options: ResilienceErrorOptions & { message?: string } = {}) {
    super(
      'deadline_exceeded',
      options.message ?? `deadline exceeded${about(options.upstream)}`,
      options,
    );
  }
}

/** No instance of the upstream is usable (none registered, all ejected or open). */
export class NoHealthyUpstreamError extends ResilienceError {
  /** Suggested wait in ms before trying again. */
  readonly retryAfterMs: number;

  constructor(options: ResilienceErrorOptions & { retryAfterMs: number }) {
    super('no_healthy_upstream', `no healthy instance${about(options.upstream)}`, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** One attempt took longer than its per-attempt timeout. */
export class AttemptTimeoutError extends ResilienceError {
  /** The timeout that elapsed, in ms. */
  readonly timeoutMs: number;

  constructor(options: ResilienceErrorOptions & { timeoutMs: number }) {
    super(
      'upstream_timeout',
      `attempt${about(options.upstream)} timed out after ${options.timeoutMs} ms`,
      options,
    );
    this.timeoutMs = options.timeoutMs;
  }
}

/** The adaptive throttle rejected the call locally to shed load from a struggling upstream. */
export class ThrottledError extends ResilienceError {
  /** The rejection probability at the time of the decision, in [0, 1). */
  readonly rejectProbability: number;

  constructor(options: ResilienceErrorOptions & { rejectProbability: number }) {
    super(
      'throttled',
      `call${about(options.upstream)} throttled locally (reject probability ${options.rejectProbability.toFixed(2)})`,
      options,
    );
    this.rejectProbability = options.rejectProbability;
  }
}

/** A rate limiter refused the request (e.g. the leaky bucket's queue is full). */
export class RateLimitedError extends ResilienceError {
  /** Time in ms after which a retry can succeed. */
  readonly retryAfterMs: number;

  constructor(options: ResilienceErrorOptions & { retryAfterMs: number }) {
    super(
      'rate_limited',
      `rate limit${about(options.upstream)} reached; retry in ${Math.ceil(options.retryAfterMs)} ms`,
      options,
    );
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isResilienceError(error: unknown): error is ResilienceError {
  return error instanceof ResilienceError;
}

export function isBrokenCircuitError(error: unknown): error is BrokenCircuitError {
  return error instanceof BrokenCircuitError;
}

export function isBulkheadRejectedError(error: unknown): error is BulkheadRejectedError {
  return error instanceof BulkheadRejectedError;
}

export function isDeadlineExceededError(error: unknown): error is DeadlineExceededError {
  return error instanceof DeadlineExceededError;
}

export function isNoHealthyUpstreamError(error: unknown): error is NoHealthyUpstreamError {
  return error instanceof NoHealthyUpstreamError;
}

export function isAttemptTimeoutError(error: unknown): error is AttemptTimeoutError {
  return error instanceof AttemptTimeoutError;
}

export function isThrottledError(error: unknown): error is ThrottledError {
  return error instanceof ThrottledError;
}

export function isRateLimitedError(error: unknown): error is RateLimitedError {
  return error instanceof RateLimitedError;
}

/**
 * The wait hint (ms) an error carries, if any: `retryAfterMs` of a breaker, rate-limit or
 * no-healthy-upstream error, or of any object with a numeric `retryAfterMs`.
 */
export function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('retryAfterMs' in error)) return undefined;
  const value = (error as { retryAfterMs: unknown }).retryAfterMs;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}
