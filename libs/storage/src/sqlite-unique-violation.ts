import Database from 'better-sqlite3';

/** True when `error` is SQLite refusing a row because of a UNIQUE constraint on `table.column`. */
export function isSqliteUniqueViolation(error: unknown, table: string, column: string): boolean {
  return (
    error instanceof Database.SqliteError &&
    error.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    error.message.includes(`${table}.${column}`)
  );
}
