import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@mesh/service-kit';
import { toConfig, userServiceEnvSchema } from './config';

describe('user-service config', () => {
  it('has a default for every setting', () => {
    const config = toConfig(parseConfig(userServiceEnvSchema, {}));
    expect(config).toMatchObject({
      port: 3000,
      adminPort: 9464,
      store: { kind: 'sqlite', sqlite: { path: './data/users.db', busyTimeoutMs: 5000 } },
      logLevel: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the database path and busy timeout from the environment', () => {
    const config = toConfig(
      parseConfig(userServiceEnvSchema, {
        DATABASE_PATH: '/var/lib/mesh/u.db',
        SQLITE_BUSY_TIMEOUT_MS: '250',
      }),
    );
    expect(config.store).toEqual({
      kind: 'sqlite',
      sqlite: { path: '/var/lib/mesh/u.db', busyTimeoutMs: 250 },
    });
  });

  it('stores in SQLite unless DATABASE_URL is set', () => {
    expect(toConfig(parseConfig(userServiceEnvSchema, {})).store.kind).toBe('sqlite');
  });

  it('reads PostgreSQL from DATABASE_URL with the pool, timeouts and schema defaults', () => {
    const url = 'postgres://mesh:secret@db.internal:5432/mesh';
    expect(toConfig(parseConfig(userServiceEnvSchema, { DATABASE_URL: url })).store).toEqual({
      kind: 'postgres',
      postgres: {
        url,
        schema: 'user_service',
        poolSize: 10,
        statementTimeoutMs: 5000,
        connectTimeoutMs: 2000,
        applicationName: 'user-service',
      },
    });
    const tuned = toConfig(
      parseConfig(userServiceEnvSchema, {
        DATABASE_URL: url,
        DB_SCHEMA: 'users_a',
        DB_POOL_SIZE: '4',
        DB_STATEMENT_TIMEOUT_MS: '800',
        DB_CONNECT_TIMEOUT_MS: '300',
      }),
    );
    expect(tuned.store).toEqual({
      kind: 'postgres',
      postgres: {
        url,
        schema: 'users_a',
        poolSize: 4,
        statementTimeoutMs: 800,
        connectTimeoutMs: 300,
        applicationName: 'user-service',
      },
    });
  });

  it('refuses a DATABASE_URL that is not postgres:// and bad DB_* values, naming each', () => {
    const problems = (() => {
      try {
        parseConfig(userServiceEnvSchema, {
          DATABASE_URL: 'mysql://x@y/z',
          DB_SCHEMA: 'Users; DROP',
          DB_POOL_SIZE: '0',
          DB_STATEMENT_TIMEOUT_MS: 'long',
        });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DATABASE_URL',
      'DB_POOL_SIZE',
      'DB_SCHEMA',
      'DB_STATEMENT_TIMEOUT_MS',
    ]);
  });

  it('lists every bad variable at once', () => {
    const parse = () =>
      parseConfig(userServiceEnvSchema, {
        DATABASE_PATH: ' ',
        SQLITE_BUSY_TIMEOUT_MS: 'soon',
        PORT: '-1',
      });
    expect(parse).toThrow(ConfigError);
    const problems = (() => {
      try {
        parse();
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DATABASE_PATH',
      'PORT',
      'SQLITE_BUSY_TIMEOUT_MS',
    ]);
  });
});
