-- The users table, as migrations/postgres/001_init.sql in SQLite's types. IF NOT EXISTS adopts a
-- file created before migrations were recorded (its table is the same).
CREATE TABLE IF NOT EXISTS users (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT    NOT NULL UNIQUE,
  name       TEXT    NOT NULL,
  email      TEXT    NOT NULL UNIQUE,
  created_at TEXT    NOT NULL
);
