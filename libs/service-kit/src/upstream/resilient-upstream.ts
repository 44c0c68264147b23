import { trace } from '@opentelemetry/api';
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import {
  AttemptTimeoutError,
  DEADLINE_HEADER,
  Deadline,
  DeadlineExceededError,
  isAttemptTimeoutError,
  NoHealthyUpstreamError,
  deadlinePolicy,
  wrap,
} from '@mesh/resilience';
import type { CallGate, Policy, RetryPolicy } from '@mesh/resilience';
import type { ServiceInstance } from '@mesh/discovery';
import { HttpError } from '../http-error';
import { isConnectRefused, isConnectionError } from './http-transport';
import type { UpstreamRequest, UpstreamResponse } from './http-transport';
import {
  isDependencyFailure,
  isRetryableResponse,
  retryAfterMsOf,
} from './response-classification';
import type { UpstreamPool } from './upstream-pool';

/** One call through the resilience stack. */
export interface UpstreamCall extends UpstreamRequest {
  /** The request's deadline (from the caller); without one the upstream's own default applies. */
  deadline?: Deadline;
}

export interface ResilientUpstreamOptions {
  service: string;
  pool: UpstreamPool;
  dispatcher: Dispatcher;
  attemptTimeoutMs: number;
  /** Deadline of a call that brings none, ms. */
  deadlineMs: number;
  /** Attempts are not started with less than this left, ms. */
  minAttemptMs: number;
  /** Retry policies sharing one budget: one for calls safe to repeat, one for the others (retried only when nothing was sent). */
  retry: { idempotent: RetryPolicy; other: RetryPolicy };
  /** Circuit breaker or adaptive throttle; none when off. */
  gate?: CallGate;
  bulkhead?: Policy;
}

/** How long before the deadline an attempt's own timeout fires, ms. */
const DEADLINE_MARGIN_MS = 5;

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** True when sending the request twice is safe: an idempotent method or an `Idempotency-Key`. */
export function isIdempotent(call: UpstreamRequest): boolean {
  if (IDEMPOTENT_METHODS.has(call.method.toUpperCase())) return true;
  return Object.keys(call.headers ?? {}).some((name) => name.toLowerCase() === 'idempotency-key');
}

/**
 * A 5xx answer of the instance's own making: the upstream failed. A 4xx is the request's fault,
 * and a dependency failure (`X-Mesh-Dependency-Failed`) is the fault of the instance's own
 * upstream, so neither counts against the instance.
 */
export function isFailedResponse(result: unknown): boolean {
  const answer = result as UpstreamResponse | undefined;
  return typeof answer?.status === 'number' && answer.status >= 500 && !isDependencyFailure(answer);
}

/** The wait a retry must honour after `answer`, set by the attempt that received it. */
const retryHints = new WeakMap<UpstreamResponse, number>();

/** A transport failure or timeout of the upstream — what breakers and outlier detection count. */
export function isUpstreamFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (
    code === 'upstream_unavailable' ||
    code === 'upstream_timeout' ||
    code === 'no_healthy_upstream' ||
    code === 'deadline_exceeded'
  );
}

/**
 * Calls one upstream service through the whole stack, outermost first:
 * deadline → bulkhead → circuit breaker (or adaptive throttle) → retry within a budget →
 * balancer over the usable instances (ready, not ejected) → one HTTP attempt with a timeout.
 * Each retry goes to an instance not tried yet when there is one.
 */
export class ResilientUpstream {
  readonly service: string;
  readonly #o: ResilientUpstreamOptions;

  constructor(options: ResilientUpstreamOptions) {
    this.service = options.service;
    this.#o = options;
  }

  async request(call: UpstreamCall): Promise<UpstreamResponse> {
    const deadline = call.deadline ?? Deadline.after(this.#o.deadlineMs);
    const idempotent = isIdempotent(call);
    const tried = new Set<string>();
    const policy = wrap(
      deadlinePolicy(deadline, { minAttemptMs: this.#o.minAttemptMs, upstream: this.service }),
      ...(this.#o.bulkhead ? [this.#o.bulkhead] : []),
      ...(this.#o.gate ? [this.#o.gate] : []),
    );
    try {
      return await policy.execute(
        (signal) =>
          (idempotent ? this.#o.retry.idempotent : this.#o.retry.other).execute(
            (attemptSignal, { attempt }) =>
              this.#attempt(call, deadline, attemptSignal, attempt, tried),
            signal,
            deadline,
          ),
        call.signal,
      );
    } catch (error) {
      // An attempt cut at the deadline was the deadline's doing: say so to the caller.
      if (isAttemptTimeoutError(error) && deadline.remainingMs() <= DEADLINE_MARGIN_MS) {
        throw new DeadlineExceededError({ upstream: this.service, cause: error });
      }
      throw error;
    } finally {
      if (!call.deadline) deadline.dispose();
    }
  }

  /** Whether the retry policy may try again after this outcome; see docs/resilience.md. */
  static shouldRetry(
    outcome: { ok: boolean; result?: unknown; error?: unknown },
    idempotent: boolean,
  ): boolean {
    if (outcome.ok) return idempotent && isRetryableResponse(outcome.result as UpstreamResponse);
    // Nothing was sent over a refused connection: safe to send elsewhere, even a POST.
    if (isConnectRefused(outcome.error)) return true;
    const code = (outcome.error as { code?: unknown } | undefined)?.code;
    return idempotent && (code === 'upstream_unavailable' || code === 'upstream_timeout');
  }

  /**
   * The `Retry-After` a retry after `result` must wait, ms. A server's hint speaks for that
   * instance only: while the retry can go to an instance not tried yet it goes at once, otherwise
   * it waits the hint (and is not made when the hint is longer than the retry policy's maximum
   * delay or the deadline allows).
   */
  static retryHintOf(result: unknown): number | undefined {
    return typeof result === 'object' && result !== null
      ? retryHints.get(result as UpstreamResponse)
      : undefined;
  }

  async #attempt(
    call: UpstreamCall,
    deadline: Deadline,
    signal: AbortSignal,
    attempt: number,
    tried: Set<string>,
  ): Promise<UpstreamResponse> {
    const instance = this.#o.pool.pick(tried);
    if (!instance) {
      throw new NoHealthyUpstreamError({ upstream: this.service, retryAfterMs: 1000 });
    }
    tried.add(instance.id);
    trace.getActiveSpan()?.addEvent('mesh.upstream.attempt', {
      'mesh.upstream': this.service,
      'mesh.instance.id': instance.id,
      'mesh.retry.attempt': attempt,
    });
    // Bounded by the deadline, and ending just before it: an attempt cut short by the deadline
    // is then seen as what it is — the upstream too slow, a failure the breaker counts — rather
    // than as the caller giving up.
    const timeoutMs = Math.max(
      1,
      Math.min(this.#o.attemptTimeoutMs, deadline.remainingMs() - DEADLINE_MARGIN_MS),
    );
    // A timer of our own, cleared when the attempt ends: AbortSignal.timeout would stay armed for
    // the whole timeout after a fast answer, one live timer per attempt under load.
    const timeout = new AbortController();
    const timer = setTimeout(
      () =>
        timeout.abort(new DOMException(`attempt timed out after ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    const done = this.#o.pool.begin(instance);
    const started = performance.now();
    try {
      const response = await request(new URL(call.path, instance.url), {
        method: call.method as Dispatcher.HttpMethod,
        // The callee gets what this attempt may take, not the whole request's budget: a retry
        // here must not find the callee still working on the attempt it gave up on.
        headers: { ...call.headers, [DEADLINE_HEADER]: String(Math.floor(timeoutMs)) },
        body: call.body,
        signal: AbortSignal.any([signal, timeout.signal]),
        dispatcher: this.#o.dispatcher,
      });
      const body = Buffer.from(await response.body.arrayBuffer());
      const answer = {
        status: response.statusCode,
        headers: response.headers,
        body,
        instance: instance.id,
      };
      done({ latencyMs: performance.now() - started, ok: !isFailedResponse(answer) });
      const hint = retryAfterMsOf(answer);
      if (hint !== undefined && isRetryableResponse(answer)) {
        const elsewhere = this.#o.pool.usable().some((other) => !tried.has(other.id));
        if (!elsewhere) retryHints.set(answer, hint);
      }
      return answer;
    } catch (error) {
      const timedOut = timeout.signal.aborted && !signal.aborted;
      // The caller's own abort (a client that hung up) is nobody's failure: the breaker skips it
      // already, and the balancer and outlier detection must too (docs/load-balancing.md).
      const cancelled = !timedOut && call.signal?.aborted === true;
      done({ latencyMs: performance.now() - started, ok: false, cancelled });
      throw this.#classify(error, instance, timedOut, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  #classify(
    error: unknown,
    instance: ServiceInstance,
    timedOut: boolean,
    timeoutMs: number,
  ): unknown {
    if (timedOut) {
      return new AttemptTimeoutError({ upstream: this.service, timeoutMs, cause: error });
    }
    if (isConnectionError(error)) {
      return new HttpError(
        'upstream_unavailable',
        `${this.service} instance ${instance.id} is unavailable`,
        {
          cause: error,
          retryAfterSeconds: 1,
          upstream: this.service,
        },
      );
    }
    return error;
  }
}
