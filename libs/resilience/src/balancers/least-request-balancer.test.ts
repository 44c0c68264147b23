import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock';
import { seededRandom } from '../random';
import { LeastRequestBalancer } from './least-request-balancer';

const list = ['a', 'b', 'c'].map((id) => ({ id, weight: 1 }));

describe('LeastRequestBalancer', () => {
  it('prefers the endpoint with the fewest calls in flight', () => {
    const balancer = new LeastRequestBalancer({
      clock: new ManualClock(),
      random: seededRandom(3),
    });
    balancer.begin('a');
    balancer.begin('a');
    balancer.begin('b');
    for (let i = 0; i < 20; i++) expect(balancer.pick(list)?.id).toBe('c');
  });

  it('sees a call end and the endpoint become idle again', () => {
    const balancer = new LeastRequestBalancer({
      clock: new ManualClock(),
      random: seededRandom(3),
    });
    const doneA = balancer.begin('a');
    balancer.begin('b');
    balancer.begin('c');
    balancer.begin('c');
    expect(balancer.pick(list)?.id).not.toBe('c');
    doneA({ latencyMs: 5, ok: true });
    doneA({ latencyMs: 5, ok: true }); // a second call of done is ignored
    expect(balancer.pick(list)?.id).toBe('a');
    expect(balancer.snapshot().endpoints.find((e) => e.id === 'a')?.outstanding).toBe(0);
  });

  it('breaks ties at random, spreading load over equally idle endpoints', () => {
    const balancer = new LeastRequestBalancer({
      clock: new ManualClock(),
      random: seededRandom(9),
    });
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 3_000; i++) counts[balancer.pick(list)?.id ?? 'none'] += 1;
    for (const id of ['a', 'b', 'c']) {
      expect(counts[id]).toBeGreaterThan(900);
      expect(counts[id]).toBeLessThan(1_100);
    }
  });

  it('keeps load even under concurrency', () => {
    const balancer = new LeastRequestBalancer({
      clock: new ManualClock(),
      random: seededRandom(1),
    });
    for (let i = 0; i < 30; i++) balancer.begin(balancer.pick(list)?.id ?? 'none');
    expect(balancer.snapshot().endpoints.map((e) => e.outstanding)).toEqual([10, 10, 10]);
  });
});
