export { DatabaseUnavailableError, isDatabaseUnavailableError } from './database-unavailable-error';
export { classifyPgError } from './classify-pg-error';
export { classifySqliteError } from './classify-sqlite-error';
export { pendingMigrations, readMigrations } from './migrations';
export type { AppliedMigration, Migration, SqlDialect } from './migrations';
export { openStore, openStoreOrLog, storeLocation } from './open-store';
export type { OpenedStore, RepositoryOpeners, StoreSettings } from './open-store';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  pageQueryShape,
  toPage,
} from './pagination';
export type { KeysetPage, Page } from './pagination';
export { PgDatabase } from './pg-database';
export { migratePostgres } from './pg-migrate';
export { SCHEMA_NAME, createPgPool, postgresStatus } from './pg-pool';
export type { PostgresOptions, PostgresStatus } from './pg-pool';
export { withTransaction } from './pg-transaction';
export { openSqliteDatabase } from './sqlite-database';
export type { SqliteOpenOptions } from './sqlite-database';
export { migrateSqlite } from './sqlite-migrate';
export { withSqliteSpan } from './sqlite-span';
export type { SqliteCall } from './sqlite-span';
export { isSqliteUniqueViolation } from './sqlite-unique-violation';
export { storageEnvShape, toStoreSettings } from './storage-settings';
export type { StorageDefaults, StorageEnv } from './storage-settings';
