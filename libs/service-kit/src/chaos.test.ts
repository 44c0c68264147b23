import { describe, expect, it } from 'vitest';
import { ChaosController } from './chaos';

describe('ChaosController', () => {
  it('fails a request when the random draw is below errorRate', () => {
    const draws = [0.1, 0.6];
    const chaos = new ChaosController({ random: () => draws.shift() ?? 0 });
    chaos.set({ errorRate: 0.5 });
    expect(chaos.nextFails()).toBe(true);
    expect(chaos.nextFails()).toBe(false);
  });

  it('adds latency plus a jitter drawn from [0, latencyJitterMs)', () => {
    const chaos = new ChaosController({ random: () => 0.5 });
    chaos.set({ latencyMs: 100, latencyJitterMs: 40 });
    expect(chaos.nextDelayMs()).toBe(120);
  });

  it('clears itself once durationMs has passed', () => {
    let now = 1_000;
    const chaos = new ChaosController({ now: () => now });
    chaos.set({ errorRate: 1, durationMs: 500 });
    expect(chaos.state().expiresAt).toBe(new Date(1_500).toISOString());
    now = 1_499;
    expect(chaos.active).toBe(true);
    now = 1_500;
    expect(chaos.active).toBe(false);
    expect(chaos.state().errorRate).toBe(0);
  });
});
