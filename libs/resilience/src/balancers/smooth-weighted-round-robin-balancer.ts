import type { Endpoint } from './load-balancer';
import { TrackingBalancer } from './tracking-balancer';

/**
 * nginx's smooth weighted round robin: every pick, each endpoint's running weight grows by its
 * weight; the largest wins and is lowered by the total. Shares follow the weights and the
 * heavy endpoint's turns are spread out (5, 1, 1 → a a b a c a a), not bunched (a a a a a b c).
 */
export class SmoothWeightedRoundRobinBalancer extends TrackingBalancer {
  readonly name = 'weighted-round-robin' as const;

  protected choose<T extends Endpoint>(candidates: readonly T[], now: number): T {
    let total = 0;
    let best: T = candidates[0];
    let bestWeight = Number.NEGATIVE_INFINITY;
    for (const endpoint of candidates) {
      const entry = this.entry(endpoint.id, now);
      entry.current += endpoint.weight;
      total += endpoint.weight;
      if (entry.current > bestWeight) {
        best = endpoint;
        bestWeight = entry.current;
      }
    }
    this.entry(best.id, now).current -= total;
    return best;
  }
}
