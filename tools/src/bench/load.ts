import autocannon from 'autocannon';

/** One measured round of one configuration. */
export interface Sample {
  config: string;
  round: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** non-2xx answers plus requests with no answer (connection errors, timeouts). */
  errors: number;
  /** 2xx answers that carried `X-Degraded` (answered by a fallback). */
  degraded: number;
}

export interface LoadSpec {
  url: string;
  path: string;
  connections: number;
  durationMs: number;
  timeoutMs?: number;
}

/** Closed-loop load with autocannon: as fast as `connections` keep-alive connections allow. */
export async function measure(
  spec: LoadSpec,
  label = '',
  round = 0,
  during?: (stop: () => void) => void,
): Promise<Sample> {
  let degraded = 0;
  let noAnswer = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationMs / 1000,
        timeout: (spec.timeoutMs ?? 10_000) / 1000,
        requests: [
          {
            method: 'GET',
            path: spec.path,
            onResponse: (status, _body, _context, headers) => {
              if (status < 300 && headers?.['x-degraded'] !== undefined) degraded++;
            },
          },
        ],
      },
      (error, done) => (error ? reject(error as Error) : resolve(done)),
    );
    instance.on('reqError', () => noAnswer++);
    during?.(() => instance.stop());
  });
  const seconds = result.duration;
  return {
    config: label,
    round,
    requests: result.requests.total,
    rps: Math.round((result.requests.total / seconds) * 10) / 10,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.non2xx + Math.max(result.errors + result.timeouts, noAnswer),
    degraded,
  };
}
