/**
 * The users table, created at open. `seq` orders the list and backs its cursor; `id` is the
 * public UUID. Kept in one place so the move to shared SQL migration files touches only this.
 */
export const USER_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS users (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT    NOT NULL UNIQUE,
  name       TEXT    NOT NULL,
  email      TEXT    NOT NULL UNIQUE,
  created_at TEXT    NOT NULL
);
`;
