import { DatabaseError } from 'pg';
import { DatabaseUnavailableError } from './database-unavailable-error';

/**
 * SQLSTATE classes that say the server cannot serve, not that the statement is wrong:
 * 08 connection exception, 53 insufficient resources (too many connections, disk full),
 * 57 operator intervention (shutdown, restart, statement timeout), 58 system error (I/O).
 */
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53', '57', '58'];
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** What `pg` says when a connection could not be had or was lost (it has no codes for these). */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable/,
  /^Cannot use a pool after calling end/,
];

/** Turns the PostgreSQL failures that are about availability (not about the query) into {@link DatabaseUnavailableError}. */
export function classifyPgError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof DatabaseUnavailableError) return error;
  if (error instanceof DatabaseError) {
    const sqlState = error.code ?? '';
    return UNAVAILABLE_SQLSTATE_CLASSES.includes(sqlState.slice(0, 2))
      ? new DatabaseUnavailableError(`database unavailable (SQLSTATE ${sqlState})`, {
          cause: error,
        })
      : error;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE_SOCKET_CODES.has(code)) {
    return new DatabaseUnavailableError(`database unreachable (${code})`, { cause: error });
  }
  if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(error.message))) {
    return new DatabaseUnavailableError(`database unavailable (${error.message})`, {
      cause: error,
    });
  }
  return error;
}
