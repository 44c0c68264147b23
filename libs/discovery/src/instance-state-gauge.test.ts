import { afterEach, describe, expect, it } from 'vitest';
import { instance } from '../test/instances';
import { createTestMeter } from '../test/test-meter';
import type { HealthState } from './health-checker';
import { observeInstanceStates } from './instance-state-gauge';
import { METRIC_INSTANCES } from './metric-names';
import type { ServiceInstance } from './service-instance';

const meters: ReturnType<typeof createTestMeter>[] = [];
afterEach(async () => {
  for (const m of meters.splice(0)) await m.shutdown();
});

async function gaugeOf(meter: ReturnType<typeof createTestMeter>): Promise<Record<string, number>> {
  const points = await meter.read(METRIC_INSTANCES);
  return Object.fromEntries(
    points.map((p) => [
      `${p.attributes['mesh.discovery.service']}/${p.attributes['mesh.discovery.instance.state']}`,
      p.value,
    ]),
  );
}

describe('observeInstanceStates', () => {
  it('counts instances per service and health state, with zeros for empty states', async () => {
    const meter = createTestMeter();
    meters.push(meter);
    const states: Record<string, HealthState> = {
      'users-1': 'ready',
      'users-2': 'not_ready',
      'orders-1': 'ready',
    };
    observeInstanceStates({
      instances: () => [
        instance('users', 1),
        instance('users', 2),
        instance('users', 3),
        instance('orders', 1),
      ],
      health: { state: (id) => states[id] ?? 'unknown' },
      meterProvider: meter.meterProvider,
    });
    expect(await gaugeOf(meter)).toEqual({
      'users/ready': 1,
      'users/not_ready': 1,
      'users/unknown': 1,
      'orders/ready': 1,
      'orders/not_ready': 0,
      'orders/unknown': 0,
    });
  });

  it('a state provider adds states such as ejected, which then stay reported', async () => {
    const meter = createTestMeter();
    meters.push(meter);
    let ejected = new Set(['users-2']);
    observeInstanceStates({
      instances: () => [instance('users', 1), instance('users', 2)],
      health: { state: () => 'ready' },
      stateProvider: (i) => (ejected.has(i.id) ? 'ejected' : undefined),
      meterProvider: meter.meterProvider,
    });
    expect(await gaugeOf(meter)).toMatchObject({ 'users/ready': 1, 'users/ejected': 1 });
    ejected = new Set();
    expect(await gaugeOf(meter)).toMatchObject({ 'users/ready': 2, 'users/ejected': 0 });
  });

  it('a service whose instances all left is reported as zeros, and the callback can be removed', async () => {
    const meter = createTestMeter();
    meters.push(meter);
    let list: ServiceInstance[] = [instance('users', 1)];
    const stop = observeInstanceStates({
      instances: () => list,
      meterProvider: meter.meterProvider,
    });
    expect(await gaugeOf(meter)).toEqual({
      'users/ready': 0,
      'users/not_ready': 0,
      'users/unknown': 1,
    });
    list = [];
    expect(await gaugeOf(meter)).toEqual({
      'users/ready': 0,
      'users/not_ready': 0,
      'users/unknown': 0,
    });
    stop();
    list = [instance('users', 1), instance('users', 2)];
    expect((await gaugeOf(meter))['users/unknown']).not.toBe(2);
  });
});
