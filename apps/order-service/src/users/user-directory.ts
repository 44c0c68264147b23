import type { Deadline } from '@mesh/resilience';

/** What order-service needs to know about a user. */
export interface DirectoryUser {
  id: string;
  name: string;
  email: string;
}

export interface UserLookupOptions {
  /** Sent along as `X-Request-Id` so the two services' logs join up. */
  requestId: string;
  /** Aborts the lookup when the caller gives up. */
  signal?: AbortSignal;
  /** The request's deadline, passed on to user-service. */
  deadline?: Deadline;
}

/**
 * Where order-service asks about users. Resolves null when the user does not exist and rejects
 * with {@link UserServiceUnavailableError} when the answer cannot be had.
 */
export interface UserDirectory {
  getUser(id: string, options: UserLookupOptions): Promise<DirectoryUser | null>;
}

/**
 * user-service could not answer (unreachable, timed out, 5xx, nonsense). Its `code` maps to
 * 503 `upstream_unavailable` with `Retry-After` in service-kit's error table.
 */
export class UserServiceUnavailableError extends Error {
  readonly code = 'upstream_unavailable';
  /** Suggested wait before a retry, in ms (becomes `Retry-After`). */
  readonly retryAfterMs = 1000;
  /** The dependency that failed: order-service's answer says so (`X-Mesh-Dependency-Failed`). */
  readonly upstream = 'user-service';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserServiceUnavailableError';
  }
}

export function isUserServiceUnavailableError(
  error: unknown,
): error is UserServiceUnavailableError {
  return error instanceof UserServiceUnavailableError;
}
