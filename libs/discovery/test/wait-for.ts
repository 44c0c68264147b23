/**
 * Polls `probe` until it returns something other than `undefined`/`false`, or fails after
 * `timeoutMs` with `what` in the message. For tests against real engines, where the moment a change
 * lands is not ours to choose; the bound only keeps a broken test from hanging.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Follows an async iterable in the background, keeping every value it yields. */
export function follow<T>(iterable: AsyncIterable<T>): {
  values: T[];
  latest(): T | undefined;
  done: Promise<void>;
} {
  const values: T[] = [];
  const done = (async () => {
    for await (const value of iterable) values.push(value);
  })();
  return { values, latest: () => values.at(-1), done };
}
