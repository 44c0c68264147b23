import { ATTR_MESH_BALANCER, ATTR_MESH_INSTANCE, ATTR_MESH_UPSTREAM } from '../attribute-names';
import { systemClock } from '../clock';
import type { Clock } from '../clock';
import { instruments } from '../instruments';
import type {
  BalancerKind,
  BalancerSnapshot,
  CallOutcome,
  Endpoint,
  LoadBalancer,
} from './load-balancer';

/** Options every balancer accepts. */
export interface BaseBalancerOptions {
  /** Upstream label for metrics and snapshots. Default `'default'`. */
  upstream?: string;
  /** Time source for latency decay and neglect. Default {@link systemClock}. */
  clock?: Clock;
  /** Time constant (ms) of the latency EWMA: older samples weigh e^(−age/decayMs). Default 10000. */
  decayMs?: number;
  /** Stats of an endpoint absent from the lists for this long (ms), and idle, are forgotten. Default 60000. */
  forgetAfterMs?: number;
}

/** Per-endpoint bookkeeping shared by all strategies. Internal. */
export interface Tracked {
  outstanding: number;
  picks: number;
  ewmaMs: number | undefined;
  ewmaAt: number;
  lastPickedAt: number;
  lastSeenAt: number;
  /** Smooth weighted round robin's running weight. */
  current: number;
}

/**
 * The shared half of every balancer: membership bookkeeping, outstanding counts, a peak-EWMA of
 * latency, pick metrics and the snapshot. Strategies implement `choose`. Internal.
 */
export abstract class TrackingBalancer implements LoadBalancer {
  abstract readonly name: BalancerKind;
  readonly upstream: string;
  protected readonly clock: Clock;
  protected readonly tracked = new Map<string, Tracked>();
  private readonly decayMs: number;
  private readonly forgetAfterMs: number;

  constructor(options: BaseBalancerOptions = {}) {
    this.upstream = options.upstream ?? 'default';
    this.clock = options.clock ?? systemClock;
    this.decayMs = options.decayMs ?? 10_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 60_000;
    if (!(this.decayMs > 0)) throw new RangeError(`decayMs must be > 0, got ${this.decayMs}`);
  }

  pick<T extends Endpoint>(endpoints: readonly T[], exclude?: ReadonlySet<string>): T | undefined {
    const now = this.clock.now();
    const candidates: T[] = [];
    for (const endpoint of endpoints) {
      this.entry(endpoint.id, now).lastSeenAt = now;
      if (endpoint.weight > 0 && !exclude?.has(endpoint.id)) candidates.push(endpoint);
    }
    this.forgetAbsent(now);
    if (candidates.length === 0) return undefined;
    const chosen = candidates.length === 1 ? candidates[0] : this.choose(candidates, now);
    const entry = this.entry(chosen.id, now);
    entry.picks += 1;
    entry.lastPickedAt = now;
    instruments().balancerPicks.add(1, {
      [ATTR_MESH_UPSTREAM]: this.upstream,
      [ATTR_MESH_BALANCER]: this.name,
      [ATTR_MESH_INSTANCE]: chosen.id,
    });
    return chosen;
  }

  begin(id: string): (outcome: CallOutcome) => void {
    const entry = this.entry(id, this.clock.now());
    entry.outstanding += 1;
    let ended = false;
    return (outcome) => {
      if (ended) return;
      ended = true;
      entry.outstanding -= 1;
      // A call its caller abandoned says nothing about the endpoint (docs/load-balancing.md).
      if (!outcome.cancelled) this.observe(entry, outcome);
    };
  }

  snapshot(): BalancerSnapshot {
    return {
      name: this.name,
      upstream: this.upstream,
      endpoints: [...this.tracked].map(([id, t]) => ({
        id,
        outstanding: t.outstanding,
        ewmaMs: t.ewmaMs,
        picks: t.picks,
      })),
    };
  }

  /** Picks one of at least two eligible endpoints. */
  protected abstract choose<T extends Endpoint>(candidates: readonly T[], now: number): T;

  /**
   * Feeds a finished call's latency into the endpoint's peak EWMA: a slower sample replaces the
   * average at once (react to trouble immediately), a faster one is blended in with weight
   * 1 − e^(−Δt/decayMs) (recover gradually).
   */
  protected observe(entry: Tracked, outcome: CallOutcome): void {
    const now = this.clock.now();
    const sample = Math.max(0, outcome.latencyMs);
    if (entry.ewmaMs === undefined || sample > entry.ewmaMs) {
      entry.ewmaMs = sample;
    } else {
      const w = Math.exp(-Math.max(0, now - entry.ewmaAt) / this.decayMs);
      entry.ewmaMs = entry.ewmaMs * w + sample * (1 - w);
    }
    entry.ewmaAt = now;
  }

  protected entry(id: string, now: number): Tracked {
    let entry = this.tracked.get(id);
    if (!entry) {
      entry = {
        outstanding: 0,
        picks: 0,
        ewmaMs: undefined,
        ewmaAt: now,
        lastPickedAt: now,
        lastSeenAt: now,
        current: 0,
      };
      this.tracked.set(id, entry);
    }
    return entry;
  }

  private forgetAbsent(now: number): void {
    for (const [id, entry] of this.tracked) {
      if (entry.outstanding === 0 && now - entry.lastSeenAt > this.forgetAfterMs) {
        this.tracked.delete(id);
      }
    }
  }
}
