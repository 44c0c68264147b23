import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock';
import { KeyedLimiter } from './keyed-limiter';
import type { EvictionReason } from './keyed-limiter';
import { TokenBucket } from './token-bucket';

function setup(options: { idleTtlMs?: number; maxKeys?: number } = {}) {
  const clock = new ManualClock();
  const evicted: Array<[string, EvictionReason]> = [];
  const create = vi.fn(() => new TokenBucket({ ratePerSecond: 1, burst: 2 }, clock));
  const limiter = new KeyedLimiter({
    create,
    clock,
    onEvict: (key, _l, reason) => evicted.push([key, reason]),
    ...options,
  });
  return { clock, limiter, evicted, create };
}

describe('KeyedLimiter', () => {
  it('keeps one limiter per key', () => {
    const { limiter, create } = setup();
    const alice = limiter.get('alice');
    expect(limiter.get('alice')).toBe(alice);
    expect(limiter.get('bob')).not.toBe(alice);
    expect(create).toHaveBeenCalledTimes(2);
    alice.tryTake();
    alice.tryTake();
    expect(limiter.get('alice').tryTake().allowed).toBe(false);
    expect(limiter.get('bob').tryTake().allowed).toBe(true);
  });

  it('drops keys idle for idleTtlMs, and only those', () => {
    const { clock, limiter, evicted } = setup({ idleTtlMs: 1_000 });
    limiter.get('a');
    clock.advance(600);
    limiter.get('b');
    clock.advance(400); // a idle 1000 ms, b idle 400 ms
    limiter.get('c');
    expect(evicted).toEqual([['a', 'idle']]);
    expect(limiter.has('a')).toBe(false);
    expect(limiter.has('b')).toBe(true);
    expect(limiter.size).toBe(2);
  });

  it('counts idleness from the last use, not from creation', () => {
    const { clock, limiter } = setup({ idleTtlMs: 1_000 });
    limiter.get('a');
    limiter.get('b');
    clock.advance(900);
    limiter.get('a');
    clock.advance(200);
    expect(limiter.sweep()).toBe(1);
    expect(limiter.has('a')).toBe(true);
    expect(limiter.has('b')).toBe(false);
  });

  it('never holds more than maxKeys, dropping the least recently used', () => {
    const { limiter, evicted } = setup({ maxKeys: 3 });
    limiter.get('a');
    limiter.get('b');
    limiter.get('c');
    limiter.get('a'); // b is now the least recently used
    limiter.get('d');
    expect(evicted).toEqual([['b', 'capacity']]);
    expect(limiter.size).toBe(3);
    for (let i = 0; i < 100; i++) limiter.get(`client-${i}`);
    expect(limiter.size).toBe(3);
  });

  it('gives a dropped key a fresh limiter next time', () => {
    const { limiter } = setup({ maxKeys: 1 });
    const first = limiter.get('a');
    limiter.get('b');
    expect(limiter.get('a')).not.toBe(first);
    expect(limiter.delete('a')).toBe(true);
    expect(limiter.size).toBe(0);
  });

  it('validates its bounds', () => {
    expect(() => new KeyedLimiter({ create: () => 1, maxKeys: 0 })).toThrow(RangeError);
    expect(() => new KeyedLimiter({ create: () => 1, idleTtlMs: 0 })).toThrow(RangeError);
  });
});
