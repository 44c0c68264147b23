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

const userInstance = {
  id: 'user-service-1',
  service: 'user-service',
  url: 'http://127.0.0.1:3001',
  adminUrl: 'http://127.0.0.1:9465',
  version: '1',
  weight: 1,
  zone: 'local',
  startedAt: '2026-01-01T00:00:00.000Z',
};

describe('order-service config', () => {
  it('needs to know where user-service is: there is no default address', () => {
    expect(problemsOf({})).toEqual(['STATIC_REGISTRY']);
    expect(problemsOf({ REGISTRY: 'etcd' })).toEqual(['ETCD_ENDPOINTS']);
  });

  it('has a default for every other setting', () => {
    const config = toConfig(
      parseConfig(orderServiceEnvSchema, {
        STATIC_REGISTRY: JSON.stringify({ 'user-service': [userInstance] }),
      }),
    );
    expect(config).toMatchObject({
      port: 3000,
      adminPort: 9464,
      databasePath: './data/orders.db',
      sqliteBusyTimeoutMs: 5000,
      discovery: { registry: 'static' },
      userService: {
        service: 'user-service',
        balancer: 'p2c-ewma',
        attemptTimeoutMs: 2000,
        gate: { kind: 'circuit-breaker' },
      },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every bad variable at once', () => {
    expect(
      problemsOf({
        REGISTRY: 'consul',
        STATIC_REGISTRY: '{not json',
        USER_SERVICE_ATTEMPT_TIMEOUT_MS: '0',
        USER_SERVICE_BALANCER: 'random',
        DATABASE_PATH: '',
      }),
    ).toEqual([
      'DATABASE_PATH',
      'REGISTRY',
      'STATIC_REGISTRY',
      'USER_SERVICE_ATTEMPT_TIMEOUT_MS',
      'USER_SERVICE_BALANCER',
    ]);
  });
});
