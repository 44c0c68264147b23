import type { Pool, PoolClient } from 'pg';
import { PgDatabase, readMigrations, withTransaction } from '@mesh/storage';
import type { KeysetPage, PostgresOptions, PostgresStatus } from '@mesh/storage';
import type { Order, OrderItem } from '../order';
import { migrationsDir } from './migrations-dir';
import type { CreateOrderResult, IdempotencyRecord, OrderRepository } from './order-repository';

interface OrderRow {
  /** bigint columns come back as strings; both stay far below 2^53. */
  seq: string;
  id: string;
  user_id: string;
  total: string;
  created_at: Date;
  items: OrderItem[] | null;
}

interface KeyedOrderRow extends OrderRow {
  request_hash: string;
}

/** An order with its items, in line order, as one row: one round trip per read. */
const ORDER_SELECT = `
  SELECT o.seq, o.id, o.user_id, o.total, o.created_at,
         (SELECT json_agg(json_build_object('sku', i.sku, 'quantity', i.quantity, 'unitPrice', i.unit_price)
                          ORDER BY i.line)
            FROM order_items i WHERE i.order_id = o.id) AS items`;

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    userId: row.user_id,
    items: row.items ?? [],
    total: Number(row.total),
    createdAt: row.created_at.toISOString(),
  };
}

/** A create found the key taken, but the key was gone when it read it (expired in between): try again. */
const KEY_VANISHED = Symbol('key vanished');

/**
 * {@link OrderRepository} on PostgreSQL, shared by every instance. Its queries are traced by
 * `@opentelemetry/instrumentation-pg` (one client span a query), so it opens no spans itself.
 */
export class PgOrderRepository implements OrderRepository {
  readonly #db: PgDatabase;

  private constructor(db: PgDatabase) {
    this.#db = db;
  }

  /** Connects and applies the pending migrations (once, whatever the number of instances starting). */
  static async open(options: PostgresOptions): Promise<PgOrderRepository> {
    return new PgOrderRepository(
      await PgDatabase.open(options, readMigrations(migrationsDir('postgres'))),
    );
  }

  /**
   * One transaction: with a key, `INSERT … ON CONFLICT DO NOTHING` on the key first. Of several
   * concurrent creates with one key, on any instance, one inserts it; the others wait on its row
   * lock until it commits, insert nothing, and read the order it stored.
   */
  create(order: Order, idempotency?: IdempotencyRecord): Promise<CreateOrderResult> {
    return this.#db.call(async (pool) => {
      for (let attempt = 0; ; attempt++) {
        const result = await withTransaction(pool, (client) =>
          this.#create(client, order, idempotency),
        );
        if (result !== KEY_VANISHED) return result;
        if (attempt === 2) throw new Error(`idempotency key ${idempotency?.key} keeps vanishing`);
      }
    });
  }

  findByIdempotencyKey(key: string): Promise<{ order: Order; requestHash: string } | null> {
    return this.#db.call((pool) => this.#findByKey(pool, key));
  }

  findById(id: string): Promise<Order | null> {
    return this.#db.call(async (pool) => {
      const { rows } = await pool.query<OrderRow>(`${ORDER_SELECT} FROM orders o WHERE o.id = $1`, [
        id,
      ]);
      return rows[0] ? toOrder(rows[0]) : null;
    });
  }

  listByUser(
    userId: string,
    options: { limit: number; after?: number },
  ): Promise<KeysetPage<Order>> {
    return this.#db.call(async (pool) => {
      // One row more than asked tells whether another page follows.
      const { rows } = await pool.query<OrderRow>(
        `${ORDER_SELECT} FROM orders o WHERE o.user_id = $1 AND o.seq > $2 ORDER BY o.seq LIMIT $3`,
        [userId, options.after ?? 0, options.limit + 1],
      );
      const pageRows = rows.slice(0, options.limit);
      const last = pageRows.at(-1);
      return {
        items: pageRows.map(toOrder),
        next: rows.length > options.limit && last ? Number(last.seq) : null,
      };
    });
  }

  /** SKIP LOCKED: a key being written, or deleted by another instance's cleanup, is left alone, never waited for. */
  deleteExpiredIdempotencyKeys(before: Date, limit: number): Promise<number> {
    return this.#db.call(async (pool) => {
      const result = await pool.query(
        `DELETE FROM idempotency_keys WHERE key IN (
           SELECT key FROM idempotency_keys WHERE created_at < $1
           ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [before, limit],
      );
      return result.rowCount ?? 0;
    });
  }

  ping(): Promise<boolean> {
    return this.#db.ping();
  }

  status(): PostgresStatus {
    return this.#db.status();
  }

  close(): Promise<void> {
    return this.#db.close();
  }

  async #create(
    client: PoolClient,
    order: Order,
    idempotency: IdempotencyRecord | undefined,
  ): Promise<CreateOrderResult | typeof KEY_VANISHED> {
    if (idempotency) {
      const claimed = await client.query(
        `INSERT INTO idempotency_keys (key, request_hash, order_id, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING`,
        [idempotency.key, idempotency.requestHash, order.id, order.createdAt],
      );
      if (claimed.rowCount === 0) {
        // Read committed: this statement sees the row the conflicting transaction committed.
        const stored = await this.#findByKey(client, idempotency.key);
        if (!stored) return KEY_VANISHED;
        return stored.requestHash === idempotency.requestHash
          ? { outcome: 'replayed', order: stored.order }
          : { outcome: 'key_reused' };
      }
    }
    await client.query(
      'INSERT INTO orders (id, user_id, total, created_at) VALUES ($1, $2, $3, $4)',
      [order.id, order.userId, order.total, order.createdAt],
    );
    // Every item in one statement; `line` keeps their order (0-based, as given).
    await client.query(
      `INSERT INTO order_items (order_id, line, sku, quantity, unit_price)
       SELECT $1, t.line - 1, t.sku, t.quantity, t.unit_price
         FROM unnest($2::text[], $3::integer[], $4::integer[]) WITH ORDINALITY
              AS t(sku, quantity, unit_price, line)`,
      [
        order.id,
        order.items.map((item) => item.sku),
        order.items.map((item) => item.quantity),
        order.items.map((item) => item.unitPrice),
      ],
    );
    return { outcome: 'created', order };
  }

  async #findByKey(
    db: Pool | PoolClient,
    key: string,
  ): Promise<{ order: Order; requestHash: string } | null> {
    const { rows } = await db.query<KeyedOrderRow>(
      `${ORDER_SELECT}, k.request_hash
         FROM idempotency_keys k JOIN orders o ON o.id = k.order_id WHERE k.key = $1`,
      [key],
    );
    const row = rows[0];
    return row ? { order: toOrder(row), requestHash: row.request_hash } : null;
  }
}
