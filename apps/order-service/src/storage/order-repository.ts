import type { KeysetPage } from '@mesh/storage';
import type { Order } from '../order';

/** The `Idempotency-Key` a create came with, and the hash of its validated body. */
export interface IdempotencyRecord {
  key: string;
  requestHash: string;
}

/**
 * How a create ended: `created` stored the given order; `replayed` found an order stored earlier
 * under the same key and body (that order is returned); `key_reused` found the key with
 * another body and stored nothing.
 */
export type CreateOrderResult =
  | { outcome: 'created'; order: Order }
  | { outcome: 'replayed'; order: Order }
  | { outcome: 'key_reused' };

/** Where orders live. Implementations: {@link SqliteOrderRepository} and {@link PgOrderRepository}, one contract. */
export interface OrderRepository {
  /**
   * Stores `order` with its items in one transaction. With `idempotency`, at most one order is
   * ever stored per key, even when several creates with that key race (on several instances);
   * the key is remembered from `order.createdAt` on.
   */
  create(order: Order, idempotency?: IdempotencyRecord): Promise<CreateOrderResult>;
  /** The order stored under an idempotency key, with the hash of the body that created it. */
  findByIdempotencyKey(key: string): Promise<{ order: Order; requestHash: string } | null>;
  findById(id: string): Promise<Order | null>;
  /** One user's orders in creation order, `limit` of them after sequence number `after`. */
  listByUser(
    userId: string,
    options: { limit: number; after?: number },
  ): Promise<KeysetPage<Order>>;
  /**
   * Forgets at most `limit` idempotency keys stored before `before` (their orders stay) and
   * resolves with how many it forgot. A later create with a forgotten key stores a new order.
   */
  deleteExpiredIdempotencyKeys(before: Date, limit: number): Promise<number>;
  /** Resolves true when the store answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
