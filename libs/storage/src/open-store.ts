import type { Logger } from '@mesh/telemetry';
import type { PostgresOptions, PostgresStatus } from './pg-pool';
import type { SqliteOpenOptions } from './sqlite-database';

/** Where a service stores: PostgreSQL when `DATABASE_URL` is set, else the embedded SQLite file. */
export type StoreSettings =
  | { kind: 'postgres'; postgres: Omit<PostgresOptions, 'onIdleClientError'> }
  | { kind: 'sqlite'; sqlite: SqliteOpenOptions };

/** How a service opens its repository `R` on each engine, applying the pending migrations. */
export interface RepositoryOpeners<R> {
  /** Opens the repository on a SQLite file. */
  sqlite(options: SqliteOpenOptions): R;
  /** Opens the repository on PostgreSQL; its `status()` shows the pool. */
  postgres(options: PostgresOptions): Promise<R & { status(): PostgresStatus }>;
}

/** An opened repository and what `/admin/status` shows of it. */
export interface OpenedStore<R> {
  repository: R;
  status(): Record<string, unknown>;
}

/**
 * Opens the configured store with the service's `openers`. On PostgreSQL, the errors of idle
 * pooled connections (the server restarting) are logged as warnings: the pool replaces such a
 * connection when needed.
 */
export async function openStore<R>(
  settings: StoreSettings,
  openers: RepositoryOpeners<R>,
  logger: Pick<Logger, 'warn'>,
): Promise<OpenedStore<R>> {
  if (settings.kind === 'sqlite') {
    const repository = openers.sqlite(settings.sqlite);
    return { repository, status: () => ({ kind: 'sqlite', path: settings.sqlite.path }) };
  }
  const repository = await openers.postgres({
    ...settings.postgres,
    onIdleClientError: (error) =>
      logger.warn('an idle PostgreSQL connection failed; the pool opens a new one when needed', {
        err: error,
      }),
  });
  return { repository, status: () => ({ ...repository.status() }) };
}

/**
 * {@link openStore}, for a service's start-up: when the store cannot be opened, logs an error
 * naming where it is ({@link storeLocation}) and resolves to `undefined`, so that the caller can
 * exit without a stack trace.
 */
export async function openStoreOrLog<R>(
  settings: StoreSettings,
  openers: RepositoryOpeners<R>,
  logger: Pick<Logger, 'warn' | 'error'>,
): Promise<OpenedStore<R> | undefined> {
  try {
    return await openStore(settings, openers, logger);
  } catch (error) {
    logger.error(`cannot open the database at ${storeLocation(settings)}`, { err: error as Error });
    return undefined;
  }
}

/** Where the store is, for the message saying it cannot be opened; never the URL's credentials. */
export function storeLocation(settings: StoreSettings): string {
  return settings.kind === 'postgres'
    ? `PostgreSQL (DATABASE_URL, schema ${settings.postgres.schema})`
    : `${settings.sqlite.path} (DATABASE_PATH)`;
}
