import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Prices are integers in the currency's minor unit (cents): no floats, no rounding. */
export const MAX_UNIT_PRICE = 100_000_000;
export const MAX_QUANTITY = 10_000;
export const MAX_ITEMS = 100;

export interface OrderItem {
  sku: string;
  quantity: number;
  /** Price of one unit in minor units (cents). */
  unitPrice: number;
}

/** An order as stored and answered. `total` is the sum of `quantity × unitPrice`, in minor units. */
export interface Order {
  id: string;
  userId: string;
  items: OrderItem[];
  total: number;
  /** ISO 8601 timestamp in UTC. */
  createdAt: string;
}

const orderItemSchema = z.strictObject({
  sku: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'may contain only letters, digits, ".", "_" and "-"'),
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
  unitPrice: z
    .number()
    .int('must be an integer number of minor units (cents)')
    .min(0)
    .max(MAX_UNIT_PRICE),
});

/** The body of `POST /orders`; unknown fields are rejected at every level. */
export const createOrderSchema = z.strictObject({
  userId: z.uuid().transform((id) => id.toLowerCase()),
  items: z.array(orderItemSchema).min(1).max(MAX_ITEMS),
});

export type CreateOrderInput = z.infer<typeof createOrderSchema>;

/**
 * The order total in minor units. At most 100 × 10 000 × 100 000 000 = 10^14, well inside
 * `Number.MAX_SAFE_INTEGER`, so plain numbers stay exact.
 */
export function orderTotal(items: readonly OrderItem[]): number {
  return items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
}

/**
 * A fingerprint of the validated body: the same order written with other key order, spacing
 * or case of the user id gives the same hash. Compared when an `Idempotency-Key` is reused.
 */
export function requestHash(input: CreateOrderInput): string {
  const canonical = {
    userId: input.userId,
    items: input.items.map((item) => ({
      sku: item.sku,
      quantity: item.quantity,
      unitPrice: item.unitPrice,
    })),
  };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}
