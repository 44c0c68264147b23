import type { IncomingHttpHeaders } from 'node:http';
import autocannon from 'autocannon';

/** One request the traffic cycles through. */
export interface TrafficRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** One answer, as `onResponse` sees it. */
export interface TrafficResponse {
  status: number;
  headers: Readonly<Record<string, string | undefined>>;
  degraded: boolean;
}

export interface TrafficOptions {
  /** The gateway's API URL. */
  target: string;
  requests: readonly TrafficRequest[];
  connections: number;
  /** Requests per second over all connections; undefined: as fast as answers come. */
  rate?: number;
  /** Stops by itself after this long; default: when `stop()` is called (at most 10 minutes). */
  durationMs?: number;
  /** Each answer's status and headers. */
  onResponse?: (response: TrafficResponse) => void;
  /** Stops the run early (the scenario was interrupted). */
  signal?: AbortSignal;
}

/** The client's figures of a run. */
export interface TrafficFigures {
  requests: number;
  durationMs: number;
  /** Achieved requests per second. */
  rate: number;
  statusCodes: Record<string, number>;
  /** 2xx answers without `X-Degraded`. */
  ok: number;
  /** Answers below 400 with `X-Degraded` (a fallback answered). */
  degraded: number;
  /** 429 answers. */
  rateLimited: number;
  /** 5xx answers plus requests that got no answer. */
  errors: number;
  /** Requests that got no answer (connection error, timeout). */
  noAnswer: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

export interface RunningTraffic {
  /** Stops sending and resolves with the figures once the requests in flight are answered. */
  stop(): Promise<TrafficFigures>;
  /** Resolves with the figures when the run ends (by `durationMs` or `stop()`). */
  readonly done: Promise<TrafficFigures>;
}

/**
 * Sends the scenario's traffic: `requests` in turn from `connections` connections, at `rate`.
 * Built on autocannon's API; X-Degraded answers are counted apart from plain 2xx.
 */
export function startTraffic(options: TrafficOptions): RunningTraffic {
  const counts = { ok: 0, degraded: 0, rateLimited: 0, errors: 0, answered: 0 };
  const statusCodes: Record<string, number> = {};
  const started = Date.now();
  const requests = options.requests.map((request) => ({
    method: request.method,
    path: request.path,
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.body === undefined ? {} : { body: request.body }),
    onResponse: (status: number, _body: string, _context: object, raw?: IncomingHttpHeaders) => {
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(raw ?? {})) {
        headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      const degraded = status < 400 && headers['x-degraded'] !== undefined;
      counts.answered++;
      statusCodes[String(status)] = (statusCodes[String(status)] ?? 0) + 1;
      if (degraded) counts.degraded++;
      else if (status < 400) counts.ok++;
      if (status === 429) counts.rateLimited++;
      if (status >= 500) counts.errors++;
      options.onResponse?.({ status, headers, degraded });
    },
  }));
  const durationSeconds = Math.max(1, Math.ceil((options.durationMs ?? 600_000) / 1000));
  let resolveDone: (figures: TrafficFigures) => void = () => undefined;
  let rejectDone: (error: unknown) => void = () => undefined;
  const done = new Promise<TrafficFigures>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  const instance = autocannon(
    {
      url: options.target,
      connections: options.connections,
      ...(options.rate === undefined ? {} : { overallRate: options.rate }),
      duration: durationSeconds,
      timeout: 30,
      requests,
    },
    (error, result) => {
      if (error) {
        rejectDone(error);
        return;
      }
      const noAnswer = result.errors + result.timeouts;
      const durationMs = Date.now() - started;
      const requestsSent = counts.answered + noAnswer;
      resolveDone({
        requests: requestsSent,
        durationMs,
        rate: durationMs > 0 ? Math.round((requestsSent / durationMs) * 10_000) / 10 : 0,
        statusCodes: noAnswer > 0 ? { ...statusCodes, 'no answer': noAnswer } : statusCodes,
        ok: counts.ok,
        degraded: counts.degraded,
        rateLimited: counts.rateLimited,
        errors: counts.errors + noAnswer,
        noAnswer,
        latencyMs: {
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
        },
      });
    },
  );
  if (options.durationMs !== undefined) {
    const timer = setTimeout(() => instance.stop(), options.durationMs);
    void done.finally(() => clearTimeout(timer)).catch(() => undefined);
  }
  const onAbort = () => instance.stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  void done
    .finally(() => options.signal?.removeEventListener('abort', onAbort))
    .catch(() => undefined);
  return {
    done,
    stop() {
      instance.stop();
      return done;
    },
  };
}
