/**
 * Counts changes so that an async loop can wait for the next one without missing any: the loop
 * remembers the version it has seen and waits until the version moves past it.
 */
export class ChangeCounter {
  private count = 0;
  private readonly waiters = new Set<() => void>();

  /** Number of changes so far. */
  get version(): number {
    return this.count;
  }

  /** Records a change and wakes every waiter. */
  bump(): void {
    this.count++;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves once the version is past `seen`, or at once when `signal` aborts (never rejects). */
  next(seen: number, signal?: AbortSignal): Promise<void> {
    if (this.count > seen || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters.delete(wake);
        resolve();
      };
      this.waiters.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
