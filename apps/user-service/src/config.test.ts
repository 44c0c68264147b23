import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@mesh/service-kit';
import { toConfig, userServiceEnvSchema } from './config';

describe('user-service config', () => {
  it('has a default for every setting', () => {
    const config = toConfig(parseConfig(userServiceEnvSchema, {}));
    expect(config).toMatchObject({
      port: 3000,
      adminPort: 9464,
      databasePath: './data/users.db',
      sqliteBusyTimeoutMs: 5000,
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
    expect(config).toMatchObject({ databasePath: '/var/lib/mesh/u.db', sqliteBusyTimeoutMs: 250 });
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
