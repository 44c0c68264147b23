import type { Clock } from './clock';

/**
 * Counters over a sliding time window split into buckets, as Hystrix and Finagle keep them:
 * a bucket older than the window is reset when its slot comes round again, so the window
 * covers between `windowMs - windowMs/buckets` and `windowMs` of history. Internal.
 */
export class RollingWindow<K extends string> {
  private readonly bucketMs: number;
  private readonly epochs: number[];
  private readonly counts: Array<Record<K, number>>;

  constructor(
    private readonly windowMs: number,
    private readonly buckets: number,
    private readonly fields: readonly K[],
    private readonly clock: Clock,
  ) {
    if (!(windowMs > 0) || !Number.isInteger(buckets) || buckets < 1) {
      throw new RangeError(`bad rolling window: ${windowMs} ms in ${buckets} buckets`);
    }
    this.bucketMs = windowMs / buckets;
    this.epochs = new Array<number>(buckets).fill(Number.NEGATIVE_INFINITY);
    this.counts = Array.from({ length: buckets }, () => this.zero());
  }

  /** Adds `n` to `field` in the current bucket. */
  add(field: K, n = 1): void {
    const epoch = Math.floor(this.clock.now() / this.bucketMs);
    const slot = this.slotOf(epoch);
    if (this.epochs[slot] !== epoch) {
      this.epochs[slot] = epoch;
      this.counts[slot] = this.zero();
    }
    this.counts[slot][field] += n;
  }

  /** Sums of every field over the window ending now. */
  totals(): Record<K, number> {
    const current = Math.floor(this.clock.now() / this.bucketMs);
    const sum = this.zero();
    for (let slot = 0; slot < this.buckets; slot++) {
      const epoch = this.epochs[slot];
      if (epoch > current - this.buckets && epoch <= current) {
        for (const field of this.fields) sum[field] += this.counts[slot][field];
      }
    }
    return sum;
  }

  /** Forgets everything. */
  reset(): void {
    this.epochs.fill(Number.NEGATIVE_INFINITY);
  }

  /** Window length in ms. */
  get lengthMs(): number {
    return this.windowMs;
  }

  private slotOf(epoch: number): number {
    return ((epoch % this.buckets) + this.buckets) % this.buckets;
  }

  private zero(): Record<K, number> {
    const record = {} as Record<K, number>;
    for (const field of this.fields) record[field] = 0;
    return record;
  }
}
