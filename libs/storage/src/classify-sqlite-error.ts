import Database from 'better-sqlite3';
import { DatabaseUnavailableError } from './database-unavailable-error';

const UNAVAILABLE_CODES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_IOERR',
  'SQLITE_CANTOPEN',
  'SQLITE_FULL',
];

/** Turns the SQLite failures that are about availability (not about the query) into {@link DatabaseUnavailableError}. */
export function classifySqliteError(error: unknown): unknown {
  if (
    error instanceof Database.SqliteError &&
    UNAVAILABLE_CODES.some((code) => error.code.startsWith(code))
  ) {
    return new DatabaseUnavailableError(`database unavailable (${error.code})`, { cause: error });
  }
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return new DatabaseUnavailableError('database is closed', { cause: error });
  }
  return error;
}
