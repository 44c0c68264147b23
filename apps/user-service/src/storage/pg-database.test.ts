import { randomBytes } from 'node:crypto';
import { DatabaseError } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePostgres, startPostgres } from '@mesh/testing';
import type { PostgresServer } from '@mesh/testing';
import { isDatabaseUnavailableError } from './database-unavailable-error';
import { classifyPgError, createPgPool, withTransaction } from './pg-database';

function sqlError(code: string): DatabaseError {
  const error = new DatabaseError('from the server', 0, 'error');
  error.code = code;
  return error;
}

describe('classifyPgError', () => {
  it.each([
    ['08006', 'connection failure'],
    ['53300', 'too many connections'],
    ['57014', 'statement timeout'],
    ['57P01', 'administrator shutdown'],
    ['57P03', 'starting up or shutting down'],
    ['58030', 'I/O error'],
  ])('takes SQLSTATE %s (%s) for an unavailable database', (code) => {
    expect(isDatabaseUnavailableError(classifyPgError(sqlError(code)))).toBe(true);
  });

  it.each([
    ['23505', 'unique violation'],
    ['23514', 'check violation'],
    ['42P01', 'undefined table'],
    ['40P01', 'deadlock'],
  ])('leaves SQLSTATE %s (%s) as it is: the statement, not the database', (code) => {
    const error = sqlError(code);
    expect(classifyPgError(error)).toBe(error);
  });

  it('takes a refused or reset socket and pg’s lost-connection messages for unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    for (const error of [
      refused,
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('Cannot use a pool after calling end on the pool'),
    ]) {
      const classified = classifyPgError(error);
      expect(isDatabaseUnavailableError(classified)).toBe(true);
      expect((classified as Error).cause).toBe(error);
    }
  });

  it('leaves any other error, and anything not an error, as it is', () => {
    const bug = new TypeError('undefined is not a function');
    expect(classifyPgError(bug)).toBe(bug);
    expect(classifyPgError('text')).toBe('text');
  });
});

describe.skipIf(requirePostgres() === undefined)('withTransaction on a real PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.destroy();
  });

  it(
    'a connection lost between two statements fails the transaction instead of the process',
    { timeout: 60_000 },
    async () => {
      const pool = createPgPool({ url: server.url, schema: `t_${randomBytes(4).toString('hex')}` });
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
        await server.stop();
        continueTransaction();
        expect(isDatabaseUnavailableError(classifyPgError(await outcome))).toBe(true);
      } finally {
        await server.start();
        await pool.end();
      }
    },
  );
});
