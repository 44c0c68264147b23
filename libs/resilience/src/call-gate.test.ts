import { describe, expect, it } from 'vitest';
import { AdaptiveThrottle } from './adaptive-throttle';
import { createCallGate } from './call-gate';
import type { CallGate } from './call-gate';
import { CircuitBreaker } from './circuit-breaker';
import { ManualClock } from './clock';

describe('createCallGate', () => {
  it('builds the breaker or the throttle behind one interface', async () => {
    const clock = new ManualClock();
    const gates: CallGate[] = [
      createCallGate({ kind: 'circuit-breaker', upstream: 'user-service', clock }),
      createCallGate({ kind: 'adaptive-throttle', upstream: 'user-service', clock }),
    ];
    expect(gates[0]).toBeInstanceOf(CircuitBreaker);
    expect(gates[1]).toBeInstanceOf(AdaptiveThrottle);
    for (const gate of gates) {
      await expect(gate.execute(async () => 42)).resolves.toBe(42);
      expect(gate.upstream).toBe('user-service');
      expect(gate.snapshot()).toMatchObject({ name: gate.name, upstream: 'user-service' });
    }
    expect(gates.map((g) => g.name)).toEqual(['circuit-breaker', 'adaptive-throttle']);
  });

  it('passes the strategy options through', () => {
    const gate = createCallGate({ kind: 'adaptive-throttle', k: 3 });
    expect(gate.snapshot()).toMatchObject({ k: 3 });
  });
});
