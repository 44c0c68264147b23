import { describe, expect, it } from 'vitest';
import { ids, instance } from '../test/instances';
import type { RegistryEvent } from './registry';
import { StaticRegistry } from './static-registry';

describe('StaticRegistry', () => {
  it('lists the configured instances of a service, sorted by id', async () => {
    const registry = new StaticRegistry({ users: [instance('users', 2), instance('users', 1)] });
    expect(ids(await registry.list('users'))).toEqual(['users-1', 'users-2']);
    expect(await registry.list('orders')).toEqual([]);
  });

  it('refuses a config with bad instances and names each of them', () => {
    const bad = () =>
      new StaticRegistry({
        users: [
          instance('users', 1, { url: 'nope' }),
          instance('orders', 2),
          instance('users', 3),
          instance('users', 3),
        ],
      });
    expect(bad).toThrow(
      /users\[0\]: url: .*\n.*users\[1\]: service is "orders".*\n.*users\[3\]: duplicate id/,
    );
  });

  it('register adds to the list and deregister removes it again', async () => {
    const events: RegistryEvent[] = [];
    const registry = new StaticRegistry(
      { users: [instance('users', 1)] },
      { onEvent: (e) => events.push(e) },
    );
    const handle = await registry.register(instance('users', 2));
    expect(ids(await registry.list('users'))).toEqual(['users-1', 'users-2']);
    await handle.deregister();
    await handle.deregister();
    expect(ids(await registry.list('users'))).toEqual(['users-1']);
    expect(events.map((e) => e.type)).toEqual(['registered', 'deregistered']);
  });

  it('refuses to register an invalid instance', async () => {
    const registry = new StaticRegistry({});
    await expect(registry.register(instance('users', 1, { weight: -1 }))).rejects.toThrow(/weight/);
  });

  it('a stale handle does not remove an instance registered again under the same id', async () => {
    const registry = new StaticRegistry({});
    const first = await registry.register(instance('users', 1, { version: '1' }));
    await registry.register(instance('users', 1, { version: '2' }));
    await first.deregister();
    expect((await registry.list('users')).map((i) => i.version)).toEqual(['2']);
  });

  it('watch yields the current list first, then the whole list after each change', async () => {
    const registry = new StaticRegistry({ users: [instance('users', 1)] });
    const watch = registry.watch('users')[Symbol.asyncIterator]();
    expect(ids((await watch.next()).value)).toEqual(['users-1']);
    const handle = await registry.register(instance('users', 2));
    expect(ids((await watch.next()).value)).toEqual(['users-1', 'users-2']);
    await handle.deregister();
    expect(ids((await watch.next()).value)).toEqual(['users-1']);
    await registry.close();
  });

  it('a change to another service does not wake a watcher', async () => {
    const registry = new StaticRegistry({ users: [instance('users', 1)] });
    const watch = registry.watch('users')[Symbol.asyncIterator]();
    await watch.next();
    await registry.register(instance('orders', 1));
    const next = watch.next();
    await registry.register(instance('users', 2));
    expect(ids((await next).value)).toEqual(['users-1', 'users-2']);
    await registry.close();
  });

  it('a watch ends when its signal aborts and when the registry closes', async () => {
    const registry = new StaticRegistry({ users: [instance('users', 1)] });
    const controller = new AbortController();
    const aborted = registry.watch('users', controller.signal)[Symbol.asyncIterator]();
    const closed = registry.watch('users')[Symbol.asyncIterator]();
    await aborted.next();
    await closed.next();
    const abortedNext = aborted.next();
    controller.abort();
    expect((await abortedNext).done).toBe(true);
    const closedNext = closed.next();
    await registry.close();
    expect((await closedNext).done).toBe(true);
    await expect(registry.register(instance('users', 2))).rejects.toThrow(/closed/);
  });
});
