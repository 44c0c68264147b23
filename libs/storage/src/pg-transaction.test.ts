import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { requirePostgres } from '@mesh/testing';
import { postgresForSuite } from '../test/postgres-suite';
import { classifyPgError } from './classify-pg-error';
import { isDatabaseUnavailableError } from './database-unavailable-error';
import { createPgPool } from './pg-pool';
import { withTransaction } from './pg-transaction';

describe.skipIf(requirePostgres() === undefined)('withTransaction on a real PostgreSQL', () => {
  const server = postgresForSuite();

  const freshSchema = () => `t_${randomBytes(4).toString('hex')}`;

  it('commits what the function did when it resolves, and answers its result', async () => {
    const pool = createPgPool({ url: server().url, schema: freshSchema() });
    try {
      const result = await withTransaction(pool, async (client) => {
        await client.query('CREATE TABLE public.committed_probe (v integer)');
        return 'done';
      });
      expect(result).toBe('done');
      const { rowCount } = await pool.query(
        `SELECT 1 FROM pg_tables WHERE tablename = 'committed_probe'`,
      );
      expect(rowCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('rolls back what the function did when it throws, and rethrows its error', async () => {
    const pool = createPgPool({ url: server().url, schema: freshSchema() });
    try {
      const failure = new Error('changed my mind');
      await expect(
        withTransaction(pool, async (client) => {
          await client.query('CREATE TABLE public.rolled_back_probe (v integer)');
          throw failure;
        }),
      ).rejects.toBe(failure);
      const { rowCount } = await pool.query(
        `SELECT 1 FROM pg_tables WHERE tablename = 'rolled_back_probe'`,
      );
      expect(rowCount).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it(
    'a connection lost between two statements fails the transaction instead of the process',
    { timeout: 60_000 },
    async () => {
      const pool = createPgPool({ url: server().url, schema: freshSchema() });
      let continueTransaction: () => void = () => undefined;
      const paused = new Promise<void>((resolve) => (continueTransaction = resolve));
      let began: () => void = () => undefined;
      const begun = new Promise<void>((resolve) => (began = resolve));
      try {
        const transaction = withTransaction(pool, async (client) => {
          await client.query('SELECT 1');
          began();
          // The server shuts down while this connection is checked out but runs no statement.
          await paused;
          await client.query('SELECT 2');
        });
        const outcome = transaction.catch((error: unknown) => error);
        await begun;
        await server().stop();
        continueTransaction();
        expect(isDatabaseUnavailableError(classifyPgError(await outcome))).toBe(true);
      } finally {
        await server().start();
        await pool.end();
      }
    },
  );
});
