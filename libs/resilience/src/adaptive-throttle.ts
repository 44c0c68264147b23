import { neverAborted } from './abort';
import { ATTR_MESH_OUTCOME, ATTR_MESH_POLICY, ATTR_MESH_UPSTREAM } from './attribute-names';
import type { CallGate, FailureClassification } from './call-gate';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { ThrottledError } from './errors';
import { instruments, observeGauge } from './instruments';
import { METRIC_ADAPTIVE_THROTTLE_PROBABILITY } from './metric-names';
import type { Operation } from './policy';
import { systemRandom } from './random';
import type { Random } from './random';
import { RollingWindow } from './rolling-window';

/** Options of {@link AdaptiveThrottle}. */
export interface AdaptiveThrottleOptions extends FailureClassification {
  /** Upstream label for metrics and errors. Default `'default'`. */
  upstream?: string;
  /**
   * Multiplier K of the accepts: the client sends up to K × accepts before it starts rejecting
   * locally. Lower is more aggressive. Default 2 (the SRE book's value).
   */
  k?: number;
  /** Length of the request/accept history in ms. Default 60000. */
  windowMs?: number;
  /** Number of buckets the history is split into. Default 60 (1 s each at the default window). */
  windowBuckets?: number;
  /**
   * Upper bound on the rejection probability, in (0, 1]. The plain formula (1) can shed nearly
   * everything when the upstream fails regardless of load, and then recovers only slowly from the
   * trickle it still sends; a cap such as Envoy admission control's 0.8 keeps a share of calls
   * flowing as a probe. Default 1 (the SRE book's formula, uncapped).
   */
  maxRejectProbability?: number;
  /** Time source. Default {@link systemClock}. */
  clock?: Clock;
  /** Random source for the rejection draw. Default `Math.random`; seed it in tests. */
  random?: Random;
}

/** State of an adaptive throttle for `/admin/status`. */
export interface AdaptiveThrottleSnapshot {
  readonly name: 'adaptive-throttle';
  readonly upstream: string;
  /** Calls attempted in the window, including those throttled locally. */
  readonly requests: number;
  /** Calls the upstream handled without failure in the window. */
  readonly accepts: number;
  /** Calls rejected locally in the window. */
  readonly throttled: number;
  /** Current local rejection probability, in [0, 1). */
  readonly rejectProbability: number;
  readonly k: number;
  readonly maxRejectProbability: number;
  readonly windowMs: number;
}

type Field = 'requests' | 'accepts' | 'throttled';

/**
 * Client-side adaptive throttling from Google's SRE book ("Handling Overload"): each client
 * remembers how many calls it attempted (`requests`) and how many the upstream accepted
 * (`accepts`) and rejects new calls locally with probability
 * `max(0, (requests − K·accepts) / (requests + 1))`. A healthy upstream is never throttled;
 * a failing one sees its load fall smoothly instead of being cut off as by a breaker.
 */
export class AdaptiveThrottle implements CallGate {
  readonly name = 'adaptive-throttle' as const;
  readonly upstream: string;

  private readonly k: number;
  private readonly maxProbability: number;
  private readonly window: RollingWindow<Field>;
  private readonly random: Random;
  private readonly isFailure: (error: unknown) => boolean;
  private readonly isFailureResult: (result: unknown) => boolean;

  constructor(options: AdaptiveThrottleOptions = {}) {
    this.upstream = options.upstream ?? 'default';
    this.k = options.k ?? 2;
    if (!(this.k >= 1)) throw new RangeError(`k must be ≥ 1, got ${this.k}`);
    this.maxProbability = options.maxRejectProbability ?? 1;
    if (!(this.maxProbability > 0 && this.maxProbability <= 1)) {
      throw new RangeError(`maxRejectProbability must be in (0, 1], got ${this.maxProbability}`);
    }
    this.random = options.random ?? systemRandom;
    this.isFailure = options.isFailure ?? (() => true);
    this.isFailureResult = options.isFailureResult ?? (() => false);
    this.window = new RollingWindow(
      options.windowMs ?? 60_000,
      options.windowBuckets ?? 60,
      ['requests', 'accepts', 'throttled'],
      options.clock ?? systemClock,
    );
    observeGauge(METRIC_ADAPTIVE_THROTTLE_PROBABILITY, this, (throttle) => ({
      value: throttle.rejectProbability(),
      attributes: { [ATTR_MESH_UPSTREAM]: throttle.upstream },
    }));
  }

  /** `max(0, (requests − K·accepts) / (requests + 1))` over the current window, capped. */
  rejectProbability(): number {
    const { requests, accepts } = this.window.totals();
    return this.probability(requests, accepts);
  }

  snapshot(): AdaptiveThrottleSnapshot {
    const t = this.window.totals();
    return {
      name: this.name,
      upstream: this.upstream,
      requests: t.requests,
      accepts: t.accepts,
      throttled: t.throttled,
      rejectProbability: this.probability(t.requests, t.accepts),
      k: this.k,
      maxRejectProbability: this.maxProbability,
      windowMs: this.window.lengthMs,
    };
  }

  async execute<T>(op: Operation<T>, signal: AbortSignal = neverAborted): Promise<T> {
    if (signal.aborted) throw signal.reason;
    const probability = this.rejectProbability();
    this.window.add('requests');
    if (probability > 0 && this.random() < probability) {
      this.window.add('throttled');
      this.count('throttled');
      throw new ThrottledError({ upstream: this.upstream, rejectProbability: probability });
    }
    let accepted = true;
    try {
      const result = await op(signal);
      accepted = !this.isFailureResult(result);
      return result;
    } catch (error) {
      // A call the caller cancelled tells nothing about the upstream: it counts as accepted.
      const cancelled = signal.aborted && error === signal.reason;
      accepted = cancelled || !this.isFailure(error);
      throw error;
    } finally {
      if (accepted) this.window.add('accepts');
      this.count(accepted ? 'success' : 'failure');
    }
  }

  private probability(requests: number, accepts: number): number {
    const p = Math.max(0, (requests - this.k * accepts) / (requests + 1));
    return Math.min(this.maxProbability, p);
  }

  private count(outcome: 'success' | 'failure' | 'throttled'): void {
    instruments().calls.add(1, {
      [ATTR_MESH_UPSTREAM]: this.upstream,
      [ATTR_MESH_POLICY]: 'adaptive_throttle',
      [ATTR_MESH_OUTCOME]: outcome,
    });
  }
}
