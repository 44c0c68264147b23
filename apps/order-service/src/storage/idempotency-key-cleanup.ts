import { setImmediate as yieldToRequests } from 'node:timers/promises';
import type { OrderRepository } from './order-repository';

/** Options of {@link IdempotencyKeyCleanup}; durations in milliseconds. */
export interface IdempotencyKeyCleanupOptions {
  orders: Pick<OrderRepository, 'deleteExpiredIdempotencyKeys'>;
  /** How long a key is honoured after its order was created (`IDEMPOTENCY_RETENTION_MS`). */
  retentionMs: number;
  /** Pause between two runs (`IDEMPOTENCY_CLEANUP_INTERVAL_MS`). */
  intervalMs: number;
  /** Keys deleted by one statement: small, so that no statement holds locks for long. Default 500. */
  batchSize?: number;
  /** Statements in one run at most; what is left waits for the next run. Default 20. */
  maxBatchesPerRun?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Told when a run fails (the database is down, say); the next run tries again. */
  onError?: (error: unknown) => void;
}

/**
 * Forgets idempotency keys older than the retention, in the background: every `intervalMs` a run
 * deletes them in small batches, yielding to the event loop between two batches. It never
 * blocks a request — its timer does not keep the process alive, a run never overlaps another,
 * and on PostgreSQL its deletes skip rows that a create holds.
 */
export class IdempotencyKeyCleanup {
  readonly #o: Required<Omit<IdempotencyKeyCleanupOptions, 'onError'>> &
    Pick<IdempotencyKeyCleanupOptions, 'onError'>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(options: IdempotencyKeyCleanupOptions) {
    this.#o = { batchSize: 500, maxBatchesPerRun: 20, now: Date.now, ...options };
  }

  /** Runs every `intervalMs` until {@link stop}. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.runOnce().catch((error: unknown) => this.#o.onError?.(error));
    }, this.#o.intervalMs);
    this.#timer.unref();
  }

  /** Stops the runs and waits for the one in flight, if any. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => undefined);
  }

  /** One run now; resolves with the number of keys forgotten (0 when a run is already going on). */
  runOnce(): Promise<number> {
    if (this.#running) return Promise.resolve(0);
    const run = this.#run().finally(() => {
      this.#running = undefined;
    });
    this.#running = run;
    return run;
  }

  async #run(): Promise<number> {
    const { orders, batchSize, maxBatchesPerRun } = this.#o;
    const before = new Date(this.#o.now() - this.#o.retentionMs);
    let forgotten = 0;
    for (let batch = 0; batch < maxBatchesPerRun; batch++) {
      if (batch > 0) await yieldToRequests();
      const deleted = await orders.deleteExpiredIdempotencyKeys(before, batchSize);
      forgotten += deleted;
      if (deleted < batchSize) break;
    }
    return forgotten;
  }
}
