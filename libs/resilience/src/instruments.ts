import { metrics, trace } from '@opentelemetry/api';
import type { Attributes, Counter, MeterProvider } from '@opentelemetry/api';
import {
  METRIC_ADAPTIVE_THROTTLE_PROBABILITY,
  METRIC_BALANCER_PICKS,
  METRIC_BULKHEAD_IN_USE,
  METRIC_BULKHEAD_QUEUED,
  METRIC_CALLS,
  METRIC_CIRCUIT_BREAKER_STATE,
  METRIC_CIRCUIT_BREAKER_TRANSITIONS,
  METRIC_DEADLINE_EXPIRATIONS,
  METRIC_OUTLIER_EJECTIONS,
  METRIC_RATE_LIMIT_DECISIONS,
  METRIC_RETRY_ATTEMPTS,
  METRIC_RETRY_BUDGET_EXHAUSTED,
} from './metric-names';

/**
 * Lazily created OpenTelemetry instruments. Internal: primitives call `instruments()` when they
 * record, so nothing is created at import time and, with no SDK registered, the API's no-op
 * meter makes every call free. The instruments are rebuilt if the global MeterProvider changes
 * (an SDK registered after the first call, or tests swapping providers).
 */

/** Name of the meter (instrumentation scope) of this library. */
export const METER_NAME = '@mesh/resilience';

export interface Instruments {
  readonly calls: Counter;
  readonly breakerTransitions: Counter;
  readonly retries: Counter;
  readonly retryBudgetExhausted: Counter;
  readonly rateLimitDecisions: Counter;
  readonly deadlineExpirations: Counter;
  readonly balancerPicks: Counter;
  readonly outlierEjections: Counter;
}

export type GaugeName =
  | typeof METRIC_CIRCUIT_BREAKER_STATE
  | typeof METRIC_ADAPTIVE_THROTTLE_PROBABILITY
  | typeof METRIC_BULKHEAD_IN_USE
  | typeof METRIC_BULKHEAD_QUEUED;

interface GaugeSource {
  readonly owner: WeakRef<object>;
  readonly read: (owner: object) => { value: number; attributes: Attributes };
}

const gaugeSources = new Map<GaugeName, Set<GaugeSource>>();
let cache: { provider: MeterProvider; instruments: Instruments } | undefined;

export function instruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (cache?.provider !== provider) cache = { provider, instruments: create(provider) };
  return cache.instruments;
}

/**
 * Reports a gauge value read from `owner` at every collection, for as long as `owner` lives
 * (held weakly, so short-lived primitives are not kept alive by metrics). `read` must not
 * capture `owner`; it receives it.
 */
export function observeGauge<T extends object>(
  name: GaugeName,
  owner: T,
  read: (owner: T) => { value: number; attributes: Attributes },
): void {
  let sources = gaugeSources.get(name);
  if (!sources) gaugeSources.set(name, (sources = new Set()));
  sources.add({ owner: new WeakRef(owner), read: read as GaugeSource['read'] });
  instruments();
}

/** Adds an event to the active span, if there is one (no-op without a tracer SDK). */
export function addSpanEvent(name: string, attributes: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}

function create(provider: MeterProvider): Instruments {
  const meter = provider.getMeter(METER_NAME);
  const gauge = (name: GaugeName, description: string, unit: string) => {
    meter.createObservableGauge(name, { description, unit }).addCallback((result) => {
      const sources = gaugeSources.get(name);
      if (!sources) return;
      for (const source of sources) {
        const owner = source.owner.deref();
        if (owner === undefined) {
          sources.delete(source);
          continue;
        }
        const { value, attributes } = source.read(owner);
        result.observe(value, attributes);
      }
    });
  };
  gauge(
    METRIC_CIRCUIT_BREAKER_STATE,
    'Circuit breaker state: 0 closed, 1 half-open, 2 open',
    '{state}',
  );
  gauge(
    METRIC_ADAPTIVE_THROTTLE_PROBABILITY,
    'Probability that the adaptive throttle rejects a call locally',
    '1',
  );
  gauge(METRIC_BULKHEAD_IN_USE, 'Bulkhead slots in use', '{call}');
  gauge(METRIC_BULKHEAD_QUEUED, 'Calls waiting in a bulkhead queue', '{call}');

  return {
    calls: meter.createCounter(METRIC_CALLS, {
      description: 'Calls through a resilience policy, by policy and outcome',
      unit: '{call}',
    }),
    breakerTransitions: meter.createCounter(METRIC_CIRCUIT_BREAKER_TRANSITIONS, {
      description: 'Circuit breaker state transitions',
      unit: '{transition}',
    }),
    retries: meter.createCounter(METRIC_RETRY_ATTEMPTS, {
      description: 'Retries started (first attempts are not counted)',
      unit: '{retry}',
    }),
    retryBudgetExhausted: meter.createCounter(METRIC_RETRY_BUDGET_EXHAUSTED, {
      description: 'Retries refused because the retry budget was empty',
      unit: '{retry}',
    }),
    rateLimitDecisions: meter.createCounter(METRIC_RATE_LIMIT_DECISIONS, {
      description: 'Rate limiter decisions, by policy and outcome',
      unit: '{decision}',
    }),
    deadlineExpirations: meter.createCounter(METRIC_DEADLINE_EXPIRATIONS, {
      description: 'Attempts refused or aborted because the request deadline passed',
      unit: '{attempt}',
    }),
    balancerPicks: meter.createCounter(METRIC_BALANCER_PICKS, {
      description: 'Load balancer picks, by instance',
      unit: '{pick}',
    }),
    outlierEjections: meter.createCounter(METRIC_OUTLIER_EJECTIONS, {
      description: 'Instances ejected by outlier detection',
      unit: '{ejection}',
    }),
  };
}
