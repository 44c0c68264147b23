import { z } from 'zod';
import type { StoreSettings } from './open-store';
import { SCHEMA_NAME } from './pg-pool';

/** A service's own defaults for the storage variables it shares with the other services. */
export interface StorageDefaults {
  /** `DATABASE_PATH` when unset, e.g. `./data/users.db`. */
  databasePath: string;
  /** `DB_SCHEMA` when unset, e.g. `user_service`; a plain lower-case identifier. */
  schema: string;
}

const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The storage variables of a service's environment, to spread into its schema: `DATABASE_PATH`,
 * `SQLITE_BUSY_TIMEOUT_MS` (ms, default 5000), `DATABASE_URL` (postgres:// or postgresql://,
 * unset by default), `DB_SCHEMA`, `DB_POOL_SIZE` (default 10), `DB_STATEMENT_TIMEOUT_MS` (ms,
 * default 5000) and `DB_CONNECT_TIMEOUT_MS` (ms, default 2000).
 */
export function storageEnvShape(defaults: StorageDefaults) {
  return {
    DATABASE_PATH: z.string().trim().min(1).default(defaults.databasePath),
    SQLITE_BUSY_TIMEOUT_MS: int(5000, 0, 600_000),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DB_SCHEMA: z
      .string()
      .regex(SCHEMA_NAME, 'must be a lower-case identifier')
      .default(defaults.schema),
    DB_POOL_SIZE: int(10, 1, 1000),
    DB_STATEMENT_TIMEOUT_MS: int(5000, 1, 600_000),
    DB_CONNECT_TIMEOUT_MS: int(2000, 1, 600_000),
  };
}

/** The parsed variables of {@link storageEnvShape}. */
export type StorageEnv = z.infer<z.ZodObject<ReturnType<typeof storageEnvShape>>>;

/**
 * Where the service stores: PostgreSQL when `DATABASE_URL` is set, else the SQLite file.
 * `applicationName` is shown in PostgreSQL's `pg_stat_activity`.
 */
export function toStoreSettings(e: StorageEnv, applicationName: string): StoreSettings {
  if (e.DATABASE_URL === undefined) {
    return {
      kind: 'sqlite',
      sqlite: { path: e.DATABASE_PATH, busyTimeoutMs: e.SQLITE_BUSY_TIMEOUT_MS },
    };
  }
  return {
    kind: 'postgres',
    postgres: {
      url: e.DATABASE_URL,
      schema: e.DB_SCHEMA,
      poolSize: e.DB_POOL_SIZE,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      applicationName,
    },
  };
}
