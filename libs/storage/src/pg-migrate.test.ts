import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgres } from '@mesh/testing';
import { migration } from '../test/migration';
import { postgresForSuite } from '../test/postgres-suite';
import { createPgPool } from './pg-pool';
import { migratePostgres } from './pg-migrate';

describe.skipIf(requirePostgres() === undefined)('migratePostgres on a real PostgreSQL', () => {
  const server = postgresForSuite();
  let admin: Client;
  const pools: Pool[] = [];
  beforeAll(async () => {
    admin = new Client({ connectionString: server().url });
    await admin.connect();
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
  });
  afterAll(async () => {
    await admin?.end();
  });

  const freshSchema = () => `m_${randomBytes(6).toString('hex')}`;
  const pool = (schema: string) => {
    const created = createPgPool({ url: server().url, schema });
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

  it('creates the schema when missing and keeps the tables there, out of public', async () => {
    const schema = freshSchema();
    await migratePostgres(pool(schema), schema, [
      migration(1, 'items', 'CREATE TABLE items (id integer PRIMARY KEY);'),
    ]);
    const tables = await rows(
      `SELECT schemaname, tablename FROM pg_tables
       WHERE schemaname IN ('public', '${schema}') ORDER BY schemaname, tablename`,
    );
    expect(tables).toEqual([
      { schemaname: schema, tablename: 'items' },
      { schemaname: schema, tablename: 'schema_migrations' },
    ]);
  });
});
