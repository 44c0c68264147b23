import { escapeIdentifier } from 'pg';
import type { Pool } from 'pg';
import { pendingMigrations } from './migrations';
import type { AppliedMigration, Migration } from './migrations';
import { withTransaction } from './pg-transaction';

/** First key of the advisory lock taken while migrating (`mesh` in ASCII); the second is the schema's hash. */
const MIGRATION_LOCK_CLASS = 0x6d657368;

/**
 * Applies the pending `migrations` to `schema` (creating it when missing) and records each in
 * its `schema_migrations` table, all in one transaction holding a transaction-level advisory lock
 * for the schema: replicas starting together queue on the lock, and each finds the work done by
 * the first. Resolves with the names it applied.
 */
export async function migratePostgres(
  pool: Pool,
  schema: string,
  migrations: readonly Migration[],
): Promise<string[]> {
  return withTransaction(pool, async (client) => {
    // A migration may run long, and so may waiting for another instance's.
    await client.query('SET LOCAL statement_timeout = 0');
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
      MIGRATION_LOCK_CLASS,
      schema,
    ]);
    // CREATE SCHEMA IF NOT EXISTS would still need CREATE on the database; a schema made by an
    // administrator must not.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
    await client.query(`SET LOCAL search_path TO ${escapeIdentifier(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer     PRIMARY KEY,
      name       text        NOT NULL,
      checksum   text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const applied = await client.query<AppliedMigration>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const pending = pendingMigrations(migrations, applied.rows);
    for (const migration of pending) {
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [migration.version, migration.name, migration.checksum],
      );
    }
    return pending.map((m) => m.name);
  });
}
