import type { Logger } from '@mesh/telemetry';
import type { PostgresOptions } from './pg-database';
import { PgUserRepository } from './pg-user-repository';
import type { SqliteOpenOptions } from './sqlite-database';
import { SqliteUserRepository } from './sqlite-user-repository';
import type { UserRepository } from './user-repository';

/** Where users are stored: PostgreSQL when `DATABASE_URL` is set, else the embedded SQLite file. */
export type UserStoreSettings =
  | { kind: 'postgres'; postgres: Omit<PostgresOptions, 'onIdleClientError'> }
  | { kind: 'sqlite'; sqlite: SqliteOpenOptions };

/** An opened repository and what `/admin/status` shows of it. */
export interface OpenedUserStore {
  repository: UserRepository;
  status(): Record<string, unknown>;
}

/** Opens the configured store and applies its pending migrations. */
export async function openUserRepository(
  settings: UserStoreSettings,
  logger: Logger,
): Promise<OpenedUserStore> {
  if (settings.kind === 'sqlite') {
    const repository = SqliteUserRepository.open(settings.sqlite);
    return { repository, status: () => ({ kind: 'sqlite', path: settings.sqlite.path }) };
  }
  const repository = await PgUserRepository.open({
    ...settings.postgres,
    onIdleClientError: (error) =>
      logger.warn('an idle PostgreSQL connection failed; the pool opens a new one when needed', {
        err: error,
      }),
  });
  return { repository, status: () => ({ ...repository.status() }) };
}
