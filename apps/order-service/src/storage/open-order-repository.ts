import type { Logger } from '@mesh/telemetry';
import type { OrderRepository } from './order-repository';
import { PgOrderRepository } from './pg-order-repository';
import type { PostgresOptions } from './pg-database';
import type { SqliteOpenOptions } from './sqlite-database';
import { SqliteOrderRepository } from './sqlite-order-repository';

/** Where orders are stored: PostgreSQL when `DATABASE_URL` is set, else the embedded SQLite file. */
export type OrderStoreSettings =
  | { kind: 'postgres'; postgres: Omit<PostgresOptions, 'onIdleClientError'> }
  | { kind: 'sqlite'; sqlite: SqliteOpenOptions };

/** An opened repository and what `/admin/status` shows of it. */
export interface OpenedOrderStore {
  repository: OrderRepository;
  status(): Record<string, unknown>;
}

/** Opens the configured store and applies its pending migrations. */
export async function openOrderRepository(
  settings: OrderStoreSettings,
  logger: Logger,
): Promise<OpenedOrderStore> {
  if (settings.kind === 'sqlite') {
    const repository = SqliteOrderRepository.open(settings.sqlite);
    return { repository, status: () => ({ kind: 'sqlite', path: settings.sqlite.path }) };
  }
  const repository = await PgOrderRepository.open({
    ...settings.postgres,
    onIdleClientError: (error) =>
      logger.warn('an idle PostgreSQL connection failed; the pool opens a new one when needed', {
        err: error,
      }),
  });
  return { repository, status: () => ({ ...repository.status() }) };
}
