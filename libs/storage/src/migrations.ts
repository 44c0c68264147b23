import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One schema change: a plain SQL file `NNN_name.sql`, applied once and recorded in `schema_migrations`. */
export interface Migration {
  version: number;
  /** The file name without `.sql`, e.g. `001_init`. */
  name: string;
  sql: string;
  /** SHA-256 of the file: an applied migration whose file changed afterwards stops the start-up. */
  checksum: string;
}

/** The SQL dialects a service stores in; each has its own folder of migrations. */
export type SqlDialect = 'postgres' | 'sqlite';

const FILE_NAME = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

/** Reads the migrations of a folder in version order; a file of another shape or a repeated version is an error. */
export function readMigrations(dir: string): Migration[] {
  const migrations = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .map((file): Migration => {
      const match = FILE_NAME.exec(file);
      if (!match) throw new Error(`${join(dir, file)}: a migration is named NNN_name.sql`);
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(match[1]),
        name: file.slice(0, -'.sql'.length),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, i) => {
    if (i > 0 && migrations[i - 1]?.version === migration.version) {
      throw new Error(`${dir}: two migrations have version ${migration.version}`);
    }
  });
  return migrations;
}

/** A version recorded in `schema_migrations`. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

/**
 * The migrations still to apply, after checking that every recorded one is still the file it was:
 * an edited or removed migration stops the start-up instead of leaving schemas that differ.
 */
export function pendingMigrations(
  migrations: readonly Migration[],
  applied: readonly AppliedMigration[],
): Migration[] {
  const byVersion = new Map(migrations.map((m) => [m.version, m]));
  for (const done of applied) {
    const file = byVersion.get(done.version);
    if (!file) {
      throw new Error(`migration ${done.name} is recorded as applied but its file is missing`);
    }
    if (file.checksum !== done.checksum) {
      throw new Error(`migration ${done.name} was changed after it was applied`);
    }
  }
  const appliedVersions = new Set(applied.map((m) => m.version));
  return migrations.filter((m) => !appliedVersions.has(m.version));
}
