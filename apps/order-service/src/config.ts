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
import { SCHEMA_NAME } from '@mesh/storage';

const DAY_MS = 86_400_000;

/** The environment order-service reads, keyed by variable name (see README.md for the table). */
export const orderServiceEnvSchema = serviceEnvSchema
  .extend({
    DATABASE_PATH: z.string().trim().min(1).default('./data/orders.db'),
    SQLITE_BUSY_TIMEOUT_MS: env.int(5000, 0, 600_000),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DB_SCHEMA: z
      .string()
      .regex(SCHEMA_NAME, 'must be a lower-case identifier')
      .default('order_service'),
    DB_POOL_SIZE: env.int(10, 1, 1000),
    DB_STATEMENT_TIMEOUT_MS: env.int(5000, 1, 600_000),
    DB_CONNECT_TIMEOUT_MS: env.int(2000, 1, 600_000),
    IDEMPOTENCY_RETENTION_MS: env.int(DAY_MS, 1000, 365 * DAY_MS),
    IDEMPOTENCY_CLEANUP_INTERVAL_MS: env.int(60_000, 100, DAY_MS),
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
  /** PostgreSQL (`DATABASE_URL` and the `DB_*` settings); when unset, orders live in the SQLite file. */
  postgres: PostgresSettings | undefined;
  /** How long an `Idempotency-Key` is honoured, in ms. Default 86400000 (24 h). */
  idempotencyRetentionMs: number;
  /** Pause between two runs of the expired-key cleanup, in ms. Default 60000. */
  idempotencyCleanupIntervalMs: number;
  discovery: DiscoverySettings;
  /** How order-service calls user-service (balancer, breaker, retries, deadline). */
  userService: UpstreamSettings;
}

export interface PostgresSettings {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Schema holding the tables, created at the first start. Default `order_service`. */
  schema: string;
  /** Connections kept at most by each instance. Default 10. */
  poolSize: number;
  /** Longest a statement may run, in ms. Default 5000. */
  statementTimeoutMs: number;
  /** Longest to wait for a connection, in ms. Default 2000. */
  connectTimeoutMs: number;
}

/** The parsed environment as the camelCase, frozen object the rest of the service receives. */
export function toConfig(e: OrderServiceEnv): Readonly<OrderServiceConfig> {
  return Object.freeze({
    ...toServiceSettings(e),
    databasePath: e.DATABASE_PATH,
    sqliteBusyTimeoutMs: e.SQLITE_BUSY_TIMEOUT_MS,
    postgres:
      e.DATABASE_URL === undefined
        ? undefined
        : {
            url: e.DATABASE_URL,
            schema: e.DB_SCHEMA,
            poolSize: e.DB_POOL_SIZE,
            statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
            connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
          },
    idempotencyRetentionMs: e.IDEMPOTENCY_RETENTION_MS,
    idempotencyCleanupIntervalMs: e.IDEMPOTENCY_CLEANUP_INTERVAL_MS,
    discovery: toDiscoverySettings(e),
    userService: toUpstreamSettings('user-service', 'USER_SERVICE', e),
  });
}
