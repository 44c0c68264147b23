import { z } from 'zod';
import { env, serviceEnvSchema, toServiceSettings } from '@mesh/service-kit';
import type { ServiceSettings } from '@mesh/service-kit';

/** The environment order-service reads, keyed by variable name (see README.md for the table). */
export const orderServiceEnvSchema = serviceEnvSchema.extend({
  DATABASE_PATH: z.string().trim().min(1).default('./data/orders.db'),
  SQLITE_BUSY_TIMEOUT_MS: env.int(5000, 0, 600_000),
  // No default on purpose: an order-service pointed at nothing should not start.
  USER_SERVICE_URLS: env.urlList(),
  USER_SERVICE_TIMEOUT_MS: env.int(2000, 1, 600_000),
});

export type OrderServiceEnv = z.infer<typeof orderServiceEnvSchema>;

export interface OrderServiceConfig extends ServiceSettings {
  /** SQLite file; its parent directory is created at start-up. Default `./data/orders.db`. */
  databasePath: string;
  /** How long a write waits for another connection's lock before failing, in ms. Default 5000. */
  sqliteBusyTimeoutMs: number;
  /** Base URLs of the user-service instances. Required. */
  userServiceUrls: readonly string[];
  /** Timeout of one call to user-service, in ms. Default 2000. */
  userServiceTimeoutMs: number;
}

/** The parsed environment as the camelCase, frozen object the rest of the service receives. */
export function toConfig(e: OrderServiceEnv): Readonly<OrderServiceConfig> {
  return Object.freeze({
    ...toServiceSettings(e),
    databasePath: e.DATABASE_PATH,
    sqliteBusyTimeoutMs: e.SQLITE_BUSY_TIMEOUT_MS,
    userServiceUrls: Object.freeze([...e.USER_SERVICE_URLS]),
    userServiceTimeoutMs: e.USER_SERVICE_TIMEOUT_MS,
  });
}
