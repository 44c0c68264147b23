import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { requirePostgres } from '@mesh/testing';
import { postgresForSuite } from '../test/postgres-suite';
import { createPgPool, postgresStatus } from './pg-pool';

describe('createPgPool', () => {
  it.each(['Users', 'a-b', 'x; DROP TABLE users', '1st', ''])(
    'refuses %j as a schema name before connecting',
    (schema) => {
      expect(() => createPgPool({ url: 'postgres://u:p@127.0.0.1:1/db', schema })).toThrow(
        /not a plain schema name/,
      );
    },
  );

  it('hands an idle connection’s error to onIdleClientError instead of crashing', async () => {
    const onIdleClientError = vi.fn();
    const pool = createPgPool({
      url: 'postgres://u:p@127.0.0.1:1/db',
      schema: 's',
      onIdleClientError,
    });
    const lost = new Error('Connection terminated unexpectedly');
    pool.emit('error', lost);
    expect(onIdleClientError).toHaveBeenCalledWith(lost);
    await pool.end();
  });
});

describe('postgresStatus', () => {
  it('shows the host, port, database, schema and pool size, never the credentials', async () => {
    const options = {
      url: 'postgres://mesh:s3cret@db.internal:6543/orders%20db',
      schema: 'order_service',
      poolSize: 4,
    };
    const pool = createPgPool(options);
    try {
      const status = postgresStatus(pool, options);
      expect(status).toEqual({
        kind: 'postgresql',
        host: 'db.internal',
        port: '6543',
        database: 'orders db',
        schema: 'order_service',
        pool: { total: 0, idle: 0, waiting: 0, max: 4 },
      });
      expect(JSON.stringify(status)).not.toMatch(/s3cret|mesh@/);
    } finally {
      await pool.end();
    }
  });

  it('shows the default port when the URL names none', async () => {
    const options = { url: 'postgres://mesh@localhost/mesh', schema: 's' };
    const pool = createPgPool(options);
    expect(postgresStatus(pool, options)).toMatchObject({ port: '5432', pool: { max: 10 } });
    await pool.end();
  });
});

describe.skipIf(requirePostgres() === undefined)('createPgPool on a real PostgreSQL', () => {
  const server = postgresForSuite();

  it('gives connections that search the schema first and carry the timeout and application name', async () => {
    const schema = `p_${randomBytes(4).toString('hex')}`;
    const pool = createPgPool({
      url: server().url,
      schema,
      statementTimeoutMs: 1234,
      applicationName: 'pool-test',
    });
    try {
      const { rows } = await pool.query<Record<string, string>>(
        `SELECT current_setting('search_path') AS search_path,
                current_setting('statement_timeout') AS statement_timeout,
                current_setting('application_name') AS application_name`,
      );
      expect(rows).toEqual([
        { search_path: schema, statement_timeout: '1234ms', application_name: 'pool-test' },
      ]);
    } finally {
      await pool.end();
    }
  });
});
