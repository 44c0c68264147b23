/**
 * The orders tables, created at open. `seq` orders a user's list and backs its cursor; `id` is
 * the public UUID. `idempotency_key` is UNIQUE so that concurrent duplicates of one request
 * store one order; `request_hash` tells a replay from a reuse of the key with another body.
 * Kept in one place so the move to shared SQL migration files touches only this.
 */
export const ORDER_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS orders (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  id              TEXT    NOT NULL UNIQUE,
  user_id         TEXT    NOT NULL,
  total           INTEGER NOT NULL CHECK (total >= 0),
  created_at      TEXT    NOT NULL,
  idempotency_key TEXT    UNIQUE,
  request_hash    TEXT,
  CHECK ((idempotency_key IS NULL) = (request_hash IS NULL))
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
`;
