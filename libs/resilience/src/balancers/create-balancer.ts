import { LeastRequestBalancer } from './least-request-balancer';
import type { LeastRequestOptions } from './least-request-balancer';
import type { BalancerKind, LoadBalancer } from './load-balancer';
import { PeakEwmaBalancer } from './peak-ewma-balancer';
import type { PeakEwmaOptions } from './peak-ewma-balancer';
import { RoundRobinBalancer } from './round-robin-balancer';
import { SmoothWeightedRoundRobinBalancer } from './smooth-weighted-round-robin-balancer';

/** Options of {@link createBalancer}: the union of every strategy's options. */
export type BalancerOptions = LeastRequestOptions & PeakEwmaOptions;

/** Builds the balancer a configuration names. */
export function createBalancer(kind: BalancerKind, options: BalancerOptions = {}): LoadBalancer {
  switch (kind) {
    case 'round-robin':
      return new RoundRobinBalancer(options);
    case 'weighted-round-robin':
      return new SmoothWeightedRoundRobinBalancer(options);
    case 'least-request':
      return new LeastRequestBalancer(options);
    case 'p2c-ewma':
      return new PeakEwmaBalancer(options);
  }
}
