import type { z } from 'zod';
import {
  discoveryEnvShape,
  env,
  requireRegistrySource,
  serviceEnvSchema,
  toDiscoverySettings,
  toServiceSettings,
  toUpstreamSettings,
  upstreamEnvShape,
} from '@mesh/service-kit';
import type { DiscoverySettings, ServiceSettings, UpstreamSettings } from '@mesh/service-kit';
import { storageEnvShape, toStoreSettings } from '@mesh/storage';
import type { StoreSettings } from '@mesh/storage';

const DAY_MS = 86_400_000;

/** The environment order-service reads, keyed by variable name (see README.md for the table). */
export const orderServiceEnvSchema = serviceEnvSchema
  .extend({
    ...storageEnvShape({ databasePath: './data/orders.db', schema: 'order_service' }),
    IDEMPOTENCY_RETENTION_MS: env.int(DAY_MS, 1000, 365 * DAY_MS),
    IDEMPOTENCY_CLEANUP_INTERVAL_MS: env.int(60_000, 100, DAY_MS),
    ...discoveryEnvShape,
    ...upstreamEnvShape('USER_SERVICE'),
  })
  .superRefine(requireRegistrySource(['user-service']));

export type OrderServiceEnv = z.infer<typeof orderServiceEnvSchema>;

export interface OrderServiceConfig extends ServiceSettings {
  /**
   * PostgreSQL when `DATABASE_URL` is set (schema `order_service` by default), else the SQLite
   * file `DATABASE_PATH` (default `./data/orders.db`).
   */
  store: StoreSettings;
  /** How long an `Idempotency-Key` is honoured, in ms. Default 86400000 (24 h). */
  idempotencyRetentionMs: number;
  /** Pause between two runs of the expired-key cleanup, in ms. Default 60000. */
  idempotencyCleanupIntervalMs: number;
  discovery: DiscoverySettings;
  /** How order-service calls user-service (balancer, breaker, retries, deadline). */
  userService: UpstreamSettings;
}

/** The parsed environment as the camelCase, frozen object the rest of the service receives. */
export function toConfig(e: OrderServiceEnv): Readonly<OrderServiceConfig> {
  return Object.freeze({
    ...toServiceSettings(e),
    store: toStoreSettings(e, 'order-service'),
    idempotencyRetentionMs: e.IDEMPOTENCY_RETENTION_MS,
    idempotencyCleanupIntervalMs: e.IDEMPOTENCY_CLEANUP_INTERVAL_MS,
    discovery: toDiscoverySettings(e),
    userService: toUpstreamSettings('user-service', 'USER_SERVICE', e),
  });
}
