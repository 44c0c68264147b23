import { randomBytes } from 'node:crypto';
import { requireEtcd, startEtcd } from '@mesh/testing';
import type { EtcdServer } from '@mesh/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ids, instance } from '../test/instances';
import { createTestMeter, sum } from '../test/test-meter';
import { waitFor } from '../test/wait-for';
import { EtcdRegistry } from './etcd-registry';
import { InstanceCache } from './instance-cache';
import type { InstanceCacheEvent } from './instance-cache';
import { METRIC_CACHE_STALE } from './metric-names';

describe.skipIf(requireEtcd() === undefined)('InstanceCache on a real etcd', () => {
  let etcd: EtcdServer;
  let prefix: string;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeEach(async () => {
    etcd = await startEtcd();
    prefix = `/test-${randomBytes(4).toString('hex')}/services`;
  }, 30_000);

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await etcd.destroy();
  }, 30_000);

  function registry(): EtcdRegistry {
    const created = new EtcdRegistry({
      endpoints: [etcd.endpoint],
      prefix,
      leaseTtlSeconds: 2,
      retryInitialDelayMs: 100,
      retryMaxDelayMs: 500,
    });
    cleanups.push(() => created.close());
    return created;
  }

  function cache(
    events: InstanceCacheEvent[] = [],
    meterProvider?: ReturnType<typeof createTestMeter>['meterProvider'],
  ) {
    const created = new InstanceCache({
      registry: registry(),
      services: ['users'],
      retryInitialDelayMs: 100,
      retryMaxDelayMs: 500,
      onEvent: (e) => events.push(e),
      ...(meterProvider ? { meterProvider } : {}),
    });
    cleanups.push(() => created.stop());
    return created;
  }

  it(
    'an instance registered later appears in a running cache without restarting it',
    { timeout: 20_000 },
    async () => {
      const writer = registry();
      await writer.register(instance('users', 1));
      const users = cache();
      await users.start();
      expect(ids(users.instances('users'))).toEqual(['users-1']);

      await writer.register(instance('users', 2));
      await waitFor('users-2 in the cache', () => users.instances('users').length === 2);
      expect(ids(users.instances('users'))).toEqual(['users-1', 'users-2']);
      expect(users.isStale('users')).toBe(false);
    },
  );

  it(
    'with etcd stopped it keeps serving the last list as stale; after a restart it picks up new changes',
    { timeout: 60_000 },
    async () => {
      const writer = registry();
      await writer.register(instance('users', 1));
      const events: InstanceCacheEvent[] = [];
      const meter = createTestMeter();
      cleanups.push(() => meter.shutdown());
      const users = cache(events, meter.meterProvider);
      await users.start();
      expect(ids(users.instances('users'))).toEqual(['users-1']);

      await etcd.stop();
      await waitFor('the cache to say it is stale', () => users.isStale('users'));
      expect(ids(users.instances('users'))).toEqual(['users-1']);
      expect(events).toContainEqual(expect.objectContaining({ type: 'stale', service: 'users' }));
      expect(sum(await meter.read(METRIC_CACHE_STALE), { 'mesh.discovery.service': 'users' })).toBe(
        1,
      );

      await etcd.restart();
      // A new process registering after the restart: a change the cache can only learn from etcd.
      const late = registry();
      await late.register(instance('users', 2));
      await waitFor('users-2 in the cache', () => users.instances('users').length === 2, {
        timeoutMs: 30_000,
      });
      expect(ids(users.instances('users'))).toEqual(['users-1', 'users-2']);
      expect(users.isStale('users')).toBe(false);
      expect(events).toContainEqual(expect.objectContaining({ type: 'fresh', service: 'users' }));
      expect(sum(await meter.read(METRIC_CACHE_STALE), { 'mesh.discovery.service': 'users' })).toBe(
        0,
      );
    },
  );
});
