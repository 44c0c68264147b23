import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requirePostgres } from '@mesh/testing';
import { migration } from '../test/migration';
import { postgresForSuite } from '../test/postgres-suite';
import { isDatabaseUnavailableError } from './database-unavailable-error';
import { PgDatabase } from './pg-database';
import type { PostgresOptions } from './pg-pool';

describe.skipIf(requirePostgres() === undefined)('PgDatabase on a real PostgreSQL', () => {
  const server = postgresForSuite();
  const settings = (overrides: Partial<PostgresOptions> = {}): PostgresOptions => ({
    url: server().url,
    schema: `d_${randomBytes(6).toString('hex')}`,
    ...overrides,
  });
  const migrations = [migration(1, 'notes', 'CREATE TABLE notes (body text NOT NULL);')];

  it('opens with the migrations applied to its own schema, and answers its ping', async () => {
    const options = settings({ poolSize: 2 });
    const db = await PgDatabase.open(options, migrations);
    try {
      await db.call((pool) => pool.query(`INSERT INTO notes VALUES ('kept')`));
      expect((await db.call((pool) => pool.query('SELECT body FROM notes'))).rows).toEqual([
        { body: 'kept' },
      ]);
      expect(await db.ping()).toBe(true);
      expect(db.status()).toMatchObject({ schema: options.schema, pool: { max: 2 } });
    } finally {
      await db.close();
    }
  });

  it('rejects a call the server cancels (statement timeout) as database unavailable', async () => {
    const db = await PgDatabase.open(settings({ statementTimeoutMs: 100 }), migrations);
    try {
      const error = await db.call((pool) => pool.query('SELECT pg_sleep(5)')).catch((e) => e);
      expect(isDatabaseUnavailableError(error)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('leaves the error of a wrong statement as it is', async () => {
    const db = await PgDatabase.open(settings(), migrations);
    try {
      const error = await db.call((pool) => pool.query('SELECT * FROM nowhere')).catch((e) => e);
      expect(isDatabaseUnavailableError(error)).toBe(false);
      expect(String(error)).toMatch(/relation "nowhere" does not exist/);
    } finally {
      await db.close();
    }
  });

  it('may be closed twice; after that every call and its ping reject as database unavailable', async () => {
    const db = await PgDatabase.open(settings(), migrations);
    await db.close();
    await db.close();
    await expect(db.call((pool) => pool.query('SELECT 1'))).rejects.toSatisfy(
      isDatabaseUnavailableError,
    );
    await expect(db.ping()).rejects.toSatisfy(isDatabaseUnavailableError);
  });

  it('does not open where nothing listens, rejecting as database unavailable', async () => {
    const url = new URL(server().url);
    url.port = '1';
    await expect(PgDatabase.open(settings({ url: url.toString() }), migrations)).rejects.toSatisfy(
      isDatabaseUnavailableError,
    );
  });

  it('does not open when a migration fails, rejecting with its error and recording nothing', async () => {
    const options = settings();
    const broken = migration(1, 'broken', 'CREATE TABLE t (v integer); SELECT no_such_function();');
    await expect(PgDatabase.open(options, [broken])).rejects.toThrow(/no_such_function/);
    // Version 1 was not recorded: the good migration 1 still applies.
    const db = await PgDatabase.open(options, migrations);
    try {
      expect(await db.ping()).toBe(true);
    } finally {
      await db.close();
    }
  });
});
