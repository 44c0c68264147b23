import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock';
import { RoundRobinBalancer } from './round-robin-balancer';

const endpoints = (...ids: string[]) => ids.map((id) => ({ id, weight: 1 }));

describe('RoundRobinBalancer', () => {
  it('takes the endpoints strictly in turn', () => {
    const balancer = new RoundRobinBalancer({ clock: new ManualClock() });
    const list = endpoints('a', 'b', 'c');
    const picks = Array.from({ length: 9 }, () => balancer.pick(list)?.id);
    expect(picks).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('skips excluded endpoints (already tried by this request)', () => {
    const balancer = new RoundRobinBalancer({ clock: new ManualClock() });
    const list = endpoints('a', 'b', 'c');
    expect(balancer.pick(list, new Set(['a', 'b']))?.id).toBe('c');
    expect(balancer.pick(list, new Set(['a', 'b', 'c']))).toBeUndefined();
  });

  it('never picks an endpoint with weight 0 (drained)', () => {
    const balancer = new RoundRobinBalancer({ clock: new ManualClock() });
    const list = [...endpoints('a'), { id: 'b', weight: 0 }];
    expect(Array.from({ length: 4 }, () => balancer.pick(list)?.id)).toEqual(['a', 'a', 'a', 'a']);
  });

  it('follows membership changes between calls', () => {
    const balancer = new RoundRobinBalancer({ clock: new ManualClock() });
    expect(balancer.pick(endpoints('a', 'b'))?.id).toBe('a');
    const grown = endpoints('a', 'b', 'c', 'd');
    const next = Array.from({ length: 4 }, () => balancer.pick(grown)?.id);
    expect(new Set(next)).toEqual(new Set(['a', 'b', 'c', 'd']));
    expect(balancer.pick(endpoints('d'))?.id).toBe('d');
    expect(balancer.pick([])).toBeUndefined();
  });

  it('forgets the stats of an endpoint that left the list long ago', () => {
    const clock = new ManualClock();
    const balancer = new RoundRobinBalancer({ clock, forgetAfterMs: 60_000 });
    balancer.pick(endpoints('a', 'gone'));
    clock.advance(60_001);
    balancer.pick(endpoints('a'));
    expect(balancer.snapshot().endpoints.map((e) => e.id)).toEqual(['a']);
  });

  it('keeps an absent endpoint while calls to it are in flight', () => {
    const clock = new ManualClock();
    const balancer = new RoundRobinBalancer({ clock, forgetAfterMs: 1_000 });
    balancer.pick(endpoints('a', 'b'));
    const done = balancer.begin('b');
    clock.advance(5_000);
    balancer.pick(endpoints('a'));
    expect(balancer.snapshot().endpoints.find((e) => e.id === 'b')?.outstanding).toBe(1);
    done({ latencyMs: 10, ok: true });
  });
});
