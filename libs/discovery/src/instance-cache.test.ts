import { afterEach, describe, expect, it } from 'vitest';
import { FakeRegistry } from '../test/fake-registry';
import { ids, instance } from '../test/instances';
import { ManualClock, settle } from '../test/manual-clock';
import { createTestMeter, sum } from '../test/test-meter';
import { InstanceCache } from './instance-cache';
import type { InstanceCacheEvent, InstanceCacheOptions } from './instance-cache';
import { METRIC_CACHE_STALE, METRIC_CACHE_STALE_AGE } from './metric-names';
import { StaticRegistry } from './static-registry';

describe('InstanceCache', () => {
  const running: InstanceCache[] = [];
  afterEach(async () => {
    for (const cache of running.splice(0)) await cache.stop();
  });

  function setup(options: Partial<InstanceCacheOptions> = {}) {
    const registry = new FakeRegistry();
    const clock = new ManualClock();
    const events: InstanceCacheEvent[] = [];
    const meter = createTestMeter();
    const cache = new InstanceCache({
      registry,
      services: ['users', 'orders'],
      clock,
      random: () => 0,
      onEvent: (e) => events.push(e),
      meterProvider: meter.meterProvider,
      ...options,
    });
    running.push(cache);
    return { registry, clock, events, meter, cache };
  }

  it('after start, instances() answers synchronously with each service list', async () => {
    const { registry, cache } = setup();
    registry.set('users', [instance('users', 1), instance('users', 2)]);
    await cache.start();
    expect(ids(cache.instances('users'))).toEqual(['users-1', 'users-2']);
    expect(cache.instances('orders')).toEqual([]);
    expect(cache.isStale('users')).toBe(false);
  });

  it('a service that is not followed has no instances and is stale', async () => {
    const { cache } = setup();
    await cache.start();
    expect(cache.instances('payments')).toEqual([]);
    expect(cache.isStale('payments')).toBe(true);
  });

  it('a change seen by the watch reaches instances() and onChange listeners', async () => {
    const { registry, cache } = setup();
    registry.set('users', [instance('users', 1)]);
    await cache.start();
    const seen: [string, string[]][] = [];
    const unsubscribe = cache.onChange((service, list) => seen.push([service, ids(list)]));

    registry.set('users', [instance('users', 1), instance('users', 2)]);
    await settle();
    expect(ids(cache.instances('users'))).toEqual(['users-1', 'users-2']);
    unsubscribe();
    registry.set('users', [instance('users', 3)]);
    await settle();
    expect(seen).toEqual([['users', ['users-1', 'users-2']]]);
  });

  it('an unchanged list does not call listeners', async () => {
    const { registry, cache } = setup();
    registry.set('users', [instance('users', 1)]);
    await cache.start();
    let calls = 0;
    cache.onChange(() => calls++);
    registry.set('users', [instance('users', 1)]);
    await settle();
    expect(calls).toBe(0);
  });

  it('a listener that throws does not stop the others, and is reported', async () => {
    const { registry, cache, events } = setup();
    await cache.start();
    const heard: string[] = [];
    cache.onChange(() => {
      throw new Error('listener bug');
    });
    cache.onChange((service) => heard.push(service));
    registry.set('users', [instance('users', 1)]);
    await settle();
    expect(heard).toEqual(['users']);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'listener-error', service: 'users' }),
    );
  });

  it('when the registry fails it keeps serving the last list and says the list is stale', async () => {
    const { registry, cache, clock, events, meter } = setup();
    registry.set('users', [instance('users', 1)]);
    await cache.start();

    registry.fail();
    await settle();
    expect(ids(cache.instances('users'))).toEqual(['users-1']);
    expect(cache.isStale('users')).toBe(true);
    expect(events.filter((e) => e.type === 'stale' && e.service === 'users')).toHaveLength(1);

    await clock.advance(12_000);
    const users = { 'mesh.discovery.service': 'users' };
    expect(sum(await meter.read(METRIC_CACHE_STALE), users)).toBe(1);
    expect(sum(await meter.read(METRIC_CACHE_STALE_AGE), users)).toBe(12);
    expect(events.filter((e) => e.type === 'stale' && e.service === 'users')).toHaveLength(1);
  });

  it('when the registry answers again the list is fresh and the change is picked up', async () => {
    const { registry, cache, clock, events, meter } = setup();
    registry.set('users', [instance('users', 1)]);
    await cache.start();
    registry.fail();
    await settle();
    await clock.advance(3_000);

    registry.set('users', [instance('users', 2)], { quietly: true });
    registry.recover();
    await clock.advance(10_000);
    expect(ids(cache.instances('users'))).toEqual(['users-2']);
    expect(cache.isStale('users')).toBe(false);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'fresh', service: 'users', instances: 1 }),
    );
    const users = { 'mesh.discovery.service': 'users' };
    expect(sum(await meter.read(METRIC_CACHE_STALE), users)).toBe(0);
    expect(sum(await meter.read(METRIC_CACHE_STALE_AGE), users)).toBe(0);
  });

  it('a failing watch is followed again with growing delays, not in a tight loop', async () => {
    const { registry, cache, clock } = setup({ retryInitialDelayMs: 1000, retryMaxDelayMs: 8000 });
    await cache.start();
    registry.fail();
    await settle();
    const before = registry.watchCalls;
    // random() = 0 keeps half of each delay: 500, 1000, 2000, 4000 ms per service.
    await clock.advance(500);
    expect(registry.watchCalls - before).toBe(2);
    await clock.advance(999);
    expect(registry.watchCalls - before).toBe(2);
    await clock.advance(1);
    expect(registry.watchCalls - before).toBe(4);
  });

  it('start resolves even when the registry is down from the beginning', async () => {
    const { registry, cache, events } = setup();
    registry.fail();
    await cache.start();
    expect(cache.instances('users')).toEqual([]);
    expect(cache.isStale('users')).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['stale', 'stale']);
  });

  it('the periodic resync lists every service at resyncIntervalMs', async () => {
    const { registry, cache, clock } = setup({ resyncIntervalMs: 30_000 });
    await cache.start();
    // A change the watch never heard of (a quiet, broken watch): only the resync can find it.
    registry.set('users', [instance('users', 7)], { quietly: true });
    await clock.advance(29_999);
    expect(cache.instances('users')).toEqual([]);
    await clock.advance(1);
    expect(ids(cache.instances('users'))).toEqual(['users-7']);
    expect(registry.listCalls).toBe(2);
  });

  it('a resync answer older than a watch update is dropped', async () => {
    const { registry, cache } = setup();
    registry.set('users', [instance('users', 1)]);
    await cache.start();
    let openGate!: () => void;
    registry.listGate = new Promise((resolve) => (openGate = resolve));
    const resync = cache.resync();
    registry.set('users', [instance('users', 2)]);
    await settle();
    openGate();
    await resync;
    expect(ids(cache.instances('users'))).toEqual(['users-2']);
  });

  it('a failing resync marks the service stale but keeps its list', async () => {
    const { registry, cache, events } = setup();
    registry.set('users', [instance('users', 1)]);
    await cache.start();
    registry.listGate = Promise.resolve();
    const failure = new Error('list failed');
    // Only list() fails: the open watch has nothing new to say.
    const list = registry.list.bind(registry);
    registry.list = async (service) =>
      service === 'users' ? Promise.reject(failure) : list(service);
    await cache.resync();
    expect(cache.isStale('users')).toBe(true);
    expect(ids(cache.instances('users'))).toEqual(['users-1']);
    expect(events).toContainEqual({ type: 'stale', service: 'users', error: failure });
  });

  it('stop ends the watches and timers; the last lists stay readable', async () => {
    const { registry, cache, clock } = setup();
    registry.set('users', [instance('users', 1)]);
    await cache.start();
    await cache.stop();
    expect(clock.pending).toBe(0);
    registry.set('users', [instance('users', 2)]);
    await settle();
    expect(ids(cache.instances('users'))).toEqual(['users-1']);
  });

  it('works with the static registry that npm start uses', async () => {
    const registry = new StaticRegistry({ users: [instance('users', 1)] });
    const cache = new InstanceCache({ registry, services: ['users'] });
    running.push(cache);
    await cache.start();
    await registry.register(instance('users', 2));
    await settle();
    expect(ids(cache.instances('users'))).toEqual(['users-1', 'users-2']);
  });
});
