import { neverAborted } from './abort';
import { ATTR_MESH_OUTCOME, ATTR_MESH_POLICY, ATTR_MESH_UPSTREAM } from './attribute-names';
import { systemClock } from './clock';
import type { Clock } from './clock';
import { RateLimitedError } from './errors';
import { instruments } from './instruments';

/** Options of {@link LeakyBucket}. */
export interface LeakyBucketOptions {
  /** Requests released per second; consecutive releases are exactly `1000 / drainPerSecond` ms apart. */
  drainPerSecond: number;
  /** Requests allowed to wait; when full, `acquire` rejects at once. */
  queueSize: number;
  /** Label for metrics (`mesh.upstream`). Default `'default'`. */
  name?: string;
}

/** State of a leaky bucket for `/admin/status`. */
export interface LeakyBucketSnapshot {
  readonly queued: number;
  readonly queueSize: number;
  readonly drainPerSecond: number;
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal;
  onAbort(): void;
}

/**
 * The leaky bucket as a queue (a traffic shaper): requests wait in FIFO order and leave at a
 * constant rate, smoothing bursts instead of refusing them; only a full queue refuses. Where a
 * token bucket lets a burst through at once, this one spreads it out.
 *
 * Slots are timed with `setTimeout` and read on `clock`; the two must agree (production:
 * {@link systemClock}; tests: vitest fake timers, which also drive `Date.now`).
 */
export class LeakyBucket {
  readonly drainPerSecond: number;
  readonly queueSize: number;
  private readonly intervalMs: number;
  private readonly name: string;
  private readonly queue: Waiter[] = [];
  private lastReleaseAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    options: LeakyBucketOptions,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(options.drainPerSecond > 0)) {
      throw new RangeError(`drainPerSecond must be > 0, got ${options.drainPerSecond}`);
    }
    if (!Number.isInteger(options.queueSize) || options.queueSize < 0) {
      throw new RangeError(`queueSize must be a whole number ≥ 0, got ${options.queueSize}`);
    }
    this.drainPerSecond = options.drainPerSecond;
    this.queueSize = options.queueSize;
    this.intervalMs = 1000 / options.drainPerSecond;
    this.name = options.name ?? 'default';
  }

  /**
   * Resolves when this request's slot comes (at once if the bucket is idle). Rejects at once
   * with {@link RateLimitedError} (with `retryAfterMs`) when the queue is full, or with the
   * signal's reason if it aborts while waiting (the request leaves the queue).
   */
  acquire(signal: AbortSignal = neverAborted): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const now = this.clock.now();
    if (this.queue.length === 0 && now >= this.lastReleaseAt + this.intervalMs) {
      this.lastReleaseAt = now;
      this.decide('allowed');
      return Promise.resolve();
    }
    if (this.queue.length >= this.queueSize) {
      this.decide('rejected');
      const retryAfterMs = Math.max(0, Math.ceil(this.lastReleaseAt + this.intervalMs - now));
      return Promise.reject(new RateLimitedError({ upstream: this.name, retryAfterMs }));
    }
    this.decide('allowed');
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          if (this.queue.length === 0) this.stopTimer();
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.schedule();
    });
  }

  snapshot(): LeakyBucketSnapshot {
    return {
      queued: this.queue.length,
      queueSize: this.queueSize,
      drainPerSecond: this.drainPerSecond,
    };
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    const delay = Math.max(0, this.lastReleaseAt + this.intervalMs - this.clock.now());
    this.timer = setTimeout(() => this.release(), delay);
  }

  private release(): void {
    this.timer = undefined;
    const waiter = this.queue.shift();
    if (!waiter) return;
    // A late timer never lets requests catch up in a burst: the next slot counts from now.
    this.lastReleaseAt = this.clock.now();
    waiter.signal.removeEventListener('abort', waiter.onAbort);
    waiter.resolve();
    this.schedule();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private decide(outcome: 'allowed' | 'rejected'): void {
    instruments().rateLimitDecisions.add(1, {
      [ATTR_MESH_UPSTREAM]: this.name,
      [ATTR_MESH_POLICY]: 'leaky_bucket',
      [ATTR_MESH_OUTCOME]: outcome,
    });
  }
}
