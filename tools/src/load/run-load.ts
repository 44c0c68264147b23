import autocannon from 'autocannon';
import type { ProfileName, ProfileRequest } from './profiles';
import { PROFILES, profileRequests } from './profiles';
import type { AnswerCounts } from './response-tally';
import { hasDegradedHeader, ResponseTally } from './response-tally';
import { seed } from './seed';

export interface LoadOptions {
  /** The gateway's base URL, e.g. `http://127.0.0.1:8080`. */
  target: string;
  profile: ProfileName;
  /**
   * Whole requests per second over all connections (autocannon paces each connection by whole
   * requests a second). Default: the profile's (steady 20, spike 400).
   */
  rate?: number;
  /** How long the load runs after seeding, ms. Default: the profile's (steady 30 s, spike 10 s). */
  durationMs?: number;
  /** Concurrent connections (each sends its next request once the last is answered). Default: the profile's. */
  connections?: number;
  /** Per request: no answer within this is a timeout (an error), ms. Default 10000. */
  timeoutMs?: number;
  /** Stops the load early; the figures so far are returned. */
  signal?: AbortSignal;
  /** About once a second while the load runs. */
  onProgress?: (progress: LoadProgress) => void;
}

/** Where a run stands, for a progress bar. */
export interface LoadProgress {
  elapsedMs: number;
  durationMs: number;
  /** Requests sent so far, seeding included. */
  requests: number;
  answers: number;
  ok: number;
  degraded: number;
  rateLimited: number;
  /** 5xx answers and requests without an answer. */
  errors: number;
}

/** What `npm run load` reports, and `--json` prints. */
export interface LoadReport {
  target: string;
  profile: ProfileName;
  /** The rate asked for, requests per second. */
  requestedRate: number;
  connections: number;
  /** How long the load ran (after seeding), ms. */
  durationMs: number;
  /** Every request sent, seeding included. */
  requests: number;
  /** Of `requests`, those that seeded the users and orders the mix reads. */
  seedRequests: number;
  /** Requests of the load phase per second it ran. */
  achievedRate: number;
  /** Latency of the load phase's answers (every status), ms. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Answers by HTTP status. */
  statusCodes: Record<string, number>;
  answers: number;
  /** 2xx/3xx answers without `X-Degraded`. */
  ok: number;
  /** 2xx/3xx answers with `X-Degraded` (a fallback stood in for a failed upstream). */
  degraded: number;
  /** 429 answers. */
  rateLimited: number;
  /** Other 4xx answers. */
  clientErrors: number;
  /** 5xx answers plus requests without an answer (`timeouts`, connection errors). */
  errors: number;
  /** Requests that got no answer: timed out or lost with their connection (part of `errors`). */
  noAnswer: number;
  /** Of `noAnswer`, timeouts. */
  timeouts: number;
  /** Requests still in flight when the load stopped (not errors: cut by the end of the run). */
  unfinished: number;
  /** The same counts per route, e.g. `GET /api/orders/:id`. */
  routes: Record<string, AnswerCounts>;
}

/**
 * Runs a load profile against the gateway with autocannon: seeds a few users and orders, then
 * loops the profile's mix on every connection at the given overall rate. Resolves with the
 * figures once the duration is over (or `signal` aborted); rejects when seeding fails.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const defaults = PROFILES[options.profile];
  const rate = options.rate ?? defaults.rate;
  if (!Number.isInteger(rate) || rate < 1) {
    throw new RangeError(`rate: a whole number of requests per second, at least 1 (got ${rate})`);
  }
  const durationMs = options.durationMs ?? defaults.durationMs;
  // autocannon lowers connections to the rate when the rate is lower; say what really ran
  const connections = Math.max(
    1,
    Math.min(options.connections ?? defaults.connections, Math.ceil(rate)),
  );
  const timeoutMs = options.timeoutMs ?? 10_000;
  const target = new URL(options.target).origin;
  const tally = new ResponseTally();
  let sent = 0;
  let seedNoAnswer = 0;
  let loadNoAnswer = 0;

  const seeded = await seed({
    target,
    users: defaults.seedUsers,
    tally,
    timeoutMs,
    onSent: () => sent++,
    onNoAnswer: () => seedNoAnswer++,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const seedRequests = sent;
  const requests = profileRequests(options.profile, seeded).map((request) =>
    counted(request, tally),
  );

  const started = Date.now();
  let stop = (): void => undefined;
  const abort = () => stop();
  options.signal?.addEventListener('abort', abort, { once: true });
  const progress = setInterval(() => {
    const t = tally.total;
    options.onProgress?.({
      elapsedMs: Date.now() - started,
      durationMs,
      requests: sent,
      answers: t.answers,
      ok: t.ok,
      degraded: t.degraded,
      rateLimited: t.rateLimited,
      errors: t.serverErrors + seedNoAnswer + loadNoAnswer,
    });
  }, 1000);
  let result: autocannon.Result;
  try {
    result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: target,
          connections,
          overallRate: rate,
          duration: durationMs / 1000,
          timeout: timeoutMs / 1000,
          requests,
          // autocannon's correction for coordinated omission assumes one request per 1/rate ms
          // per connection (rounded up to 1 ms) and invents latencies; record what was measured.
          ignoreCoordinatedOmission: true,
          setupClient: (client) => {
            // every request written, answered or not (autocannon's own count is an estimate)
            client.on('request' as 'body', () => sent++);
          },
        },
        (error, done) => (error ? reject(error as Error) : resolve(done)),
      );
      instance.on('reqError', () => loadNoAnswer++);
      stop = () => instance.stop();
      if (options.signal?.aborted) stop();
    });
  } finally {
    clearInterval(progress);
    options.signal?.removeEventListener('abort', abort);
  }
  const ranMs = Date.now() - started;
  const t = tally.total;
  const noAnswer = loadNoAnswer + seedNoAnswer;
  return {
    target,
    profile: options.profile,
    requestedRate: rate,
    connections,
    durationMs: ranMs,
    requests: sent,
    seedRequests,
    achievedRate: round((sent - seedRequests) / (ranMs / 1000), 1),
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: round(result.latency.mean, 2),
    },
    statusCodes: t.statusCodes,
    answers: t.answers,
    ok: t.ok,
    degraded: t.degraded,
    rateLimited: t.rateLimited,
    clientErrors: t.clientErrors,
    errors: t.serverErrors + noAnswer,
    noAnswer,
    timeouts: result.timeouts,
    unfinished: Math.max(0, sent - t.answers - noAnswer),
    routes: tally.routes(),
  };
}

/** The request with its answers counted in the tally before its own `onResponse` runs. */
function counted(request: ProfileRequest, tally: ResponseTally): autocannon.Request {
  const { route, onResponse, ...rest } = request;
  return {
    ...rest,
    onResponse: (status, body, context, headers) => {
      tally.record(route, status, hasDegradedHeader(headers as Record<string, unknown>));
      if (typeof onResponse === 'function') onResponse(status, body, context, headers);
    },
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
