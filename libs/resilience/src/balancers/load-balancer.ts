/** Something a balancer can choose: an instance id and a relative weight. */
export interface Endpoint {
  readonly id: string;
  /** Relative share of traffic for weighted strategies; 0 or less means "send nothing". */
  readonly weight: number;
}

/** What the caller reports when a call it started with `begin` ends. */
export interface CallOutcome {
  /** Time the call took, in ms. */
  readonly latencyMs: number;
  /** Whether the upstream handled it (the caller's classification, as for the breaker). */
  readonly ok: boolean;
  /**
   * The caller gave up before the call ended (its own abort, not a timeout): nobody's failure.
   * The in-flight count is released and nothing is learnt — neither latency nor failure.
   * Default false.
   */
  readonly cancelled?: boolean;
}

/** The strategies {@link createBalancer} knows. */
export type BalancerKind = 'round-robin' | 'weighted-round-robin' | 'least-request' | 'p2c-ewma';

/** What a balancer knows about one endpoint, for `/admin/status`. */
export interface EndpointStats {
  readonly id: string;
  /** Calls begun and not yet ended. */
  readonly outstanding: number;
  /** Peak-EWMA latency in ms; undefined before the first reported call. */
  readonly ewmaMs: number | undefined;
  /** Times this endpoint was picked. */
  readonly picks: number;
}

/** State of a balancer for `/admin/status`. */
export interface BalancerSnapshot {
  readonly name: BalancerKind;
  readonly upstream: string;
  readonly endpoints: readonly EndpointStats[];
}

/**
 * Chooses an endpoint per call. The caller passes the current endpoint list each time (so
 * membership changes need no notification), may exclude endpoints (e.g. those already tried by
 * this request), and brackets each call with `begin(id)` … `done(outcome)` so strategies that
 * need load or latency (least-request, P2C-EWMA) can see it.
 */
export interface LoadBalancer<E extends Endpoint = Endpoint> {
  readonly name: BalancerKind;
  /** An endpoint from `endpoints` not in `exclude`, or undefined if none is eligible. */
  pick<T extends E>(endpoints: readonly T[], exclude?: ReadonlySet<string>): T | undefined;
  /** Marks a call to `id` as started; call the returned function once when it ends. */
  begin(id: string): (outcome: CallOutcome) => void;
  snapshot(): BalancerSnapshot;
}
