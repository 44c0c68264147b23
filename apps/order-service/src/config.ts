import { z } from 'zod';
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

/** The environment order-service reads, keyed by variable name (see README.md for the table). */
export const orderServiceEnvSchema = serviceEnvSchema
  .extend({
    DATABASE_PATH: z.string().trim().min(1).default('./data/orders.db'),
    SQLITE_BUSY_TIMEOUT_MS: env.int(5000, 0, 600_000),
    ...discoveryEnvShape,
    ...upstreamEnvShape('USER_SERVICE'),
  })
  .superRefine(requireRegistrySource(['user-service']));

export type OrderServiceEnv = z.infer<typeof orderServiceEnvSchema>;

export interface OrderServiceConfig extends ServiceSettings {
  /** SQLite file; its parent directory is created at start-up. Default `./data/orders.db`. */
  databasePath: string;
  /** How long a write waits for another connection's lock before failing, in ms. Default 5000. */
  sqliteBusyTimeoutMs: number;
  discovery: DiscoverySettings;
  /** How order-service calls user-service (balancer, breaker, retries, deadline). */
  userService: UpstreamSettings;
}

/** The parsed environment as the camelCase, frozen object the rest of the service receives. */
export function toConfig(e: OrderServiceEnv): Readonly<OrderServiceConfig> {
  return Object.freeze({
    ...toServiceSettings(e),
    databasePath: e.DATABASE_PATH,
    sqliteBusyTimeoutMs: e.SQLITE_BUSY_TIMEOUT_MS,
    discovery: toDiscoverySettings(e),
    userService: toUpstreamSettings('user-service', 'USER_SERVICE', e),
  });
}
