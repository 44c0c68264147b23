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
      store: { kind: 'sqlite', sqlite: { path: './data/orders.db', busyTimeoutMs: 5000 } },
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

  const registry = { STATIC_REGISTRY: JSON.stringify({ 'user-service': [userInstance] }) };

  it('stores in SQLite unless DATABASE_URL is set, and keeps keys 24 h, cleaned every minute', () => {
    const config = toConfig(parseConfig(orderServiceEnvSchema, registry));
    expect(config.store.kind).toBe('sqlite');
    expect(config.idempotencyRetentionMs).toBe(86_400_000);
    expect(config.idempotencyCleanupIntervalMs).toBe(60_000);
  });

  it('reads PostgreSQL from DATABASE_URL with the pool, timeouts and schema defaults', () => {
    const url = 'postgresql://orders:secret@db.internal/orders';
    const config = toConfig(
      parseConfig(orderServiceEnvSchema, {
        ...registry,
        DATABASE_URL: url,
        DB_POOL_SIZE: '25',
        IDEMPOTENCY_RETENTION_MS: '3600000',
        IDEMPOTENCY_CLEANUP_INTERVAL_MS: '5000',
      }),
    );
    expect(config.store).toEqual({
      kind: 'postgres',
      postgres: {
        url,
        schema: 'order_service',
        poolSize: 25,
        statementTimeoutMs: 5000,
        connectTimeoutMs: 2000,
        applicationName: 'order-service',
      },
    });
    expect(config.idempotencyRetentionMs).toBe(3_600_000);
    expect(config.idempotencyCleanupIntervalMs).toBe(5000);
  });

  it('refuses a DATABASE_URL that is not postgres:// and bad DB_* and IDEMPOTENCY_* values', () => {
    expect(
      problemsOf({
        ...registry,
        DATABASE_URL: 'sqlite:///tmp/x.db',
        DB_SCHEMA: 'public.orders',
        DB_CONNECT_TIMEOUT_MS: '0',
        IDEMPOTENCY_RETENTION_MS: '-5',
        IDEMPOTENCY_CLEANUP_INTERVAL_MS: 'often',
      }),
    ).toEqual([
      'DATABASE_URL',
      'DB_CONNECT_TIMEOUT_MS',
      'DB_SCHEMA',
      'IDEMPOTENCY_CLEANUP_INTERVAL_MS',
      'IDEMPOTENCY_RETENTION_MS',
    ]);
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
