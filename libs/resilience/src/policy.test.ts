import { handleAll, retry, timeout, TimeoutStrategy } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import type { Operation, Policy } from './policy';
import { fromCockatiel, noopPolicy, wrap } from './policy';

/** A policy that records when it is entered and left. */
function tracing(name: string, log: string[]): Policy {
  return {
    async execute<T>(op: Operation<T>, signal?: AbortSignal) {
      log.push(`${name}:in`);
      try {
        return await op(signal ?? new AbortController().signal);
      } finally {
        log.push(`${name}:out`);
      }
    },
  };
}

describe('wrap', () => {
  it('runs policies outermost first, like nested execute calls', async () => {
    const log: string[] = [];
    const policy = wrap(tracing('a', log), tracing('b', log), tracing('c', log));
    await expect(
      policy.execute(async () => {
        log.push('op');
        return 7;
      }),
    ).resolves.toBe(7);
    expect(log).toEqual(['a:in', 'b:in', 'c:in', 'op', 'c:out', 'b:out', 'a:out']);
  });

  it('gives each layer the signal of the layer outside it', async () => {
    const controller = new AbortController();
    const aborting: Policy = {
      execute: (op) => {
        const inner = new AbortController();
        inner.abort('inner');
        return op(inner.signal);
      },
    };
    const seen: unknown[] = [];
    await wrap(noopPolicy, aborting).execute(async (signal) => {
      seen.push(signal.reason);
    }, controller.signal);
    expect(seen).toEqual(['inner']);
  });

  it('with no policies just runs the operation with the caller signal', async () => {
    const controller = new AbortController();
    let received: AbortSignal | undefined;
    await wrap().execute(async (signal) => {
      received = signal;
    }, controller.signal);
    expect(received).toBe(controller.signal);
  });

  it('passes errors through untouched', async () => {
    const error = new Error('boom');
    await expect(wrap(noopPolicy, noopPolicy).execute(() => Promise.reject(error))).rejects.toBe(
      error,
    );
  });
});

describe('fromCockatiel', () => {
  it('lets a cockatiel retry sit in a wrap', async () => {
    let calls = 0;
    const policy = wrap(noopPolicy, fromCockatiel(retry(handleAll, { maxAttempts: 2 })));
    await expect(
      policy.execute(async () => {
        calls += 1;
        if (calls < 3) throw new Error('flaky');
        return 'ok';
      }),
    ).resolves.toBe('ok');
    expect(calls).toBe(3);
  });

  it('hands the operation the signal cockatiel aborts', async () => {
    const policy = fromCockatiel(timeout(1, TimeoutStrategy.Aggressive));
    let aborted = false;
    await expect(
      policy.execute(
        (signal) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('aborted'));
            });
          }),
      ),
    ).rejects.toThrow();
    expect(aborted).toBe(true);
  });
});
