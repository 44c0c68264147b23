import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock';
import { SmoothWeightedRoundRobinBalancer } from './smooth-weighted-round-robin-balancer';

describe('SmoothWeightedRoundRobinBalancer', () => {
  it('spreads weights 5, 1, 1 as a a b a c a a', () => {
    const balancer = new SmoothWeightedRoundRobinBalancer({ clock: new ManualClock() });
    const list = [
      { id: 'a', weight: 5 },
      { id: 'b', weight: 1 },
      { id: 'c', weight: 1 },
    ];
    const picks = Array.from({ length: 14 }, () => balancer.pick(list)?.id).join(' ');
    expect(picks).toBe('a a b a c a a a a b a c a a');
  });

  it('gives each endpoint exactly its share over a full cycle', () => {
    const balancer = new SmoothWeightedRoundRobinBalancer({ clock: new ManualClock() });
    const list = [
      { id: 'x', weight: 3 },
      { id: 'y', weight: 2 },
      { id: 'z', weight: 1 },
    ];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 600; i++) {
      const id = balancer.pick(list)?.id ?? 'none';
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(counts).toEqual({ x: 300, y: 200, z: 100 });
  });

  it('leaves excluded endpoints out of the round and handles newcomers', () => {
    const balancer = new SmoothWeightedRoundRobinBalancer({ clock: new ManualClock() });
    const list = [
      { id: 'a', weight: 2 },
      { id: 'b', weight: 1 },
    ];
    expect(balancer.pick(list, new Set(['a']))?.id).toBe('b');
    const grown = [...list, { id: 'c', weight: 1 }];
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i++) {
      const id = balancer.pick(grown)?.id ?? 'none';
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(counts.a).toBeGreaterThanOrEqual(199);
    expect(counts.a).toBeLessThanOrEqual(201);
    expect((counts.b ?? 0) + (counts.c ?? 0)).toBe(400 - counts.a);
  });
});
