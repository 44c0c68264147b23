import type Database from 'better-sqlite3';
import { pendingMigrations } from './migrations';
import type { AppliedMigration, Migration } from './migrations';

/**
 * Applies the pending `migrations` to a SQLite database and records each in `schema_migrations`,
 * all in one `BEGIN IMMEDIATE` transaction: SQLite's write lock plays the part PostgreSQL's
 * advisory lock plays, so instances opening one file together apply each migration once.
 * Resolves with the names it applied.
 */
export function migrateSqlite(db: Database.Database, migrations: readonly Migration[]): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    checksum   TEXT    NOT NULL,
    applied_at TEXT    NOT NULL
  )`);
  const record = db.prepare(
    'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)',
  );
  const migrate = db.transaction((): string[] => {
    const applied = db
      .prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version')
      .all() as AppliedMigration[];
    const pending = pendingMigrations(migrations, applied);
    for (const migration of pending) {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, migration.checksum, new Date().toISOString());
    }
    return pending.map((m) => m.name);
  });
  return migrate.immediate();
}
