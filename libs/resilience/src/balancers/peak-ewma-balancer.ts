import { systemRandom } from '../random';
import type { Random } from '../random';
import type { CallOutcome, Endpoint } from './load-balancer';
import { TrackingBalancer } from './tracking-balancer';
import type { BaseBalancerOptions, Tracked } from './tracking-balancer';

/** Options of {@link PeakEwmaBalancer}. */
export interface PeakEwmaOptions extends BaseBalancerOptions {
  /** Draws the two candidates. Default `Math.random`; seed it in tests. */
  random?: Random;
  /**
   * An endpoint not picked for this long (ms) is picked next regardless of cost, so a once-slow
   * instance gets a chance to show it recovered. Default 1000.
   */
  probeAfterMs?: number;
  /**
   * A failed call counts as at least this slow (ms), so an instance that fails fast does not
   * look fast and attract traffic. Default 1000.
   */
  failurePenaltyMs?: number;
}

/** Cost of an endpoint with calls in flight but no latency sample yet: worse than any measured one. */
const UNMEASURED_BUSY = 1e9;

/**
 * Power of two choices over peak-EWMA latency (Finagle, Linkerd, go-zero): draw two endpoints at
 * random and send the call to the cheaper, cost = peak-EWMA latency × (outstanding + 1). Two
 * random choices avoid the herd behaviour of always taking the global minimum, while the cost
 * steers traffic away from slow or overloaded instances within a few calls.
 */
export class PeakEwmaBalancer extends TrackingBalancer {
  readonly name = 'p2c-ewma' as const;
  private readonly random: Random;
  private readonly probeAfterMs: number;
  private readonly failurePenaltyMs: number;

  constructor(options: PeakEwmaOptions = {}) {
    super(options);
    this.random = options.random ?? systemRandom;
    this.probeAfterMs = options.probeAfterMs ?? 1000;
    this.failurePenaltyMs = options.failurePenaltyMs ?? 1000;
  }

  protected choose<T extends Endpoint>(candidates: readonly T[], now: number): T {
    let neglected: T | undefined;
    let oldestPick = now - this.probeAfterMs;
    for (const endpoint of candidates) {
      const pickedAt = this.entry(endpoint.id, now).lastPickedAt;
      if (pickedAt <= oldestPick) {
        neglected = endpoint;
        oldestPick = pickedAt;
      }
    }
    if (neglected) return neglected;

    const n = candidates.length;
    const i = Math.floor(this.random() * n);
    let j = Math.floor(this.random() * (n - 1));
    if (j >= i) j += 1;
    const a = candidates[i];
    const b = candidates[j];
    return this.cost(b, now) < this.cost(a, now) ? b : a;
  }

  protected override observe(entry: Tracked, outcome: CallOutcome): void {
    super.observe(entry, {
      ok: outcome.ok,
      latencyMs: outcome.ok
        ? outcome.latencyMs
        : Math.max(outcome.latencyMs, this.failurePenaltyMs),
    });
  }

  private cost(endpoint: Endpoint, now: number): number {
    const { ewmaMs, outstanding } = this.entry(endpoint.id, now);
    if (ewmaMs === undefined) return outstanding === 0 ? 0 : UNMEASURED_BUSY + outstanding;
    return ewmaMs * (outstanding + 1);
  }
}
