/**
 * Small AbortSignal helpers shared by the policies. Internal: not exported from the package.
 */

/** A signal that never aborts, for callers that pass none. */
export const neverAborted: AbortSignal = new AbortController().signal;

/** A child signal that aborts when its parent does, or when `abort` is called. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
  /** Detaches from the parents; call it when the guarded work is over. */
  dispose(): void;
}

export function linkSignal(...parents: readonly AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const detach: Array<() => void> = [];
  for (const parent of parents) {
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    const onAbort = () => controller.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    detach.push(() => parent.removeEventListener('abort', onAbort));
  }
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => {
      for (const d of detach.splice(0)) d();
    },
  };
}

/**
 * Settles with `promise`, or rejects with `signal.reason` as soon as the signal aborts,
 * whichever comes first. A late rejection of the abandoned promise is swallowed.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => undefined);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Waits `ms` milliseconds; rejects with `signal.reason` if the signal aborts first. */
export function sleep(ms: number, signal: AbortSignal = neverAborted): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
