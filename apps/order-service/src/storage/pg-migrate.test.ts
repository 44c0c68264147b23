import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgres, startPostgres } from '@mesh/testing';
import type { PostgresServer } from '@mesh/testing';
import { migrationsDir, readMigrations } from './migrations';
import type { Migration } from './migrations';
import { createPgPool } from './pg-database';
import { migratePostgres } from './pg-migrate';
import { migrateSqlite } from './sqlite-migrate';

function migration(version: number, name: string, sql: string): Migration {
  return {
    version,
    name: `${String(version).padStart(3, '0')}_${name}`,
    sql,
    checksum: createHash('sha256').update(sql).digest('hex'),
  };
}

describe.skipIf(requirePostgres() === undefined)('migratePostgres on a real PostgreSQL', () => {
  let server: PostgresServer;
  let admin: Client;
  const pools: Pool[] = [];
  beforeAll(async () => {
    server = await startPostgres();
    admin = new Client({ connectionString: server.url });
    await admin.connect();
  }, 60_000);
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });
  afterAll(async () => {
    await admin?.end();
    await server?.destroy();
  });

  const freshSchema = () => `m_${randomBytes(6).toString('hex')}`;
  const pool = (schema: string) => {
    const created = createPgPool({ url: server.url, schema });
    pools.push(created);
    return created;
  };
  const rows = async (sql: string) => (await admin.query(sql)).rows as Record<string, unknown>[];

  it('applies each migration once when five instances migrate one schema at the same moment', async () => {
    const schema = freshSchema();
    // The first migration lasts long enough for every other instance to arrive while it runs.
    const migrations = [
      migration(
        1,
        'slow',
        'CREATE TABLE runs (n integer); INSERT INTO runs VALUES (1); SELECT pg_sleep(0.3);',
      ),
      migration(2, 'second', 'INSERT INTO runs VALUES (2);'),
    ];
    const instances = Array.from({ length: 5 }, () => pool(schema));
    // Every pool holds an open connection first, so that all five start migrating together.
    await Promise.all(instances.map(async (p) => (await p.connect()).release()));

    const applied = await Promise.all(instances.map((p) => migratePostgres(p, schema, migrations)));

    expect(applied.filter((names) => names.length > 0)).toEqual([['001_slow', '002_second']]);
    expect(await rows(`SELECT n FROM ${schema}.runs ORDER BY n`)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(
      await rows(`SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`),
    ).toEqual([
      { version: 1, name: '001_slow' },
      { version: 2, name: '002_second' },
    ]);
  });

  it('applies only the new migrations on a later start', async () => {
    const schema = freshSchema();
    const first = migration(1, 'one', 'CREATE TABLE t (v integer);');
    const second = migration(2, 'two', 'ALTER TABLE t ADD COLUMN w integer;');
    expect(await migratePostgres(pool(schema), schema, [first])).toEqual(['001_one']);
    expect(await migratePostgres(pool(schema), schema, [first, second])).toEqual(['002_two']);
    expect(await migratePostgres(pool(schema), schema, [first, second])).toEqual([]);
  });

  it('refuses to start on a migration edited after it was applied, and changes nothing', async () => {
    const schema = freshSchema();
    await migratePostgres(pool(schema), schema, [
      migration(1, 'one', 'CREATE TABLE t (v integer);'),
    ]);
    const edited = migration(1, 'one', 'CREATE TABLE t (v bigint);');
    const next = migration(2, 'two', 'CREATE TABLE u (v integer);');
    await expect(migratePostgres(pool(schema), schema, [edited, next])).rejects.toThrow(
      /001_one was changed after it was applied/,
    );
    expect(
      await rows(
        `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = '${schema}' AND tablename = 'u'`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('rolls a failing migration back whole: no table, no record', async () => {
    const schema = freshSchema();
    const broken = migration(1, 'broken', 'CREATE TABLE t (v integer); SELECT no_such_function();');
    await expect(migratePostgres(pool(schema), schema, [broken])).rejects.toThrow(
      /no_such_function/,
    );
    expect(
      await rows(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = '${schema}'`),
    ).toEqual([{ n: 0 }]);
  });

  it('keeps the service’s tables in its own schema, out of public', async () => {
    const schema = freshSchema();
    await migratePostgres(pool(schema), schema, readMigrations(migrationsDir('postgres')));
    const tables = await rows(
      `SELECT schemaname, tablename FROM pg_tables
       WHERE tablename IN ('orders', 'order_items', 'idempotency_keys', 'schema_migrations')
       ORDER BY schemaname, tablename`,
    );
    expect(tables.filter((t) => t['schemaname'] === 'public')).toEqual([]);
    expect(tables.filter((t) => t['schemaname'] === schema).map((t) => t['tablename'])).toEqual([
      'idempotency_keys',
      'order_items',
      'orders',
      'schema_migrations',
    ]);
  });

  it('gives the same tables and columns as the SQLite migrations (one logical schema)', async () => {
    const schema = freshSchema();
    await migratePostgres(pool(schema), schema, readMigrations(migrationsDir('postgres')));
    const pgColumns = await rows(
      `SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
       WHERE table_schema = '${schema}' ORDER BY 1, 2`,
    );

    const sqlite = new Database(':memory:');
    migrateSqlite(sqlite, readMigrations(migrationsDir('sqlite')));
    const sqliteColumns = sqlite
      .prepare(
        `SELECT m.name AS "table", c.name AS "column" FROM sqlite_schema m, pragma_table_info(m.name) c
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2`,
      )
      .all();
    sqlite.close();
    expect(sqliteColumns).toEqual(pgColumns);
  });
});
