-- Orders, their items and the idempotency keys, as migrations/postgres/001_init.sql in SQLite's
-- types (timestamps are ISO 8601 text, which sorts as time does). IF NOT EXISTS adopts a file
-- created before migrations were recorded; its orders table keeps two unused columns.
CREATE TABLE IF NOT EXISTS orders (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT    NOT NULL UNIQUE,
  user_id    TEXT    NOT NULL,
  total      INTEGER NOT NULL CHECK (total >= 0),
  created_at TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_by_user ON orders (user_id, seq);

CREATE TABLE IF NOT EXISTS order_items (
  order_id   TEXT    NOT NULL REFERENCES orders (id),
  line       INTEGER NOT NULL,
  sku        TEXT    NOT NULL,
  quantity   INTEGER NOT NULL CHECK (quantity > 0),
  unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
  PRIMARY KEY (order_id, line)
);

CREATE TABLE IF NOT EXISTS idempotency_keys (
  key          TEXT NOT NULL PRIMARY KEY,
  request_hash TEXT NOT NULL,
  order_id     TEXT NOT NULL REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
  created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (created_at);
