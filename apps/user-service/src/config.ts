import { z } from 'zod';
import {
  discoveryEnvShape,
  env,
  requireRegistrySource,
  serviceEnvSchema,
  toDiscoverySettings,
  toServiceSettings,
} from '@mesh/service-kit';
import type { DiscoverySettings, ServiceSettings } from '@mesh/service-kit';
import { SCHEMA_NAME } from '@mesh/storage';

/** The environment user-service reads, keyed by variable name (see README.md for the table). */
export const userServiceEnvSchema = serviceEnvSchema
  .extend({
    DATABASE_PATH: z.string().trim().min(1).default('./data/users.db'),
    SQLITE_BUSY_TIMEOUT_MS: env.int(5000, 0, 600_000),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DB_SCHEMA: z
      .string()
      .regex(SCHEMA_NAME, 'must be a lower-case identifier')
      .default('user_service'),
    DB_POOL_SIZE: env.int(10, 1, 1000),
    DB_STATEMENT_TIMEOUT_MS: env.int(5000, 1, 600_000),
    DB_CONNECT_TIMEOUT_MS: env.int(2000, 1, 600_000),
    ...discoveryEnvShape,
  })
  .superRefine(requireRegistrySource([]));

export type UserServiceEnv = z.infer<typeof userServiceEnvSchema>;

export interface UserServiceConfig extends ServiceSettings {
  /** SQLite file; its parent directory is created at start-up. Default `./data/users.db`. */
  databasePath: string;
  /** How long a write waits for another connection's lock before failing, in ms. Default 5000. */
  sqliteBusyTimeoutMs: number;
  /** PostgreSQL (`DATABASE_URL` and the `DB_*` settings); when unset, users live in the SQLite file. */
  postgres: PostgresSettings | undefined;
  /** Where this instance registers itself. */
  discovery: DiscoverySettings;
}

export interface PostgresSettings {
  /** `postgres://user:password@host:port/database`. */
  url: string;
  /** Schema holding the tables, created at the first start. Default `user_service`. */
  schema: string;
  /** Connections kept at most by each instance. Default 10. */
  poolSize: number;
  /** Longest a statement may run, in ms. Default 5000. */
  statementTimeoutMs: number;
  /** Longest to wait for a connection, in ms. Default 2000. */
  connectTimeoutMs: number;
}

/** The parsed environment as the camelCase, frozen object the rest of the service receives. */
export function toConfig(e: UserServiceEnv): Readonly<UserServiceConfig> {
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
    discovery: toDiscoverySettings(e),
  });
}
