import type { Pool } from 'pg';
import { classifyPgError } from './classify-pg-error';
import type { Migration } from './migrations';
import { migratePostgres } from './pg-migrate';
import { createPgPool, postgresStatus } from './pg-pool';
import type { PostgresOptions, PostgresStatus } from './pg-pool';

/**
 * A service's PostgreSQL pool with its migrations applied, as its repository uses it: every call
 * has its failure classified ({@link classifyPgError}), `ping` serves readiness and `status`
 * `/admin/status`.
 */
export class PgDatabase {
  readonly #pool: Pool;
  readonly #options: PostgresOptions;
  #closed = false;

  private constructor(pool: Pool, options: PostgresOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  /**
   * Connects and applies the pending `migrations` to `options.schema` (once, whatever the number
   * of instances starting). When either fails, the pool is ended and the failure rejects
   * classified: an unreachable server as `DatabaseUnavailableError`.
   */
  static async open(
    options: PostgresOptions,
    migrations: readonly Migration[],
  ): Promise<PgDatabase> {
    const pool = createPgPool(options);
    try {
      await migratePostgres(pool, options.schema, migrations);
    } catch (error) {
      await pool.end();
      throw classifyPgError(error);
    }
    return new PgDatabase(pool, options);
  }

  /** Runs `fn` on the pool; a failure about availability rejects as `DatabaseUnavailableError`. */
  async call<T>(fn: (pool: Pool) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#pool);
    } catch (error) {
      throw classifyPgError(error);
    }
  }

  /** True when the server answers; rejects as `DatabaseUnavailableError` when it cannot. */
  ping(): Promise<boolean> {
    return this.call(async (pool) => (await pool.query('SELECT 1')).rowCount === 1);
  }

  /** Where the pool stores and how busy it is ({@link postgresStatus}). */
  status(): PostgresStatus {
    return postgresStatus(this.#pool, this.#options);
  }

  /** Ends the pool (a second call does nothing); later calls reject as database unavailable. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
