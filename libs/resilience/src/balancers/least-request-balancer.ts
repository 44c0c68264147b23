import { systemRandom } from '../random';
import type { Random } from '../random';
import type { Endpoint } from './load-balancer';
import { TrackingBalancer } from './tracking-balancer';
import type { BaseBalancerOptions } from './tracking-balancer';

/** Options of {@link LeastRequestBalancer}. */
export interface LeastRequestOptions extends BaseBalancerOptions {
  /** Breaks ties between equally loaded endpoints. Default `Math.random`; seed it in tests. */
  random?: Random;
}

/**
 * Sends each call to the endpoint with the fewest calls in flight (as reported through
 * `begin`); ties are broken at random so equally idle endpoints share the load. Weights only
 * gate eligibility (> 0).
 */
export class LeastRequestBalancer extends TrackingBalancer {
  readonly name = 'least-request' as const;
  private readonly random: Random;

  constructor(options: LeastRequestOptions = {}) {
    super(options);
    this.random = options.random ?? systemRandom;
  }

  protected choose<T extends Endpoint>(candidates: readonly T[], now: number): T {
    let fewest = Number.POSITIVE_INFINITY;
    let tied: T[] = [];
    for (const endpoint of candidates) {
      const outstanding = this.entry(endpoint.id, now).outstanding;
      if (outstanding < fewest) {
        fewest = outstanding;
        tied = [endpoint];
      } else if (outstanding === fewest) {
        tied.push(endpoint);
      }
    }
    return tied[Math.floor(this.random() * tied.length)];
  }
}
