import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** Which SQLite file to open, and how patiently. */
export interface SqliteOpenOptions {
  /** File to open (created when missing, with its parent directory), or `:memory:`. */
  path: string;
  /** How long a statement waits for another connection's lock before failing, in ms. Default 5000. */
  busyTimeoutMs?: number;
}

/**
 * Opens a SQLite file the way several processes can share it: write-ahead log (readers never
 * block the writer), a busy timeout instead of an immediate `SQLITE_BUSY`, foreign keys on.
 */
export function openSqliteDatabase(options: SqliteOpenOptions): Database.Database {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (options.path !== ':memory:') mkdirSync(dirname(resolve(options.path)), { recursive: true });
  const db = new Database(options.path, { timeout: busyTimeoutMs });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
