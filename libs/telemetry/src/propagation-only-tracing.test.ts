import {
  context,
  diag,
  DiagLogLevel,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type { DiagLogger, Span, SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { suppressTracing, TraceState, W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PropagationOnlyTracer,
  PropagationOnlyTracerProvider,
  samplerFromEnv,
} from './propagation-only-tracing';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

const tracer = (env: Record<string, string> = {}) => new PropagationOnlyTracer(samplerFromEnv(env));
const under = (parent: SpanContext) => trace.setSpanContext(ROOT_CONTEXT, parent);
const remote = (traceFlags: number, traceState?: TraceState): SpanContext => ({
  traceId: TRACE_ID,
  spanId: PARENT_ID,
  traceFlags,
  isRemote: true,
  traceState,
});

describe('PropagationOnlyTracer', () => {
  it('starts a trace: new valid ids, sampled by default, nothing recorded', () => {
    const span = tracer().startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    const ids = span.spanContext();
    expect(isSpanContextValid(ids)).toBe(true);
    expect(ids.traceFlags).toBe(TraceFlags.SAMPLED);
    expect(ids.isRemote).toBeFalsy();
    expect(span.isRecording()).toBe(false);
    // the span API still answers, and does nothing
    span.setAttribute('http.route', '/orders/:id').addEvent('x').end();
    const other = tracer().startSpan('GET', {}, ROOT_CONTEXT).spanContext();
    expect(other.traceId).not.toBe(ids.traceId);
  });

  it('continues the parent: same trace id and trace state, its own span id', () => {
    const state = new TraceState('vendor=a');
    const span = tracer().startSpan('GET', {}, under(remote(TraceFlags.SAMPLED, state)));
    const ids = span.spanContext();
    expect(ids.traceId).toBe(TRACE_ID);
    expect(ids.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ids.spanId).not.toBe(PARENT_ID);
    expect(ids.traceFlags).toBe(TraceFlags.SAMPLED);
    expect(ids.traceState?.serialize()).toBe('vendor=a');
  });

  it('takes the sampled flag from the sampler, as the SDK does', () => {
    // parentbased_always_on (the default) honours an unsampled caller
    expect(
      tracer()
        .startSpan('GET', {}, under(remote(TraceFlags.NONE)))
        .spanContext().traceFlags,
    ).toBe(TraceFlags.NONE);
    expect(
      tracer({ OTEL_TRACES_SAMPLER: 'always_off' }).startSpan('GET', {}, ROOT_CONTEXT).spanContext()
        .traceFlags,
    ).toBe(TraceFlags.NONE);
    expect(
      tracer({ OTEL_TRACES_SAMPLER: 'always_on' })
        .startSpan('GET', {}, under(remote(TraceFlags.NONE)))
        .spanContext().traceFlags,
    ).toBe(TraceFlags.SAMPLED);
    const ratioZero = tracer({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' });
    expect(ratioZero.startSpan('GET', {}, ROOT_CONTEXT).spanContext().traceFlags).toBe(
      TraceFlags.NONE,
    );
  });

  it('starts a new trace for a root span and nothing while tracing is suppressed', () => {
    const parent = under(remote(TraceFlags.SAMPLED));
    expect(tracer().startSpan('GET', { root: true }, parent).spanContext().traceId).not.toBe(
      TRACE_ID,
    );
    const suppressed = tracer().startSpan('GET', {}, suppressTracing(parent));
    expect(isSpanContextValid(suppressed.spanContext())).toBe(false);
  });

  describe('with a context manager', () => {
    const manager = new AsyncLocalStorageContextManager();
    beforeAll(() => {
      context.setGlobalContextManager(manager.enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    });
    afterAll(() => {
      context.disable();
      propagation.disable();
    });

    it('makes the span active in startActiveSpan (every overload) and returns what fn returns', async () => {
      const t = tracer();
      const seen: Array<[Span, Span | undefined]> = [];
      const record = (span: Span) => {
        seen.push([span, trace.getActiveSpan()]);
        return span.spanContext().spanId;
      };
      expect(t.startActiveSpan('a', record)).toMatch(/^[0-9a-f]{16}$/);
      t.startActiveSpan('b', { kind: SpanKind.CLIENT }, record);
      const parent = under(remote(TraceFlags.SAMPLED));
      t.startActiveSpan('c', {}, parent, record);
      await t.startActiveSpan('d', async (span) => {
        await new Promise((resolve) => setImmediate(resolve));
        expect(trace.getActiveSpan()).toBe(span);
      });
      for (const [span, active] of seen) expect(active).toBe(span);
      expect(seen[2]?.[0].spanContext().traceId).toBe(TRACE_ID);
      expect(trace.getActiveSpan()).toBeUndefined();
    });

    it('puts its ids and flag into traceparent', () => {
      const span = tracer().startSpan('GET', {}, under(remote(TraceFlags.SAMPLED)));
      const headers: Record<string, string> = {};
      propagation.inject(trace.setSpan(ROOT_CONTEXT, span), headers);
      expect(headers['traceparent']).toBe(`00-${TRACE_ID}-${span.spanContext().spanId}-01`);
    });
  });

  it('is handed to every scope by its provider', () => {
    const provider = new PropagationOnlyTracerProvider(samplerFromEnv({}));
    expect(provider.getTracer('a')).toBe(provider.getTracer('b', '1.0.0'));
  });
});

describe('samplerFromEnv', () => {
  const name = (env: Record<string, string>) => samplerFromEnv(env).toString();

  it('reads the names the SDK reads, parentbased_always_on by default', () => {
    expect(name({})).toMatch(/^ParentBased\{root=AlwaysOnSampler/);
    expect(name({ OTEL_TRACES_SAMPLER: ' ' })).toMatch(/^ParentBased\{root=AlwaysOnSampler/);
    expect(name({ OTEL_TRACES_SAMPLER: 'always_on' })).toBe('AlwaysOnSampler');
    expect(name({ OTEL_TRACES_SAMPLER: 'always_off' })).toBe('AlwaysOffSampler');
    expect(name({ OTEL_TRACES_SAMPLER: 'parentbased_always_off' })).toMatch(
      /^ParentBased\{root=AlwaysOffSampler/,
    );
    expect(name({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toBe(
      'TraceIdRatioBased{0.25}',
    );
    expect(
      name({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }),
    ).toMatch(/^ParentBased\{root=TraceIdRatioBased\{0.5\}/);
  });

  describe('bad values fall back to the defaults, with a diagnostic', () => {
    const messages: string[] = [];
    const logger: DiagLogger = {
      error: (message) => void messages.push(message),
      warn: (message) => void messages.push(message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    };
    beforeAll(() => {
      diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    });
    afterAll(() => diag.disable());

    it('an unknown sampler, a blank, non-numeric or out-of-range ratio', () => {
      expect(name({ OTEL_TRACES_SAMPLER: 'zipkin' })).toMatch(/^ParentBased\{root=AlwaysOnSampler/);
      for (const arg of [undefined, 'abc', '1.5']) {
        const env: Record<string, string> = { OTEL_TRACES_SAMPLER: 'traceidratio' };
        if (arg !== undefined) env['OTEL_TRACES_SAMPLER_ARG'] = arg;
        expect(name(env)).toBe('TraceIdRatioBased{1}');
      }
      expect(messages).toHaveLength(4);
      expect(messages[0]).toContain('OTEL_TRACES_SAMPLER value "zipkin" invalid');
    });
  });
});
