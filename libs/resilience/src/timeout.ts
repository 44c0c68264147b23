import { linkSignal, neverAborted, raceAbort } from './abort';
import { ATTR_MESH_OUTCOME, ATTR_MESH_POLICY, ATTR_MESH_UPSTREAM } from './attribute-names';
import { AttemptTimeoutError } from './errors';
import { instruments } from './instruments';
import type { Operation, Policy } from './policy';

/** Options of {@link timeoutPolicy}. */
export interface TimeoutOptions {
  /** Upstream label for errors and metrics. Default `'default'`. */
  upstream?: string;
}

/**
 * Bounds one attempt: after `timeoutMs` the operation's signal aborts with an
 * {@link AttemptTimeoutError} and the call rejects with it at once, without waiting for the
 * operation to notice (the abandoned promise's late rejection is swallowed).
 *
 * @param timeoutMs - per-attempt timeout in ms; `Infinity` disables it.
 */
export function timeoutPolicy(timeoutMs: number, options: TimeoutOptions = {}): Policy {
  if (!(timeoutMs > 0)) throw new RangeError(`timeout must be > 0 ms, got ${timeoutMs}`);
  const upstream = options.upstream ?? 'default';
  return {
    execute: <T>(op: Operation<T>, signal: AbortSignal = neverAborted) =>
      runWithTimeout(op, signal, timeoutMs, upstream).catch((error: unknown) => {
        if (error instanceof AttemptTimeoutError) {
          instruments().calls.add(1, {
            [ATTR_MESH_UPSTREAM]: upstream,
            [ATTR_MESH_POLICY]: 'timeout',
            [ATTR_MESH_OUTCOME]: 'timeout',
          });
        }
        throw error;
      }),
  };
}

/** Runs `op` with a timer that aborts it; shared with the circuit breaker. Internal. */
export async function runWithTimeout<T>(
  op: Operation<T>,
  signal: AbortSignal,
  timeoutMs: number,
  upstream: string,
): Promise<T> {
  if (signal.aborted) throw signal.reason;
  if (timeoutMs === Number.POSITIVE_INFINITY) return op(signal);
  const link = linkSignal(signal);
  const timer = setTimeout(
    () => link.abort(new AttemptTimeoutError({ timeoutMs, upstream })),
    timeoutMs,
  );
  try {
    return await raceAbort(
      Promise.resolve().then(() => op(link.signal)),
      link.signal,
    );
  } finally {
    clearTimeout(timer);
    link.dispose();
  }
}
