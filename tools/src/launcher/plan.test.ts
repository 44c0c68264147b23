import { describe, expect, it } from 'vitest';
import { planMesh } from './plan';
import type { PlanOptions } from './plan';

const base: PlanOptions = {
  repoRoot: '/repo',
  userInstances: 2,
  orderInstances: 2,
  portOffset: 0,
  host: '127.0.0.1',
  adminToken: 'token-0123456789abcdef',
  dataDir: '/repo/data',
  logLevel: 'info',
  registry: 'static',
  etcdEndpoints: [],
};
const envOf = (options: PlanOptions, service: string) =>
  planMesh(options)
    .filter((p) => p.service === service)
    .map((p) => p.env);

describe('planMesh storage', () => {
  it('gives user-service and order-service SQLite files in the data directory by default', () => {
    expect(envOf(base, 'user-service').map((e) => e['DATABASE_PATH'])).toEqual([
      '/repo/data/users.db',
      '/repo/data/users.db',
    ]);
    expect(envOf(base, 'order-service').map((e) => e['DATABASE_PATH'])).toEqual([
      '/repo/data/orders.db',
      '/repo/data/orders.db',
    ]);
    expect(planMesh(base).some((p) => 'DATABASE_URL' in p.env)).toBe(false);
  });

  it('with a database URL hands it to every user and order instance, and not to the gateway', () => {
    const databaseUrl = 'postgres://mesh:pw@127.0.0.1:5432/mesh';
    const plan = planMesh({ ...base, databaseUrl });
    for (const instance of plan.filter((p) => p.service !== 'gateway')) {
      expect(instance.env['DATABASE_URL']).toBe(databaseUrl);
      expect(instance.env['DATABASE_PATH']).toBeUndefined();
    }
    const gateway = plan.find((p) => p.service === 'gateway');
    expect(gateway?.env['DATABASE_URL']).toBeUndefined();
  });
});
