import type { IDefaultPolicyContext, IPolicy } from 'cockatiel';
import { neverAborted } from './abort';

/**
 * A unit of work guarded by policies. It receives the signal that aborts when a policy gives
 * up on it (timeout, deadline, caller cancellation) and should pass it on to I/O.
 */
export type Operation<T> = (signal: AbortSignal) => Promise<T>;

/** Anything that runs an {@link Operation} under some rule: breaker, bulkhead, timeout, … */
export interface Policy {
  execute<T>(op: Operation<T>, signal?: AbortSignal): Promise<T>;
}

/** The policy that adds nothing, e.g. as the neutral element of {@link wrap}. */
export const noopPolicy: Policy = {
  execute: <T>(op: Operation<T>, signal: AbortSignal = neverAborted) => op(signal),
};

/**
 * Combines policies into one, outermost first (as cockatiel's `wrap`):
 * `wrap(deadline, retry, breaker).execute(op)` is
 * `deadline.execute(s1 => retry.execute(s2 => breaker.execute(op, s2), s1))`.
 * Each layer hands the next one its own signal, so an outer timeout aborts everything inside.
 */
export function wrap(...policies: readonly Policy[]): Policy {
  return {
    execute<T>(op: Operation<T>, signal: AbortSignal = neverAborted): Promise<T> {
      const run = policies.reduceRight<Operation<T>>(
        (inner, policy) => (s) => policy.execute(inner, s),
        op,
      );
      return run(signal);
    },
  };
}

/**
 * Adapts any cockatiel policy (its `timeout`, `retry`, `fallback`…) to {@link Policy}, so it can
 * sit in a {@link wrap} next to this library's primitives.
 */
export function fromCockatiel(policy: IPolicy<IDefaultPolicyContext, never>): Policy {
  return {
    execute: <T>(op: Operation<T>, signal?: AbortSignal) =>
      policy.execute(({ signal: inner }) => op(inner), signal),
  };
}
