import { describe, expect, it, vi } from 'vitest';
import { openStore, openStoreOrLog, storeLocation } from './open-store';
import type { StoreSettings } from './open-store';
import type { PostgresOptions, PostgresStatus } from './pg-pool';

interface FakeRepository {
  engine: string;
}

const pgStatus: PostgresStatus = {
  kind: 'postgresql',
  host: 'db',
  port: '5432',
  database: 'mesh',
  schema: 'things',
  pool: { total: 1, idle: 1, waiting: 0, max: 10 },
};
const sqlite: StoreSettings = { kind: 'sqlite', sqlite: { path: './data/things.db' } };
const postgres: StoreSettings = {
  kind: 'postgres',
  postgres: { url: 'postgres://mesh:s3cret@db/mesh', schema: 'things' },
};

function openers() {
  let postgresOptions: PostgresOptions | undefined;
  return {
    sqlite: vi.fn((): FakeRepository => ({ engine: 'sqlite' })),
    postgres: vi.fn(async (options: PostgresOptions) => {
      postgresOptions = options;
      return { engine: 'postgres', status: () => pgStatus };
    }),
    postgresOptions: () => postgresOptions,
  };
}

describe('openStore', () => {
  it('opens SQLite with its settings and shows the file in its status', async () => {
    const open = openers();
    const store = await openStore(sqlite, open, { warn: vi.fn() });
    expect(open.sqlite).toHaveBeenCalledWith({ path: './data/things.db' });
    expect(open.postgres).not.toHaveBeenCalled();
    expect(store.repository).toEqual({ engine: 'sqlite' });
    expect(store.status()).toEqual({ kind: 'sqlite', path: './data/things.db' });
  });

  it('opens PostgreSQL, shows the repository’s pool status, and logs idle connection errors as warnings', async () => {
    const open = openers();
    const warn = vi.fn();
    const store = await openStore(postgres, open, { warn });
    expect(open.sqlite).not.toHaveBeenCalled();
    expect(open.postgresOptions()).toMatchObject({ url: postgres.postgres.url, schema: 'things' });
    expect(store.status()).toEqual(pgStatus);

    const lost = new Error('Connection terminated unexpectedly');
    open.postgresOptions()?.onIdleClientError?.(lost);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/idle PostgreSQL connection failed/), {
      err: lost,
    });
  });

  it('rejects as the opener does', async () => {
    const open = openers();
    const refused = new Error('database unreachable');
    open.postgres.mockRejectedValueOnce(refused);
    await expect(openStore(postgres, open, { warn: vi.fn() })).rejects.toBe(refused);
  });
});

describe('openStoreOrLog', () => {
  it('resolves to the opened store when the opener succeeds', async () => {
    const error = vi.fn();
    const store = await openStoreOrLog(sqlite, openers(), { warn: vi.fn(), error });
    expect(store?.repository).toEqual({ engine: 'sqlite' });
    expect(error).not.toHaveBeenCalled();
  });

  it('logs where the store is and resolves to undefined when the opener fails', async () => {
    const open = openers();
    const refused = new Error('database unreachable');
    open.postgres.mockRejectedValueOnce(refused);
    const error = vi.fn();
    expect(await openStoreOrLog(postgres, open, { warn: vi.fn(), error })).toBeUndefined();
    expect(error).toHaveBeenCalledWith(
      'cannot open the database at PostgreSQL (DATABASE_URL, schema things)',
      { err: refused },
    );
  });
});

describe('storeLocation', () => {
  it('names the file, or the schema on PostgreSQL without the URL’s credentials', () => {
    expect(storeLocation(sqlite)).toBe('./data/things.db (DATABASE_PATH)');
    expect(storeLocation(postgres)).toBe('PostgreSQL (DATABASE_URL, schema things)');
    expect(storeLocation(postgres)).not.toContain('s3cret');
  });
});
