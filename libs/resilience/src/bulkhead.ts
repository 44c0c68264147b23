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

/** A caller waiting for a slot. */
interface Waiter {
  readonly run: () => void;
  readonly detach: () => void;
}

/**
 * Isolates an upstream behind a fixed number of concurrent calls plus a small queue, so a slow
 * dependency cannot take every socket and request slot of the process. The slots are cockatiel's
 * `bulkhead(limit)`; the queue is kept here, because cockatiel's queue keeps an aborted waiter
 * until its turn comes and then leaves the freed slot idle while live callers wait. Here a
 * queued caller whose signal aborts leaves the queue at once, and a freed slot goes to the next
 * live waiter. A full bulkhead throws {@link BulkheadRejectedError}.
 */
export class Bulkhead implements Policy {
  readonly upstream: string;
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  private readonly slots: BulkheadPolicy;
  private readonly waiters: Waiter[] = [];

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
    this.slots = cockatielBulkhead(this.maxConcurrent, 0);
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
      inUse: this.maxConcurrent - this.slots.executionSlots,
      queued: this.waiters.length,
      maxConcurrent: this.maxConcurrent,
      maxQueue: this.maxQueue,
    };
  }

  execute<T>(op: Operation<T>, signal: AbortSignal = neverAborted): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.slots.executionSlots > 0) return this.run(op, signal);
    if (this.waiters.length >= this.maxQueue) return Promise.reject(this.rejected());
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        // Leave the queue now: the place is free for the next caller at once.
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        run: () => {
          this.run(op, signal).then(resolve, reject);
        },
        detach: () => signal.removeEventListener('abort', onAbort),
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Runs `op` in a slot, which must be free; the slot passes to the next waiter when `op` settles. */
  private run<T>(op: Operation<T>, signal: AbortSignal): Promise<T> {
    // cockatiel takes the slot synchronously, so no other caller can slip in before this one.
    const running = this.slots.execute(({ signal: inner }) => op(inner), signal);
    // Settles after cockatiel has freed the slot.
    running.then(
      () => this.startWaiters(),
      () => this.startWaiters(),
    );
    return raceAbort(running, signal).catch((error: unknown) => {
      if (isTaskCancelledError(error) && signal.aborted) throw signal.reason;
      if (isCockatielBulkheadRejected(error)) throw this.rejected(error);
      throw error;
    });
  }

  private startWaiters(): void {
    while (this.slots.executionSlots > 0) {
      const waiter = this.waiters.shift();
      if (!waiter) return;
      waiter.detach();
      waiter.run();
    }
  }

  private rejected(cause?: unknown): BulkheadRejectedError {
    instruments().calls.add(1, {
      [ATTR_MESH_UPSTREAM]: this.upstream,
      [ATTR_MESH_POLICY]: 'bulkhead',
      [ATTR_MESH_OUTCOME]: 'rejected',
    });
    return new BulkheadRejectedError({
      upstream: this.upstream,
      maxConcurrent: this.maxConcurrent,
      maxQueue: this.maxQueue,
      cause,
    });
  }
}
