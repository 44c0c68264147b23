import {
  bulkhead as cockatielBulkhead,
  isBulkheadRejectedError as isCockatielBulkheadRejected,
  isTaskCancelledError,
} from 'cockatiel';
import type { BulkheadPolicy } from 'cockatiel';
import { neverAborted, raceAbort } from './abort';
import { ATTR_MESH_OUTCOME, ATTR_MESH_POLICY, ATTR_MESH_UPSTREAM } from './attribute-names';
import { BulkheadRejectedError } from './errors';
import { instruments, observeGauge } from './instruments';
import { METRIC_BULKHEAD_IN_USE, METRIC_BULKHEAD_QUEUED } from './metric-names';
import type { Operation, Policy } from './policy';

/** Options of {@link Bulkhead}. */
export interface BulkheadOptions {
  /** Calls allowed to run at once. Default 10. */
  maxConcurrent?: number;
  /**
   * Calls allowed to wait for a slot; more are rejected at once. Keep it small: a long queue
   * only turns overload into latency. Default 0.
   */
  maxQueue?: number;
  /** Upstream label for metrics and errors. Default `'default'`. */
  upstream?: string;
}

/** Occupancy of a bulkhead for `/admin/status`. */
export interface BulkheadSnapshot {
  readonly upstream: string;
  readonly inUse: number;
  readonly queued: number;
  readonly maxConcurrent: number;
  readonly maxQueue: number;
}

/**
 * Isolates an upstream behind a fixed number of concurrent calls plus a small queue, so a slow
 * dependency cannot take every socket and request slot of the process. Built on cockatiel's
 * `bulkhead(limit, queue)`; a full bulkhead throws {@link BulkheadRejectedError}.
 * A queued caller whose signal aborts is released at once (its queue place is freed when
 * cockatiel reaches it).
 */
export class Bulkhead implements Policy {
  readonly upstream: string;
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  private readonly inner: BulkheadPolicy;

  constructor(options: BulkheadOptions = {}) {
    this.upstream = options.upstream ?? 'default';
    this.maxConcurrent = options.maxConcurrent ?? 10;
    this.maxQueue = options.maxQueue ?? 0;
    if (!Number.isInteger(this.maxConcurrent) || this.maxConcurrent < 1) {
      throw new RangeError(`maxConcurrent must be a whole number ≥ 1, got ${this.maxConcurrent}`);
    }
    if (!Number.isInteger(this.maxQueue) || this.maxQueue < 0) {
      throw new RangeError(`maxQueue must be a whole number ≥ 0, got ${this.maxQueue}`);
    }
    this.inner = cockatielBulkhead(this.maxConcurrent, this.maxQueue);
    const labels = (b: Bulkhead) => ({ [ATTR_MESH_UPSTREAM]: b.upstream });
    observeGauge(METRIC_BULKHEAD_IN_USE, this, (b) => ({
      value: b.snapshot().inUse,
      attributes: labels(b),
    }));
    observeGauge(METRIC_BULKHEAD_QUEUED, this, (b) => ({
      value: b.snapshot().queued,
      attributes: labels(b),
    }));
  }

  snapshot(): BulkheadSnapshot {
    return {
      upstream: this.upstream,
      inUse: this.maxConcurrent - this.inner.executionSlots,
      queued: this.maxQueue - this.inner.queueSlots,
      maxConcurrent: this.maxConcurrent,
      maxQueue: this.maxQueue,
    };
  }

  async execute<T>(op: Operation<T>, signal: AbortSignal = neverAborted): Promise<T> {
    if (signal.aborted) throw signal.reason;
    try {
      return await raceAbort(
        this.inner.execute(({ signal: inner }) => op(inner), signal),
        signal,
      );
    } catch (error) {
      if (isCockatielBulkheadRejected(error)) {
        instruments().calls.add(1, {
          [ATTR_MESH_UPSTREAM]: this.upstream,
          [ATTR_MESH_POLICY]: 'bulkhead',
          [ATTR_MESH_OUTCOME]: 'rejected',
        });
        throw new BulkheadRejectedError({
          upstream: this.upstream,
          maxConcurrent: this.maxConcurrent,
          maxQueue: this.maxQueue,
          cause: error,
        });
      }
      if (isTaskCancelledError(error) && signal.aborted) throw signal.reason;
      throw error;
    }
  }
}
