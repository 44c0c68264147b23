import { randomBytes } from 'node:crypto';
import { requireEtcd, startEtcd, startTcpProxy } from '@mesh/testing';
import type { EtcdServer } from '@mesh/testing';
import { Etcd3 } from 'etcd3';
import type { IKeyValue, IRangeResponse } from 'etcd3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ids, instance } from '../test/instances';
import { createTestMeter, sum } from '../test/test-meter';
import { follow, waitFor } from '../test/wait-for';
import { EtcdRegistry } from './etcd-registry';
import type { EtcdRegistryOptions } from './etcd-registry';
import { METRIC_REGISTRY_ERRORS, METRIC_REREGISTRATIONS } from './metric-names';
import type { RegistryEvent } from './registry';

/** Each test writes under its own prefix, so tests sharing one etcd never see each other. */
const freshPrefix = () => `/test-${randomBytes(4).toString('hex')}/services`;

describe('EtcdRegistry without etcd', () => {
  it('skips values that are not valid instances and reports each of them', async () => {
    const client = new Etcd3({ hosts: 'http://127.0.0.1:1' });
    const good = instance('users', 1);
    const kv = (key: string, value: string) => ({
      key: Buffer.from(key),
      value: Buffer.from(value),
      lease: '0',
      create_revision: '1',
      mod_revision: '1',
      version: '1',
    });
    const response: IRangeResponse = {
      header: { cluster_id: '1', member_id: '1', revision: '7', raft_term: '1' },
      kvs: [
        kv('/services/users/users-1', JSON.stringify(good)),
        kv('/services/users/users-2', '{not json'),
        kv(
          '/services/users/users-3',
          JSON.stringify({ ...instance('users', 3), url: 'not a url' }),
        ),
        kv('/services/users/users-4', JSON.stringify(instance('users', 5))),
      ],
      more: false,
      count: '4',
    };
    // Every call of this client answers with the range above, as etcd would for a list.
    const answer = async <T>(): Promise<T> => response as T;
    client.mock({ exec: answer });
    const events: RegistryEvent[] = [];
    const meter = createTestMeter();
    const registry = new EtcdRegistry({
      endpoints: ['http://127.0.0.1:1'],
      client,
      onEvent: (e) => events.push(e),
      meterProvider: meter.meterProvider,
    });

    expect(await registry.list('users')).toEqual([good]);
    const invalid = events.filter((e) => e.type === 'invalid-instance');
    expect(invalid.map((e) => e.type === 'invalid-instance' && e.key)).toEqual([
      '/services/users/users-2',
      '/services/users/users-3',
      '/services/users/users-4',
    ]);
    expect(sum(await meter.read(METRIC_REGISTRY_ERRORS), { 'error.type': 'invalid_value' })).toBe(
      3,
    );
    await registry.close();
    client.close();
    await meter.shutdown();
  });

  it('refuses a lease TTL that etcd cannot grant', () => {
    expect(
      () => new EtcdRegistry({ endpoints: ['http://127.0.0.1:1'], leaseTtlSeconds: 0.5 }),
    ).toThrow(RangeError);
  });
});

describe.skipIf(requireEtcd() === undefined)('EtcdRegistry against a real etcd', () => {
  let etcd: EtcdServer;
  let raw: Etcd3;
  const cleanups: (() => Promise<unknown> | void)[] = [];

  beforeAll(async () => {
    etcd = await startEtcd();
    raw = new Etcd3({ hosts: etcd.endpoint });
  }, 30_000);

  afterAll(async () => {
    raw?.close();
    await etcd?.destroy();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function stored(key: string): Promise<IKeyValue> {
    const kv = (await raw.get(key).exec()).kvs[0];
    if (!kv) throw new Error(`${key} is not in etcd`);
    return kv;
  }

  function registry(options: Partial<EtcdRegistryOptions> = {}): EtcdRegistry {
    const created = new EtcdRegistry({
      endpoints: [etcd.endpoint],
      leaseTtlSeconds: 2,
      ...options,
    });
    cleanups.push(() => created.close().catch(() => undefined));
    return created;
  }

  it(
    'a registration is visible under the prefix as the instance in JSON, on a lease',
    { timeout: 20_000 },
    async () => {
      const prefix = freshPrefix();
      const users = registry({ prefix });
      const me = instance('users', 1);
      await users.register(me);

      const kv = await stored(`${prefix}/users/users-1`);
      expect(JSON.parse(kv.value.toString())).toEqual(me);
      expect(kv.lease).not.toBe('0');
      expect(await users.list('users')).toEqual([me]);
      expect(await users.list('orders')).toEqual([]);
    },
  );

  it('deregister removes the key at once', { timeout: 20_000 }, async () => {
    const prefix = freshPrefix();
    const users = registry({ prefix });
    const handle = await users.register(instance('users', 1));
    await handle.deregister();
    expect(await raw.get(`${prefix}/users/users-1`).string()).toBeNull();
    expect(await users.list('users')).toEqual([]);
  });

  it(
    'watch yields the current list first, then the whole list after each change',
    { timeout: 20_000 },
    async () => {
      const prefix = freshPrefix();
      const users = registry({ prefix });
      await users.register(instance('users', 1));
      const controller = new AbortController();
      const watch = follow(users.watch('users', controller.signal));
      await waitFor('the first list', () => watch.values.length === 1);
      expect(watch.values.map(ids)).toEqual([['users-1']]);

      const second = await users.register(instance('users', 2));
      await waitFor('users-2 to appear', () => ids(watch.latest() ?? []).length === 2);
      await second.deregister();
      await waitFor('users-2 to leave', () => ids(watch.latest() ?? []).length === 1);
      expect(watch.values.map(ids)).toEqual([['users-1'], ['users-1', 'users-2'], ['users-1']]);

      controller.abort();
      await watch.done;
    },
  );

  it('a write that leaves the list as it was yields nothing new', { timeout: 20_000 }, async () => {
    const prefix = freshPrefix();
    const users = registry({ prefix });
    const me = instance('users', 1);
    await users.register(me);
    const controller = new AbortController();
    const watch = follow(users.watch('users', controller.signal));
    await waitFor('the first list', () => watch.values.length === 1);

    await raw.put(`${prefix}/users/users-1`).value(JSON.stringify(me)).ignoreLease();
    await users.register(instance('users', 2));
    await waitFor('users-2 to appear', () => watch.latest()?.length === 2);
    expect(watch.values.map(ids)).toEqual([['users-1'], ['users-1', 'users-2']]);

    controller.abort();
    await watch.done;
  });

  it(
    'an instance that dies without deregistering disappears within TTL + 2 s and watchers get the shorter list',
    { timeout: 30_000 },
    async () => {
      const prefix = freshPrefix();
      const observer = registry({ prefix });
      await observer.register(instance('users', 1));
      // The doomed instance reaches etcd through a proxy; cutting it below is a crash as etcd sees
      // one: the connection drops, no revoke is sent and no keepalive arrives any more.
      const proxy = await startTcpProxy({ port: Number(new URL(etcd.endpoint).port) });
      cleanups.push(() => proxy.close());
      const doomed = registry({ prefix, endpoints: [proxy.url] });
      await doomed.register(instance('users', 2));

      const controller = new AbortController();
      const watch = follow(observer.watch('users', controller.signal));
      await waitFor('both instances', () => watch.latest()?.length === 2);

      await proxy.cut();
      const ttlPlusTwoSeconds = 2_000 + 2_000;
      await waitFor(
        'the dead instance to leave',
        () => ids(watch.latest() ?? []).join() === 'users-1',
        {
          timeoutMs: ttlPlusTwoSeconds,
        },
      );
      expect(await raw.get(`${prefix}/users/users-2`).string()).toBeNull();

      controller.abort();
      await watch.done;
    },
  );

  it(
    'a lease revoked from outside is granted again and the same key written again',
    { timeout: 20_000 },
    async () => {
      const prefix = freshPrefix();
      const events: RegistryEvent[] = [];
      const meter = createTestMeter();
      const users = registry({
        prefix,
        onEvent: (e) => events.push(e),
        meterProvider: meter.meterProvider,
      });
      const me = instance('users', 1);
      await users.register(me);
      const key = `${prefix}/users/users-1`;
      const before = (await stored(key)).lease;

      await raw.leaseClient.leaseRevoke({ ID: before });
      const after = await waitFor('the key on a new lease', async () => {
        const kv = (await raw.get(key).exec()).kvs[0];
        return kv && kv.lease !== before ? kv : undefined;
      });

      expect(JSON.parse(after.value.toString())).toEqual(me);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'lease-lost', instanceId: 'users-1' }),
      );
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'reregistered', instanceId: 'users-1' }),
      );
      expect(
        sum(await meter.read(METRIC_REREGISTRATIONS), { 'mesh.discovery.service': 'users' }),
      ).toBe(1);
      await meter.shutdown();
    },
  );

  it(
    'a keepalive that stopped without a word is caught by the lease check',
    { timeout: 20_000 },
    async () => {
      const prefix = freshPrefix();
      const events: RegistryEvent[] = [];
      const users = registry({
        prefix,
        keepAlive: false,
        leaseCheckIntervalMs: 500,
        onEvent: (e) => events.push(e),
      });
      await users.register(instance('users', 1));
      const key = `${prefix}/users/users-1`;
      const first = (await stored(key)).lease;

      await waitFor('a re-registration after the lease expired', () =>
        events.some((e) => e.type === 'reregistered' && e.reason === 'lease-missing'),
      );
      const kv = await waitFor(
        'the key back on a new lease',
        async () => (await raw.get(key).exec()).kvs[0],
      );
      expect(kv.lease).not.toBe(first);
    },
  );

  it(
    'a key deleted from outside while its lease lives is written again',
    { timeout: 20_000 },
    async () => {
      const prefix = freshPrefix();
      const events: RegistryEvent[] = [];
      const users = registry({ prefix, leaseCheckIntervalMs: 300, onEvent: (e) => events.push(e) });
      await users.register(instance('users', 1));
      const key = `${prefix}/users/users-1`;

      await raw.delete().key(key);
      await waitFor('the key to be written again', async () => (await raw.get(key).exec()).kvs[0]);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'reregistered', reason: 'key-missing' }),
      );
    },
  );

  it(
    'a value that is not an instance is skipped by list and watch',
    { timeout: 20_000 },
    async () => {
      const prefix = freshPrefix();
      const events: RegistryEvent[] = [];
      const users = registry({ prefix, onEvent: (e) => events.push(e) });
      await users.register(instance('users', 1));
      await raw.put(`${prefix}/users/garbage`).value('{"id":');
      expect(ids(await users.list('users'))).toEqual(['users-1']);

      const controller = new AbortController();
      const watch = follow(users.watch('users', controller.signal));
      await waitFor('the first list', () => watch.values.length === 1);
      await raw.put(`${prefix}/users/users-1`).value('not json either');
      await waitFor('the corrupted instance to leave', () => watch.latest()?.length === 0);
      expect(events.filter((e) => e.type === 'invalid-instance').length).toBeGreaterThanOrEqual(3);

      controller.abort();
      await watch.done;
    },
  );

  it('close deregisters what it holds and ends its watches', { timeout: 20_000 }, async () => {
    const prefix = freshPrefix();
    const users = registry({ prefix });
    await users.register(instance('users', 1));
    const watch = follow(users.watch('users'));
    await waitFor('the first list', () => watch.values.length === 1);

    await users.close();
    await watch.done;
    expect(await raw.get(`${prefix}/users/users-1`).string()).toBeNull();
    await expect(users.register(instance('users', 2))).rejects.toThrow(/closed/);
  });
});
