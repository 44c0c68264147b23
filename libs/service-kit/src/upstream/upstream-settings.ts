import { z } from 'zod';
import { ConfigError, env } from '../config';

/** The balancing strategies an upstream may use; see docs/load-balancing.md. */
export const BALANCER_KINDS = [
  'round-robin',
  'weighted-round-robin',
  'least-request',
  'p2c-ewma',
] as const;
/** How an upstream stops calling an upstream that fails; see docs/resilience.md. */
export const GATE_KINDS = ['circuit-breaker', 'adaptive-throttle', 'off'] as const;

/** Everything configurable about calling one upstream service. */
export interface UpstreamSettings {
  /** Registry name of the service (`user-service`). */
  service: string;
  balancer: (typeof BALANCER_KINDS)[number];
  /** Timeout of one attempt, ms. */
  attemptTimeoutMs: number;
  /** Deadline of a whole call, retries included, when the caller brings none; ms. */
  deadlineMs: number;
  /** An attempt is not started with less than this left of the deadline, ms. */
  minAttemptMs: number;
  retry: {
    maxAttempts: number;
    baseDelayMs: number;
    maxDelayMs: number;
    budgetRatio: number;
    budgetMinPerSecond: number;
  };
  gate: {
    kind: (typeof GATE_KINDS)[number];
    requestVolumeThreshold: number;
    errorPercentThreshold: number;
    sleepWindowMs: number;
    rollingWindowMs: number;
    maxConcurrentRequests: number;
    adaptiveK: number;
  };
  bulkhead: { maxConcurrent: number; maxQueue: number };
  outlier: {
    consecutiveFailures: number;
    baseEjectionTimeMs: number;
    maxEjectionTimeMs: number;
    maxEjectionPercent: number;
  };
  health: { intervalMs: number; timeoutMs: number };
}

/** Defaults of every upstream setting; the README and docs/resilience.md list them. */
export const UPSTREAM_DEFAULTS = {
  BALANCER: 'p2c-ewma',
  ATTEMPT_TIMEOUT_MS: 2000,
  DEADLINE_MS: 5000,
  MIN_ATTEMPT_MS: 20,
  MAX_ATTEMPTS: 3,
  RETRY_BASE_DELAY_MS: 25,
  RETRY_MAX_DELAY_MS: 250,
  RETRY_BUDGET_RATIO: 0.2,
  RETRY_BUDGET_MIN_PER_SECOND: 10,
  BREAKER: 'circuit-breaker',
  BREAKER_REQUEST_VOLUME_THRESHOLD: 20,
  BREAKER_ERROR_PERCENT_THRESHOLD: 50,
  BREAKER_SLEEP_WINDOW_MS: 5000,
  BREAKER_ROLLING_WINDOW_MS: 10_000,
  BREAKER_MAX_CONCURRENT_REQUESTS: 1000,
  THROTTLE_K: 2,
  BULKHEAD_MAX_CONCURRENT: 100,
  BULKHEAD_MAX_QUEUE: 20,
  OUTLIER_CONSECUTIVE_FAILURES: 5,
  OUTLIER_BASE_EJECTION_MS: 10_000,
  OUTLIER_MAX_EJECTION_MS: 120_000,
  OUTLIER_MAX_EJECTION_PERCENT: 50,
  HEALTH_INTERVAL_MS: 2000,
  HEALTH_TIMEOUT_MS: 1000,
} as const;

/**
 * The env vars of one upstream, each prefixed (`USER_SERVICE_BALANCER`, …), so a caller of two
 * upstreams tunes them apart.
 */
export function upstreamEnvShape<P extends string>(prefix: P) {
  const d = UPSTREAM_DEFAULTS;
  return {
    [`${prefix}_BALANCER`]: z.enum(BALANCER_KINDS).default(d.BALANCER),
    [`${prefix}_ATTEMPT_TIMEOUT_MS`]: env.int(d.ATTEMPT_TIMEOUT_MS, 1, 600_000),
    [`${prefix}_DEADLINE_MS`]: env.int(d.DEADLINE_MS, 1, 600_000),
    [`${prefix}_MIN_ATTEMPT_MS`]: env.int(d.MIN_ATTEMPT_MS, 0, 60_000),
    [`${prefix}_MAX_ATTEMPTS`]: env.int(d.MAX_ATTEMPTS, 1, 10),
    // At least 1 ms: exponential back-off has no unit to grow from at 0.
    [`${prefix}_RETRY_BASE_DELAY_MS`]: env.int(d.RETRY_BASE_DELAY_MS, 1, 60_000),
    [`${prefix}_RETRY_MAX_DELAY_MS`]: env.int(d.RETRY_MAX_DELAY_MS, 1, 60_000),
    [`${prefix}_RETRY_BUDGET_RATIO`]: env.number(d.RETRY_BUDGET_RATIO, 0, 10),
    [`${prefix}_RETRY_BUDGET_MIN_PER_SECOND`]: env.number(d.RETRY_BUDGET_MIN_PER_SECOND, 0, 10_000),
    [`${prefix}_BREAKER`]: z.enum(GATE_KINDS).default(d.BREAKER),
    [`${prefix}_BREAKER_REQUEST_VOLUME_THRESHOLD`]: env.int(
      d.BREAKER_REQUEST_VOLUME_THRESHOLD,
      1,
      1_000_000,
    ),
    [`${prefix}_BREAKER_ERROR_PERCENT_THRESHOLD`]: env.number(
      d.BREAKER_ERROR_PERCENT_THRESHOLD,
      1,
      100,
    ),
    [`${prefix}_BREAKER_SLEEP_WINDOW_MS`]: env.int(d.BREAKER_SLEEP_WINDOW_MS, 1, 3_600_000),
    [`${prefix}_BREAKER_ROLLING_WINDOW_MS`]: env.int(d.BREAKER_ROLLING_WINDOW_MS, 100, 3_600_000),
    [`${prefix}_BREAKER_MAX_CONCURRENT_REQUESTS`]: env.int(
      d.BREAKER_MAX_CONCURRENT_REQUESTS,
      1,
      1_000_000,
    ),
    [`${prefix}_THROTTLE_K`]: env.number(d.THROTTLE_K, 1, 100),
    [`${prefix}_BULKHEAD_MAX_CONCURRENT`]: env.int(d.BULKHEAD_MAX_CONCURRENT, 1, 100_000),
    [`${prefix}_BULKHEAD_MAX_QUEUE`]: env.int(d.BULKHEAD_MAX_QUEUE, 0, 100_000),
    [`${prefix}_OUTLIER_CONSECUTIVE_FAILURES`]: env.int(d.OUTLIER_CONSECUTIVE_FAILURES, 1, 1000),
    [`${prefix}_OUTLIER_BASE_EJECTION_MS`]: env.int(d.OUTLIER_BASE_EJECTION_MS, 1, 3_600_000),
    [`${prefix}_OUTLIER_MAX_EJECTION_MS`]: env.int(d.OUTLIER_MAX_EJECTION_MS, 1, 3_600_000),
    [`${prefix}_OUTLIER_MAX_EJECTION_PERCENT`]: env.number(d.OUTLIER_MAX_EJECTION_PERCENT, 0, 100),
    [`${prefix}_HEALTH_INTERVAL_MS`]: env.int(d.HEALTH_INTERVAL_MS, 50, 600_000),
    [`${prefix}_HEALTH_TIMEOUT_MS`]: env.int(d.HEALTH_TIMEOUT_MS, 10, 600_000),
  } as const;
}

/**
 * Reads one upstream's settings out of a parsed environment.
 * @throws ConfigError naming the variables whose values contradict each other
 */
export function toUpstreamSettings(
  service: string,
  prefix: string,
  e: Readonly<Record<string, unknown>>,
): UpstreamSettings {
  const get = <T>(key: string) => e[`${prefix}_${key}`] as T;
  const problems: string[] = [];
  const atMost = (smaller: string, larger: string) => {
    const [a, b] = [get<number>(smaller), get<number>(larger)];
    if (a > b)
      problems.push(`${prefix}_${smaller}: must not exceed ${prefix}_${larger} (${a} > ${b})`);
  };
  atMost('OUTLIER_BASE_EJECTION_MS', 'OUTLIER_MAX_EJECTION_MS');
  atMost('RETRY_BASE_DELAY_MS', 'RETRY_MAX_DELAY_MS');
  atMost('MIN_ATTEMPT_MS', 'DEADLINE_MS');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    service,
    balancer: get('BALANCER'),
    attemptTimeoutMs: get('ATTEMPT_TIMEOUT_MS'),
    deadlineMs: get('DEADLINE_MS'),
    minAttemptMs: get('MIN_ATTEMPT_MS'),
    retry: {
      maxAttempts: get('MAX_ATTEMPTS'),
      baseDelayMs: get('RETRY_BASE_DELAY_MS'),
      maxDelayMs: get('RETRY_MAX_DELAY_MS'),
      budgetRatio: get('RETRY_BUDGET_RATIO'),
      budgetMinPerSecond: get('RETRY_BUDGET_MIN_PER_SECOND'),
    },
    gate: {
      kind: get('BREAKER'),
      requestVolumeThreshold: get('BREAKER_REQUEST_VOLUME_THRESHOLD'),
      errorPercentThreshold: get('BREAKER_ERROR_PERCENT_THRESHOLD'),
      sleepWindowMs: get('BREAKER_SLEEP_WINDOW_MS'),
      rollingWindowMs: get('BREAKER_ROLLING_WINDOW_MS'),
      maxConcurrentRequests: get('BREAKER_MAX_CONCURRENT_REQUESTS'),
      adaptiveK: get('THROTTLE_K'),
    },
    bulkhead: {
      maxConcurrent: get('BULKHEAD_MAX_CONCURRENT'),
      maxQueue: get('BULKHEAD_MAX_QUEUE'),
    },
    outlier: {
      consecutiveFailures: get('OUTLIER_CONSECUTIVE_FAILURES'),
      baseEjectionTimeMs: get('OUTLIER_BASE_EJECTION_MS'),
      maxEjectionTimeMs: get('OUTLIER_MAX_EJECTION_MS'),
      maxEjectionPercent: get('OUTLIER_MAX_EJECTION_PERCENT'),
    },
    health: { intervalMs: get('HEALTH_INTERVAL_MS'), timeoutMs: get('HEALTH_TIMEOUT_MS') },
  };
}
