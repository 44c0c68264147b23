import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock';
import { seededRandom } from '../random';
import { createBalancer } from './create-balancer';
import { LeastRequestBalancer } from './least-request-balancer';
import type { BalancerKind } from './load-balancer';
import { PeakEwmaBalancer } from './peak-ewma-balancer';
import { RoundRobinBalancer } from './round-robin-balancer';
import { SmoothWeightedRoundRobinBalancer } from './smooth-weighted-round-robin-balancer';

describe('createBalancer', () => {
  it.each([
    ['round-robin', RoundRobinBalancer],
    ['weighted-round-robin', SmoothWeightedRoundRobinBalancer],
    ['least-request', LeastRequestBalancer],
    ['p2c-ewma', PeakEwmaBalancer],
  ] as const)('builds %s', (kind: BalancerKind, type) => {
    const balancer = createBalancer(kind, {
      upstream: 'user-service',
      clock: new ManualClock(),
      random: seededRandom(1),
    });
    expect(balancer).toBeInstanceOf(type);
    expect(balancer.name).toBe(kind);
    const list = [
      { id: 'u1', weight: 1, url: 'http://127.0.0.1:3001' },
      { id: 'u2', weight: 1, url: 'http://127.0.0.1:3002' },
    ];
    const chosen = balancer.pick(list);
    if (!chosen) throw new Error('nothing picked');
    expect(chosen.url).toMatch(/^http/); // the caller's own endpoint type comes back
    balancer.begin(chosen.id)({ latencyMs: 12, ok: true });
    expect(balancer.snapshot()).toMatchObject({ name: kind, upstream: 'user-service' });
    expect(balancer.snapshot().endpoints.find((e) => e.id === chosen.id)).toEqual({
      id: chosen.id,
      outstanding: 0,
      ewmaMs: 12,
      picks: 1,
    });
  });
});
