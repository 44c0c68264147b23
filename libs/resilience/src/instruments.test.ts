import { context, metrics, propagation, trace } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdaptiveThrottle } from './adaptive-throttle';
import { RoundRobinBalancer } from './balancers/round-robin-balancer';
import { Bulkhead } from './bulkhead';
import { CircuitBreaker } from './circuit-breaker';
import { ManualClock } from './clock';
import { Deadline, deadlinePolicy } from './deadline';
import { withFallback } from './fallback';
import { METER_NAME } from './instruments';
import { LeakyBucket } from './leaky-bucket';
import * as names from './metric-names';
import { OutlierDetector } from './outlier-detector';
import { RetryPolicy } from './retry';
import { RetryBudget } from './retry-budget';
import { TokenBucket } from './token-bucket';

/** A reader that only collects on demand (what a Prometheus scrape does). */
class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

interface Point {
  attributes: Attributes;
  value: unknown;
}

function metric(rm: ResourceMetrics, name: string) {
  const scope = rm.scopeMetrics.find((s) => s.scope.name === METER_NAME);
  const found = scope?.metrics.find((m) => m.descriptor.name === name);
  if (!found) throw new Error(`metric ${name} was not recorded`);
  return {
    unit: found.descriptor.unit,
    points: found.dataPoints as Point[],
    value(attributes: Attributes): unknown {
      const point = found.dataPoints.find((p) =>
        Object.entries(attributes).every(([k, v]) => p.attributes[k] === v),
      );
      return point?.value;
    },
  };
}

const fail = () => Promise.reject(new Error('503'));

// Runs first: the instruments are created against the no-op provider, and must be re-created
// when an SDK is registered later.
describe('without an SDK', () => {
  it('records nothing, costs nothing, and everything works', async () => {
    const breaker = new CircuitBreaker({ clock: new ManualClock() });
    await expect(breaker.execute(async () => 1)).resolves.toBe(1);
    expect(metrics.getMeterProvider().constructor.name).toMatch(/Noop/);
  });
});

describe('telemetry through the OpenTelemetry SDK', () => {
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracerProvider = new NodeTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });

  beforeAll(() => {
    tracerProvider.register(); // tracer provider and AsyncLocalStorage context manager
    metrics.setGlobalMeterProvider(meterProvider);
  });

  afterAll(async () => {
    metrics.disable();
    trace.disable();
    context.disable();
    propagation.disable();
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  });

  it('records every primitive under mesh.* names with units and labels', async () => {
    const clock = new ManualClock();

    const breaker = new CircuitBreaker({ upstream: 'user-service', clock, timeout: Infinity });
    for (let i = 0; i < 20; i++) await breaker.execute(fail).catch(() => undefined);
    await breaker.execute(fail).catch(() => undefined); // short-circuited

    const throttle = new AdaptiveThrottle({ upstream: 'order-service', clock, random: () => 0.99 });
    for (let i = 0; i < 9; i++) await throttle.execute(fail).catch(() => undefined);

    const budget = new RetryBudget({ ratio: 0, minRetriesPerSecond: 0, clock });
    const noBudget = new RetryPolicy({ upstream: 'user-service', shouldRetry: () => true, budget });
    await noBudget.execute(fail).catch(() => undefined);
    let calls = 0;
    const retry = new RetryPolicy({
      upstream: 'user-service',
      shouldRetry: (o) => !o.ok,
      baseDelayMs: 1,
      maxDelayMs: 1,
    });
    await retry.execute(async () => {
      if (++calls < 3) throw new Error('ECONNRESET');
      return 'ok';
    });

    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1, name: 'public-api' }, clock);
    bucket.tryTake();
    bucket.tryTake();
    const leaky = new LeakyBucket({ drainPerSecond: 1, queueSize: 0, name: 'public-api' }, clock);
    await leaky.acquire();
    await leaky.acquire().catch(() => undefined);

    const bulkhead = new Bulkhead({ upstream: 'user-service', maxConcurrent: 2, maxQueue: 1 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const running = [bulkhead.execute(() => held), bulkhead.execute(() => held)];
    const queued = bulkhead.execute(() => held);

    const expired = Deadline.at(0, clock);
    await deadlinePolicy(expired, { upstream: 'user-service' })
      .execute(async () => 'never')
      .catch(() => undefined);

    const balancer = new RoundRobinBalancer({ upstream: 'user-service', clock });
    const instances = [
      { id: 'u1', weight: 1 },
      { id: 'u2', weight: 1 },
    ];
    for (let i = 0; i < 4; i++) balancer.pick(instances);

    const outliers = new OutlierDetector({ upstream: 'user-service', clock });
    outliers.filter(instances);
    for (let i = 0; i < 5; i++) outliers.record('u2', false);

    await withFallback(fail, () => 'cached', { upstream: 'user-service' });

    const { resourceMetrics } = await reader.collect();
    const up = { 'mesh.upstream': 'user-service' };

    const state = metric(resourceMetrics, names.METRIC_CIRCUIT_BREAKER_STATE);
    expect(state.unit).toBe('{state}');
    expect(state.value(up)).toBe(2);
    expect(
      metric(resourceMetrics, names.METRIC_CIRCUIT_BREAKER_TRANSITIONS).value({
        ...up,
        'mesh.circuit_breaker.from_state': 'closed',
        'mesh.circuit_breaker.to_state': 'open',
      }),
    ).toBe(1);

    const callsMetric = metric(resourceMetrics, names.METRIC_CALLS);
    expect(callsMetric.unit).toBe('{call}');
    const breakerCalls = { ...up, 'mesh.policy': 'circuit_breaker' };
    expect(callsMetric.value({ ...breakerCalls, 'mesh.outcome': 'failure' })).toBe(20);
    expect(callsMetric.value({ ...breakerCalls, 'mesh.outcome': 'short_circuited' })).toBe(1);
    expect(
      callsMetric.value({ 'mesh.policy': 'adaptive_throttle', 'mesh.outcome': 'failure' }),
    ).toBe(9);
    expect(
      callsMetric.value({ ...up, 'mesh.policy': 'fallback', 'mesh.outcome': 'fallback' }),
    ).toBe(1);
    expect(
      metric(resourceMetrics, names.METRIC_ADAPTIVE_THROTTLE_PROBABILITY).value({
        'mesh.upstream': 'order-service',
      }),
    ).toBeCloseTo(0.9, 9); // (9 − 2·0) / (9 + 1)

    expect(metric(resourceMetrics, names.METRIC_RETRY_ATTEMPTS).value(up)).toBe(2);
    expect(metric(resourceMetrics, names.METRIC_RETRY_BUDGET_EXHAUSTED).value(up)).toBe(1);

    const decisions = metric(resourceMetrics, names.METRIC_RATE_LIMIT_DECISIONS);
    const api = { 'mesh.upstream': 'public-api' };
    expect(
      decisions.value({ ...api, 'mesh.policy': 'token_bucket', 'mesh.outcome': 'allowed' }),
    ).toBe(1);
    expect(
      decisions.value({ ...api, 'mesh.policy': 'token_bucket', 'mesh.outcome': 'rejected' }),
    ).toBe(1);
    expect(
      decisions.value({ ...api, 'mesh.policy': 'leaky_bucket', 'mesh.outcome': 'rejected' }),
    ).toBe(1);

    expect(metric(resourceMetrics, names.METRIC_BULKHEAD_IN_USE).value(up)).toBe(2);
    expect(metric(resourceMetrics, names.METRIC_BULKHEAD_QUEUED).value(up)).toBe(1);
    expect(metric(resourceMetrics, names.METRIC_DEADLINE_EXPIRATIONS).value(up)).toBe(1);

    const picks = metric(resourceMetrics, names.METRIC_BALANCER_PICKS);
    expect(picks.value({ ...up, 'mesh.balancer': 'round-robin', 'mesh.instance': 'u1' })).toBe(2);
    expect(picks.value({ ...up, 'mesh.balancer': 'round-robin', 'mesh.instance': 'u2' })).toBe(2);
    expect(
      metric(resourceMetrics, names.METRIC_OUTLIER_EJECTIONS).value({
        ...up,
        'mesh.instance': 'u2',
      }),
    ).toBe(1);

    release();
    await Promise.all([...running, queued]);
  });

  it('adds span events for retries, breaker transitions and fallbacks to the active span', async () => {
    const tracer = trace.getTracer('test');
    const breaker = new CircuitBreaker({
      upstream: 'user-service',
      requestVolumeThreshold: 1,
      clock: new ManualClock(),
    });
    const retry = new RetryPolicy({
      upstream: 'user-service',
      shouldRetry: (o) => !o.ok,
      maxAttempts: 2,
      baseDelayMs: 1,
      maxDelayMs: 1,
      retryAfterMs: () => undefined,
    });
    await tracer.startActiveSpan('GET /api/orders/1', async (span) => {
      await withFallback(
        () => retry.execute((signal) => breaker.execute(fail, signal)),
        () => 'degraded',
        { upstream: 'user-service' },
      );
      span.end();
    });
    const [span] = spans.getFinishedSpans();
    expect(span.events.map((e) => e.name)).toEqual([
      'mesh.circuit_breaker.transition',
      'mesh.retry',
      'mesh.fallback',
    ]);
    expect(span.events[0].attributes).toMatchObject({
      'mesh.circuit_breaker.from_state': 'closed',
      'mesh.circuit_breaker.to_state': 'open',
    });
    expect(span.events[1].attributes).toMatchObject({ 'mesh.retry.attempt': 1 });
    expect(span.events[2].attributes).toMatchObject({ 'mesh.error.code': 'circuit_open' });
  });
});
