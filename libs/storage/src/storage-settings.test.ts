import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { storageEnvShape, toStoreSettings } from './storage-settings';

const schema = z.object(storageEnvShape({ databasePath: './data/things.db', schema: 'things' }));

describe('storage settings', () => {
  it('stores in the default SQLite file, waiting 5 s for locks, when nothing is set', () => {
    expect(toStoreSettings(schema.parse({}), 'thing-service')).toEqual({
      kind: 'sqlite',
      sqlite: { path: './data/things.db', busyTimeoutMs: 5000 },
    });
  });

  it('stores in PostgreSQL when DATABASE_URL is set, with the pool and timeout defaults', () => {
    const url = 'postgresql://mesh:secret@db.internal/mesh';
    expect(toStoreSettings(schema.parse({ DATABASE_URL: url }), 'thing-service')).toEqual({
      kind: 'postgres',
      postgres: {
        url,
        schema: 'things',
        poolSize: 10,
        statementTimeoutMs: 5000,
        connectTimeoutMs: 2000,
        applicationName: 'thing-service',
      },
    });
  });

  it('refuses a non-PostgreSQL URL, a quoted schema and out-of-range numbers, naming each', () => {
    const result = schema.safeParse({
      DATABASE_PATH: ' ',
      SQLITE_BUSY_TIMEOUT_MS: '-1',
      DATABASE_URL: 'mysql://x@y/z',
      DB_SCHEMA: 'Things; DROP',
      DB_POOL_SIZE: '0',
      DB_STATEMENT_TIMEOUT_MS: 'long',
      DB_CONNECT_TIMEOUT_MS: '600001',
    });
    expect(result.error?.issues.map((issue) => issue.path[0]).sort()).toEqual([
      'DATABASE_PATH',
      'DATABASE_URL',
      'DB_CONNECT_TIMEOUT_MS',
      'DB_POOL_SIZE',
      'DB_SCHEMA',
      'DB_STATEMENT_TIMEOUT_MS',
      'SQLITE_BUSY_TIMEOUT_MS',
    ]);
  });
});
