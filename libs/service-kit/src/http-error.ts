import { ERROR_STATUS } from './error-codes';
import type { ErrorCode } from './error-codes';

/** One invalid field of a request, as listed in `error.details`. */
export interface FieldIssue {
  /** Dotted path of the field (`items.0.quantity`), or `body` / a header name. */
  field: string;
  message: string;
}

export interface HttpErrorOptions {
  details?: unknown;
  cause?: unknown;
  /** Sent as `Retry-After` (seconds, rounded up). */
  retryAfterSeconds?: number;
  /** Overrides the status of the code table; only for injected faults, whose status is chosen by the operator. */
  status?: number;
  /** Extra response headers (e.g. the rate-limit headers of a 429). */
  headers?: Record<string, string>;
  /**
   * The upstream service whose failure this error reports; a 5xx answer then carries it in
   * `X-Mesh-Dependency-Failed` (see `dependency-failure.ts`).
   */
  upstream?: string;
}

/**
 * The base of every error the mesh answers with: a stable `code`, the HTTP `status` from the
 * code table, optional `details`, and the original `cause` (logged, never sent).
 */
export class HttpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly upstream: string | undefined;

  constructor(code: ErrorCode, message: string, options: HttpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HttpError';
    this.code = code;
    this.status = options.status ?? ERROR_STATUS[code];
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers ?? {};
    this.upstream = options.upstream;
  }
}

export function isHttpError(error: unknown): error is HttpError {
  return error instanceof HttpError;
}

/** True when `error` is an {@link HttpError} with the given code. */
export function hasErrorCode(error: unknown, code: ErrorCode): error is HttpError {
  return isHttpError(error) && error.code === code;
}

export function validationError(issues: FieldIssue[]): HttpError {
  const fields = issues.map((issue) => issue.field).join(', ');
  return new HttpError('validation_failed', `invalid request: ${fields}`, { details: issues });
}

export function notFound(what: string): HttpError {
  return new HttpError('not_found', `${what} not found`);
}
