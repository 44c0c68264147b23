/**
 * Response header a service sets on a 5xx it answers because one of **its own** upstreams failed
 * (unreachable, timed out, breaker open, …). Its value names that upstream. A caller reading it
 * knows the answering instance did its job: it neither counts the answer against that instance
 * (breaker, outlier detection, balancer) nor retries it elsewhere, since every instance shares
 * the failed dependency. Envoy marks its own load shedding the same way (`x-envoy-overloaded`).
 * See docs/resilience.md, "How an outcome is classified".
 */
export const DEPENDENCY_FAILED_HEADER = 'x-mesh-dependency-failed';

/**
 * The upstream whose failure `error` reports: the `upstream` named by the error or by any error
 * in its `cause` chain (resilience errors and the kit's upstream errors carry one), if any.
 */
export function failedDependencyOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const upstream = (e as { upstream?: unknown }).upstream;
    if (typeof upstream === 'string' && upstream !== '') return upstream;
  }
  return undefined;
}
