/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** How long to keep asking before giving up, in milliseconds. Default 15000. */
  timeoutMs?: number;
  /** Pause between two questions, in milliseconds. Default 100. */
  intervalMs?: number;
  /** Named in the error when time runs out. Default `condition`. */
  what?: string;
}

/**
 * Asks `probe` until it returns something other than `undefined` and returns that value; after
 * `timeoutMs` it rejects, naming `what`. A bound for asynchronous arrivals (spans exported in
 * batches, log lines flushed), never a measurement.
 */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  options: WaitForOptions = {},
): Promise<T> {
  const { timeoutMs = 15_000, intervalMs = 100, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
