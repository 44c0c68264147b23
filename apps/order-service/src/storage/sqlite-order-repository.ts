import type Database from 'better-sqlite3';
import {
  classifySqliteError,
  migrateSqlite,
  openSqliteDatabase,
  readMigrations,
  withSqliteSpan,
} from '@mesh/storage';
import type { KeysetPage, SqliteOpenOptions } from '@mesh/storage';
import { ATTR_ORDER_ID, ATTR_USER_ID } from '@mesh/telemetry';
import type { Order, OrderItem } from '../order';
import { migrationsDir } from './migrations-dir';
import type { CreateOrderResult, IdempotencyRecord, OrderRepository } from './order-repository';

interface OrderRow {
  seq: number;
  id: string;
  user_id: string;
  total: number;
  created_at: string;
}

interface KeyedOrderRow extends OrderRow {
  request_hash: string;
}

interface ItemRow {
  order_id: string;
  sku: string;
  quantity: number;
  unit_price: number;
}

const ORDER_COLUMNS = 'o.seq, o.id, o.user_id, o.total, o.created_at';

/** {@link OrderRepository} on an embedded SQLite file; several processes may open the same file. */
export class SqliteOrderRepository implements OrderRepository {
  readonly #db: Database.Database;
  readonly #insertKey: Database.Statement<[Record<string, unknown>]>;
  readonly #insertOrder: Database.Statement<[Record<string, unknown>]>;
  readonly #insertItem: Database.Statement<[Record<string, unknown>]>;
  readonly #byId: Database.Statement<[string], OrderRow>;
  readonly #byKey: Database.Statement<[string], KeyedOrderRow>;
  readonly #pageOfUser: Database.Statement<[string, number, number], OrderRow>;
  readonly #itemsOf: Database.Statement<[string], ItemRow>;
  readonly #deleteExpiredKeys: Database.Statement<[string, number]>;
  readonly #ping: Database.Statement<[], { ok: number }>;
  readonly #createTransaction: Database.Transaction<
    (order: Order, idempotency?: IdempotencyRecord) => CreateOrderResult
  >;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#insertKey = db.prepare(
      `INSERT INTO idempotency_keys (key, request_hash, order_id, created_at)
       VALUES (@key, @requestHash, @orderId, @createdAt) ON CONFLICT (key) DO NOTHING`,
    );
    this.#insertOrder = db.prepare(
      `INSERT INTO orders (id, user_id, total, created_at)
       VALUES (@id, @userId, @total, @createdAt)`,
    );
    this.#insertItem = db.prepare(
      `INSERT INTO order_items (order_id, line, sku, quantity, unit_price)
       VALUES (@orderId, @line, @sku, @quantity, @unitPrice)`,
    );
    this.#byId = db.prepare(`SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.id = ?`);
    this.#byKey = db.prepare(
      `SELECT ${ORDER_COLUMNS}, k.request_hash FROM idempotency_keys k
       JOIN orders o ON o.id = k.order_id WHERE k.key = ?`,
    );
    this.#pageOfUser = db.prepare(
      `SELECT ${ORDER_COLUMNS} FROM orders o WHERE o.user_id = ? AND o.seq > ? ORDER BY o.seq LIMIT ?`,
    );
    // The items of several orders in one query: the ids come as one JSON array.
    this.#itemsOf = db.prepare(
      `SELECT order_id, sku, quantity, unit_price FROM order_items
       WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, line`,
    );
    this.#deleteExpiredKeys = db.prepare(
      `DELETE FROM idempotency_keys WHERE key IN (
         SELECT key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
    );
    this.#ping = db.prepare('SELECT 1 AS ok');
    this.#createTransaction = db.transaction(
      (order: Order, idempotency?: IdempotencyRecord): CreateOrderResult => {
        if (idempotency) {
          const { changes } = this.#insertKey.run({
            ...idempotency,
            orderId: order.id,
            createdAt: order.createdAt,
          });
          if (changes === 0) {
            // The key is taken by a committed create (this transaction holds the write lock).
            const stored = this.#findByKey(idempotency.key);
            if (!stored) throw new Error(`idempotency key ${idempotency.key} has no order`);
            return stored.requestHash === idempotency.requestHash
              ? { outcome: 'replayed', order: stored.order }
              : { outcome: 'key_reused' };
          }
        }
        this.#insertOrder.run({
          id: order.id,
          userId: order.userId,
          total: order.total,
          createdAt: order.createdAt,
        });
        order.items.forEach((item, line) =>
          this.#insertItem.run({ orderId: order.id, line, ...item }),
        );
        return { outcome: 'created', order };
      },
    );
  }

  /** Opens (and creates when missing) the database file, and applies the pending migrations. */
  static open(options: SqliteOpenOptions): SqliteOrderRepository {
    const db = openSqliteDatabase(options);
    try {
      migrateSqlite(db, readMigrations(migrationsDir('sqlite')));
      return new SqliteOrderRepository(db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  create(order: Order, idempotency?: IdempotencyRecord): Promise<CreateOrderResult> {
    return this.#call(
      'INSERT',
      // IMMEDIATE takes the write lock first, so a second process waits (busy timeout) instead
      // of failing when it would upgrade a read lock.
      () => this.#createTransaction.immediate(order, idempotency),
      { [ATTR_ORDER_ID]: order.id, [ATTR_USER_ID]: order.userId },
    );
  }

  findByIdempotencyKey(key: string): Promise<{ order: Order; requestHash: string } | null> {
    return this.#call('SELECT', () => this.#findByKey(key));
  }

  findById(id: string): Promise<Order | null> {
    return this.#call(
      'SELECT',
      () => {
        const row = this.#byId.get(id);
        return row ? (this.#withItems([row])[0] ?? null) : null;
      },
      { [ATTR_ORDER_ID]: id },
    );
  }

  listByUser(
    userId: string,
    options: { limit: number; after?: number },
  ): Promise<KeysetPage<Order>> {
    return this.#call(
      'SELECT',
      () => {
        // One row more than asked tells whether another page follows.
        const rows = this.#pageOfUser.all(userId, options.after ?? 0, options.limit + 1);
        const pageRows = rows.slice(0, options.limit);
        const last = pageRows.at(-1);
        return {
          items: this.#withItems(pageRows),
          next: rows.length > options.limit && last ? last.seq : null,
        };
      },
      { [ATTR_USER_ID]: userId },
    );
  }

  deleteExpiredIdempotencyKeys(before: Date, limit: number): Promise<number> {
    return this.#call(
      'DELETE',
      () => this.#deleteExpiredKeys.run(before.toISOString(), limit).changes,
      {},
      'idempotency_keys',
    );
  }

  ping(): Promise<boolean> {
    return this.#call('SELECT', () => this.#ping.get() !== undefined);
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #findByKey(key: string): { order: Order; requestHash: string } | null {
    const row = this.#byKey.get(key);
    if (!row) return null;
    return { order: this.#withItems([row])[0] as Order, requestHash: row.request_hash };
  }

  #withItems(rows: OrderRow[]): Order[] {
    if (rows.length === 0) return [];
    const itemsByOrder = new Map<string, OrderItem[]>();
    for (const item of this.#itemsOf.all(JSON.stringify(rows.map((row) => row.id)))) {
      const items = itemsByOrder.get(item.order_id) ?? [];
      items.push({ sku: item.sku, quantity: item.quantity, unitPrice: item.unit_price });
      itemsByOrder.set(item.order_id, items);
    }
    return rows.map((row) => ({
      id: row.id,
      userId: row.user_id,
      items: itemsByOrder.get(row.id) ?? [],
      total: row.total,
      createdAt: row.created_at,
    }));
  }

  #call<T>(
    operation: string,
    fn: () => T,
    attributes: Record<string, string> = {},
    collection = 'orders',
  ): Promise<T> {
    return withSqliteSpan({ operation, collection, attributes }, () => {
      try {
        return fn();
      } catch (error) {
        throw classifySqliteError(error);
      }
    });
  }
}
