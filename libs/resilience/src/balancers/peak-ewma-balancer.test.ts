import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock';
import { seededRandom } from '../random';
import type { Endpoint, LoadBalancer } from './load-balancer';
import { PeakEwmaBalancer } from './peak-ewma-balancer';

const list: Endpoint[] = ['a', 'b', 'c'].map((id) => ({ id, weight: 1 }));

/**
 * Simulates `calls` requests with `concurrency` in flight, on a manual clock: each call takes
 * `latency(id, now)` ms. Returns picks per endpoint.
 */
function simulate(
  balancer: LoadBalancer,
  clock: ManualClock,
  latency: (id: string, now: number) => number,
  calls: number,
  concurrency = 4,
) {
  const picks: Record<string, number> = {};
  const inFlight: Array<{
    endsAt: number;
    done: (o: { latencyMs: number; ok: boolean }) => void;
    ms: number;
  }> = [];
  let started = 0;
  while (started < calls || inFlight.length > 0) {
    while (started < calls && inFlight.length < concurrency) {
      const endpoint = balancer.pick(list);
      if (!endpoint) throw new Error('nothing picked');
      picks[endpoint.id] = (picks[endpoint.id] ?? 0) + 1;
      const ms = latency(endpoint.id, clock.now());
      inFlight.push({ endsAt: clock.now() + ms, done: balancer.begin(endpoint.id), ms });
      started += 1;
    }
    inFlight.sort((x, y) => x.endsAt - y.endsAt);
    const next = inFlight.shift();
    if (!next) throw new Error('nothing in flight');
    clock.set(Math.max(clock.now(), next.endsAt));
    next.done({ latencyMs: next.ms, ok: true });
  }
  return picks;
}

describe('PeakEwmaBalancer', () => {
  it('a call its caller cancelled releases its in-flight count and teaches nothing', () => {
    const clock = new ManualClock();
    const balancer = new PeakEwmaBalancer({ clock, random: seededRandom(1) });
    balancer.begin('a')({ latencyMs: 10, ok: true });
    const done = balancer.begin('a');
    clock.advance(5_000);
    done({ latencyMs: 5_000, ok: false, cancelled: true });
    expect(balancer.snapshot().endpoints).toEqual([
      expect.objectContaining({ id: 'a', outstanding: 0, ewmaMs: 10 }),
    ]);
  });

  it('sends most traffic away from an instance made slow', () => {
    const clock = new ManualClock();
    const balancer = new PeakEwmaBalancer({ clock, random: seededRandom(42) });
    const picks = simulate(balancer, clock, (id) => (id === 'c' ? 250 : 10), 1_000);
    expect(picks.a + picks.b + picks.c).toBe(1_000);
    expect(picks.c).toBeLessThan(50); // round robin would send it 333
    expect(picks.a).toBeGreaterThan(400);
    expect(picks.b).toBeGreaterThan(400);
  });

  it('spreads traffic evenly over equally fast instances', () => {
    const clock = new ManualClock();
    const balancer = new PeakEwmaBalancer({ clock, random: seededRandom(7) });
    const picks = simulate(balancer, clock, () => 10, 3_000);
    for (const id of ['a', 'b', 'c']) {
      expect(picks[id]).toBeGreaterThan(800);
      expect(picks[id]).toBeLessThan(1_200);
    }
  });

  it('probes a neglected instance, so it wins traffic back once it has recovered', () => {
    const clock = new ManualClock();
    const balancer = new PeakEwmaBalancer({ clock, random: seededRandom(5), probeAfterMs: 1_000 });
    const recoveredAt = 5_000;
    const slowUntilRecovered = (id: string, now: number) =>
      id === 'c' && now < recoveredAt ? 250 : 10;
    simulate(balancer, clock, slowUntilRecovered, 2_000); // about 5 s at 4 × 10 ms
    expect(clock.now()).toBeGreaterThanOrEqual(recoveredAt);
    const before = balancer.snapshot().endpoints.find((e) => e.id === 'c')?.picks ?? 0;
    expect(before).toBeLessThan(100);
    // The peak EWMA forgets the slow past with a 10 s time constant, one probe per second:
    // within a few time constants c is back to its fair share.
    const shares = Array.from({ length: 5 }, () => {
      const chunk = simulate(balancer, clock, slowUntilRecovered, 4_000); // about 10 s each
      return chunk.c / 4_000;
    });
    expect(shares[0]).toBeLessThan(0.15);
    expect(shares[4]).toBeGreaterThan(0.25);
  });

  it('picks a neglected instance after probeAfterMs even though it looks expensive', () => {
    const clock = new ManualClock();
    const balancer = new PeakEwmaBalancer({ clock, random: seededRandom(1), probeAfterMs: 1_000 });
    for (const id of ['a', 'b', 'c']) {
      balancer.pick([{ id, weight: 1 }]);
      balancer.begin(id)({ latencyMs: id === 'c' ? 500 : 5, ok: true });
    }
    clock.advance(400);
    const quick = Array.from({ length: 50 }, () => balancer.pick(list)?.id);
    expect(quick).not.toContain('c');
    clock.advance(600);
    const next = Array.from({ length: 50 }, () => balancer.pick(list)?.id);
    // a and b were picked a moment ago; c has waited 1000 ms: it is probed exactly once
    expect(next.filter((id) => id === 'c')).toHaveLength(1);
  });

  it('counts a failure as at least failurePenaltyMs, so failing fast does not attract traffic', () => {
    const clock = new ManualClock();
    const balancer = new PeakEwmaBalancer({
      clock,
      random: seededRandom(2),
      failurePenaltyMs: 800,
    });
    balancer.pick(list);
    balancer.begin('c')({ latencyMs: 1, ok: false });
    expect(balancer.snapshot().endpoints.find((e) => e.id === 'c')?.ewmaMs).toBe(800);
  });

  it('keeps the peak and decays towards faster samples with the time constant', () => {
    const clock = new ManualClock();
    const balancer = new PeakEwmaBalancer({ clock, decayMs: 10_000 });
    const ewma = () => balancer.snapshot().endpoints.find((e) => e.id === 'a')?.ewmaMs;
    balancer.pick([list[0]]);
    balancer.begin('a')({ latencyMs: 100, ok: true });
    expect(ewma()).toBe(100);
    balancer.begin('a')({ latencyMs: 300, ok: true });
    expect(ewma()).toBe(300); // a slower sample takes over at once
    clock.advance(10_000);
    balancer.begin('a')({ latencyMs: 100, ok: true });
    expect(ewma()).toBeCloseTo(300 * Math.exp(-1) + 100 * (1 - Math.exp(-1)), 9);
  });

  it('prefers an idle unmeasured instance and avoids a busy unmeasured one', () => {
    const clock = new ManualClock();
    const balancer = new PeakEwmaBalancer({ clock, random: seededRandom(4) });
    const two = list.slice(0, 2);
    balancer.pick(two);
    balancer.begin('a')({ latencyMs: 5, ok: true });
    for (let i = 0; i < 10; i++) expect(balancer.pick(two)?.id).toBe('b'); // cost 0 beats 5
    balancer.begin('b'); // in flight, nothing measured yet
    for (let i = 0; i < 10; i++) expect(balancer.pick(two)?.id).toBe('a');
  });
});
