/**
 * The storage cannot serve right now: unreachable, restarting, out of connections, too slow
 * (statement timeout), locked past the busy timeout, closed. Its `code` maps to 503
 * `database_unavailable` with `Retry-After` in service-kit's error table.
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'database_unavailable';
  /** Sent as `Retry-After` (rounded up to seconds). */
  readonly retryAfterMs = 1000;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
  }
}

/** True when `error` is a {@link DatabaseUnavailableError}. */
export function isDatabaseUnavailableError(error: unknown): error is DatabaseUnavailableError {
  return error instanceof DatabaseUnavailableError;
}
