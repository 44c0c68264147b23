import type { Endpoint } from './load-balancer';
import { TrackingBalancer } from './tracking-balancer';

/**
 * Takes eligible endpoints in turn, ignoring weights and load. Exact: over any n consecutive
 * picks from a stable list of n endpoints each is picked once.
 */
export class RoundRobinBalancer extends TrackingBalancer {
  readonly name = 'round-robin' as const;
  private counter = 0;

  protected choose<T extends Endpoint>(candidates: readonly T[]): T {
    const chosen = candidates[this.counter % candidates.length];
    this.counter += 1;
    return chosen;
  }
}
