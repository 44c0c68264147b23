-- Orders and their items. `seq` orders a user's list and backs its cursor; `id` is the public
-- UUID. Amounts are integers in minor units (cents); a total reaches 10^14, hence bigint.
CREATE TABLE orders (
  seq        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id         uuid        NOT NULL,
  user_id    uuid        NOT NULL,
  total      bigint      NOT NULL CHECK (total >= 0),
  created_at timestamptz NOT NULL,
  CONSTRAINT orders_id_unique UNIQUE (id)
);
CREATE INDEX orders_by_user ON orders (user_id, seq);

CREATE TABLE order_items (
  order_id   uuid    NOT NULL REFERENCES orders (id),
  line       integer NOT NULL,
  sku        text    NOT NULL,
  quantity   integer NOT NULL CHECK (quantity > 0),
  unit_price integer NOT NULL CHECK (unit_price >= 0),
  PRIMARY KEY (order_id, line)
);

-- One row per Idempotency-Key: the primary key is what makes concurrent duplicates store one
-- order. The key row is written first in the order's transaction, so the reference to the order
-- is checked at COMMIT. Rows older than the retention are deleted by the cleanup; the orders stay.
CREATE TABLE idempotency_keys (
  key          text        PRIMARY KEY,
  request_hash text        NOT NULL,
  order_id     uuid        NOT NULL REFERENCES orders (id) DEFERRABLE INITIALLY DEFERRED,
  created_at   timestamptz NOT NULL
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
