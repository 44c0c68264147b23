import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgres, startPostgres } from '@mesh/testing';
import type { PostgresServer } from '@mesh/testing';
import { readMigrations } from '../migrations';
import type { SqlDialect } from '../migrations';
import { migratePostgres } from '../pg-migrate';
import { createPgPool } from '../pg-pool';
import { migrateSqlite } from '../sqlite-migrate';

type Column = { table: string; column: string };

/** `table.column` of every column, sorted the same way whatever the database's collation. */
const qualified = (columns: Column[]): string[] =>
  columns.map((c) => `${c.table}.${c.column}`).sort();

function sqliteColumns(migrationsDir: (dialect: SqlDialect) => string): Column[] {
  const db = new Database(':memory:');
  try {
    migrateSqlite(db, readMigrations(migrationsDir('sqlite')));
    return db
      .prepare<[], Column>(
        `SELECT m.name AS "table", c.name AS "column" FROM sqlite_schema m, pragma_table_info(m.name) c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`,
      )
      .all();
  } finally {
    db.close();
  }
}

/**
 * What every service's migrations must do, as a suite the service's tests run:
 * `migrationsDir(dialect)` is the service's folder of migrations for each dialect. They have the
 * same versions for both dialects and, on a real PostgreSQL (skipped where none is installed),
 * create the same tables and columns as on SQLite, all in the service's own schema.
 */
export function describeMigrationsContract(
  name: string,
  migrationsDir: (dialect: SqlDialect) => string,
): void {
  describe(`migrations contract: ${name}`, () => {
    it('has migrations, the same versions for PostgreSQL and SQLite', () => {
      const postgres = readMigrations(migrationsDir('postgres')).map((m) => m.name);
      const sqlite = readMigrations(migrationsDir('sqlite')).map((m) => m.name);
      expect(postgres.length).toBeGreaterThan(0);
      expect(sqlite).toEqual(postgres);
    });

    it('applies to an empty SQLite database, once', () => {
      const migrations = readMigrations(migrationsDir('sqlite'));
      const db = new Database(':memory:');
      try {
        expect(migrateSqlite(db, migrations)).toEqual(migrations.map((m) => m.name));
        expect(migrateSqlite(db, migrations)).toEqual([]);
      } finally {
        db.close();
      }
    });

    describe.skipIf(requirePostgres() === undefined)('on a real PostgreSQL', () => {
      let server: PostgresServer;
      let admin: Client;
      beforeAll(async () => {
        server = await startPostgres();
        admin = new Client({ connectionString: server.url });
        await admin.connect();
      }, 60_000);
      afterAll(async () => {
        await admin?.end();
        await server?.destroy();
      });

      /** Applies the PostgreSQL migrations to a fresh schema, which it answers. */
      const migrated = async (): Promise<string> => {
        const schema = `m_${randomBytes(6).toString('hex')}`;
        const pool = createPgPool({ url: server.url, schema });
        try {
          await migratePostgres(pool, schema, readMigrations(migrationsDir('postgres')));
        } finally {
          await pool.end();
        }
        return schema;
      };

      it('keeps the service’s tables in its own schema, out of public', async () => {
        const schema = await migrated();
        const { rows } = await admin.query<{ schemaname: string; tablename: string }>(
          `SELECT schemaname, tablename FROM pg_tables WHERE schemaname IN ('public', $1)`,
          [schema],
        );
        const tables = [...new Set(sqliteColumns(migrationsDir).map((c) => c.table))].sort();
        expect(rows.map((r) => `${r.schemaname}.${r.tablename}`).sort()).toEqual(
          tables.map((table) => `${schema}.${table}`),
        );
      });

      it('gives the same tables and columns as the SQLite migrations (one logical schema)', async () => {
        const schema = await migrated();
        const { rows } = await admin.query<Column>(
          `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
           WHERE table_schema = $1`,
          [schema],
        );
        expect(qualified(rows)).toEqual(qualified(sqliteColumns(migrationsDir)));
      });
    });
  });
}
