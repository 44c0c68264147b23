import { systemClock } from './clock';
import type { Clock } from './clock';

/** Why a key's limiter was dropped. */
export type EvictionReason = 'idle' | 'capacity';

/** Options of {@link KeyedLimiter}. */
export interface KeyedLimiterOptions<L> {
  /** Builds the limiter of a new key, e.g. `() => new TokenBucket({ ratePerSecond: 10, burst: 20 })`. */
  create: (key: string) => L;
  /**
   * A key unused this long (ms) is dropped. Choose it ≥ the time the limiter needs to return to
   * its initial state (a token bucket: `burst / ratePerSecond` s), so dropping it is invisible
   * to the client. Default 60000.
   */
  idleTtlMs?: number;
  /** Hard bound on keys held; beyond it the least recently used key is dropped. Default 10000. */
  maxKeys?: number;
  /** Called for every dropped key (e.g. to count evictions). */
  onEvict?: (key: string, limiter: L, reason: EvictionReason) => void;
  /** Time source. Default {@link systemClock}. */
  clock?: Clock;
}

interface Entry<L> {
  readonly limiter: L;
  lastUsedAt: number;
}

/**
 * One limiter per client key (API key, user id, IP) with bounded memory: keys idle for
 * `idleTtlMs` are dropped, and at most `maxKeys` are held (least recently used goes first).
 * A `Map` keeps keys in insertion order; moving a key to the end on each use makes that order
 * the recency order, so eviction only ever looks at the front.
 */
export class KeyedLimiter<L> {
  private readonly entries = new Map<string, Entry<L>>();
  private readonly create: (key: string) => L;
  private readonly idleTtlMs: number;
  private readonly maxKeys: number;
  private readonly onEvict: KeyedLimiterOptions<L>['onEvict'];
  private readonly clock: Clock;

  constructor(options: KeyedLimiterOptions<L>) {
    this.create = options.create;
    this.idleTtlMs = options.idleTtlMs ?? 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.onEvict = options.onEvict;
    this.clock = options.clock ?? systemClock;
    if (!(this.idleTtlMs > 0) || !Number.isInteger(this.maxKeys) || this.maxKeys < 1) {
      throw new RangeError('idleTtlMs must be > 0 and maxKeys a whole number ≥ 1');
    }
  }

  /** The limiter of `key`, created on first use; marks the key as just used. */
  get(key: string): L {
    const now = this.clock.now();
    this.sweepAt(now);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      while (this.entries.size >= this.maxKeys) this.evictOldest('capacity');
      entry = { limiter: this.create(key), lastUsedAt: now };
    }
    entry.lastUsedAt = now;
    this.entries.set(key, entry);
    return entry.limiter;
  }

  /** Drops idle keys now (also done on every `get`). @returns how many were dropped. */
  sweep(): number {
    return this.sweepAt(this.clock.now());
  }

  /** Drops a key's limiter. */
  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Keys held. */
  get size(): number {
    return this.entries.size;
  }

  private sweepAt(now: number): number {
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (now - entry.lastUsedAt < this.idleTtlMs) break; // the rest were used more recently
      this.entries.delete(key);
      this.onEvict?.(key, entry.limiter, 'idle');
      dropped += 1;
    }
    return dropped;
  }

  private evictOldest(reason: EvictionReason): void {
    const oldest = this.entries.entries().next();
    if (oldest.done) return;
    const [key, entry] = oldest.value;
    this.entries.delete(key);
    this.onEvict?.(key, entry.limiter, reason);
  }
}
