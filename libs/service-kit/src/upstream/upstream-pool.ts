import type { HealthChecker, InstanceCache, ServiceInstance } from '@mesh/discovery';
import type { LoadBalancer, OutlierDetector } from '@mesh/resilience';

/** How one attempt ended, as the balancer and outlier detection learn it. */
export interface AttemptOutcome {
  latencyMs: number;
  ok: boolean;
  /** The caller gave up (its own abort): the instance is neither blamed nor credited. */
  cancelled?: boolean;
}

export interface UpstreamPoolOptions {
  service: string;
  cache: InstanceCache;
  health: HealthChecker;
  balancer: LoadBalancer;
  outliers: OutlierDetector;
}

/** One row of the upstream table in `/admin/status`. */
export interface UpstreamInstanceStatus {
  id: string;
  url: string;
  /** Its admin port (`/admin/*`, `/metrics`): how tools find every instance from the gateway's status. */
  adminUrl: string;
  state: 'healthy' | 'ejected' | 'not_ready';
  health: string;
  [key: string]: unknown;
}

/**
 * The instances of one upstream a caller may use right now: listed by the registry (through the
 * cache), not reported not-ready by the active health checks, not ejected by outlier detection
 * (which never leaves an empty set while any instance is ready), spread by the balancer.
 */
export class UpstreamPool {
  readonly service: string;
  readonly #o: UpstreamPoolOptions;

  constructor(options: UpstreamPoolOptions) {
    this.service = options.service;
    this.#o = options;
  }

  /**
   * Instances that may take new requests. An instance not checked yet counts as ready. When
   * every listed instance failed its last check, all of them are used (Envoy's "panic" routing):
   * a check can be wrong or stale, and trying beats refusing every request.
   */
  usable(): readonly ServiceInstance[] {
    const listed = this.#o.cache.instances(this.service);
    const ready = listed.filter((instance) => this.#o.health.state(instance.id) !== 'not_ready');
    return this.#o.outliers.filter(ready.length > 0 ? ready : listed);
  }

  /** Picks an instance, avoiding `tried` while an untried one is left. */
  pick(tried: ReadonlySet<string>): ServiceInstance | undefined {
    const usable = this.usable();
    if (usable.length === 0) return undefined;
    const untried = usable.some((instance) => !tried.has(instance.id));
    return this.#o.balancer.pick(usable, untried ? tried : undefined);
  }

  /** Starts tracking an attempt on `instance`; call the result with its outcome. */
  begin(instance: ServiceInstance): (outcome: AttemptOutcome) => void {
    const end = this.#o.balancer.begin(instance.id);
    return (outcome) => {
      end(outcome);
      if (!outcome.cancelled) this.#o.outliers.record(instance.id, outcome.ok);
    };
  }

  /** The upstream table: every listed instance with its state and balancer figures. */
  status(): UpstreamInstanceStatus[] {
    const balancer = new Map(this.#o.balancer.snapshot().endpoints.map((row) => [row.id, row]));
    const outliers = new Map(this.#o.outliers.snapshot().map((row) => [row.id, row]));
    return this.#o.cache.instances(this.service).map((instance) => {
      const health = this.#o.health.state(instance.id);
      const outlier = outliers.get(instance.id);
      return {
        id: instance.id,
        url: instance.url,
        adminUrl: instance.adminUrl,
        state: health === 'not_ready' ? 'not_ready' : outlier?.ejected ? 'ejected' : 'healthy',
        health,
        ...balancer.get(instance.id),
        ejections: outlier?.timesEjected ?? 0,
      };
    });
  }
}
