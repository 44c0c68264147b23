import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '@mesh/service-kit';
import { orderServiceEnvSchema, toConfig } from './config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(orderServiceEnvSchema, env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.split(':')[0] as string).sort();
  }
}

describe('order-service config', () => {
  it('needs USER_SERVICE_URLS: there is no default address', () => {
    expect(problemsOf({})).toEqual(['USER_SERVICE_URLS']);
  });

  it('has a default for every other setting and splits the URL list', () => {
    const config = toConfig(
      parseConfig(orderServiceEnvSchema, {
        USER_SERVICE_URLS: 'http://127.0.0.1:3001, http://127.0.0.1:3002',
      }),
    );
    expect(config).toMatchObject({
      port: 3000,
      adminPort: 9464,
      databasePath: './data/orders.db',
      sqliteBusyTimeoutMs: 5000,
      userServiceUrls: ['http://127.0.0.1:3001', 'http://127.0.0.1:3002'],
      userServiceTimeoutMs: 2000,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.userServiceUrls)).toBe(true);
  });

  it('lists every bad variable at once', () => {
    expect(
      problemsOf({
        USER_SERVICE_URLS: 'ftp://users',
        USER_SERVICE_TIMEOUT_MS: '0',
        DATABASE_PATH: '',
      }),
    ).toEqual(['DATABASE_PATH', 'USER_SERVICE_TIMEOUT_MS', 'USER_SERVICE_URLS.0']);
  });
});
