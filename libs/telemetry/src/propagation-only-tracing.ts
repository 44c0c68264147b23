import {
  context,
  diag,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  SpanKind,
  trace,
  TraceFlags,
} from '@opentelemetry/api';
import type {
  Context,
  Span,
  SpanOptions,
  Tracer,
  TracerOptions,
  TracerProvider,
} from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  RandomIdGenerator,
  SamplingDecision,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import type { IdGenerator, Sampler } from '@opentelemetry/sdk-trace-base';
import { envValue } from './trace-exporters';
import type { OtelEnv } from './trace-exporters';

/**
 * The sampler `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` name, read as the SDK reads them
 * (same names, same defaults, same diagnostics): `parentbased_always_on` when unset or unknown,
 * a ratio of 1 when the argument is blank, not a number or outside [0, 1].
 */
export function samplerFromEnv(env: OtelEnv): Sampler {
  // as the SDK's getStringFromEnv: blank is unset, anything else is taken as written (untrimmed)
  const raw = env['OTEL_TRACES_SAMPLER'];
  const name = raw === undefined || raw.trim() === '' ? undefined : raw;
  switch (name) {
    case undefined:
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(samplerRatio(env));
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatio(env)) });
    default:
      diag.error(
        `OTEL_TRACES_SAMPLER value "${name}" invalid, defaulting to "parentbased_always_on".`,
      );
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function samplerRatio(env: OtelEnv): number {
  const raw = envValue(env, 'OTEL_TRACES_SAMPLER_ARG');
  if (raw === undefined) {
    diag.error('OTEL_TRACES_SAMPLER_ARG is blank, defaulting to 1.');
    return 1;
  }
  const ratio = Number(raw);
  if (Number.isNaN(ratio)) {
    diag.warn(
      `Unknown value '${raw}' for OTEL_TRACES_SAMPLER_ARG, expected a number, using defaults`,
    );
    return 1;
  }
  if (ratio < 0 || ratio > 1) {
    diag.error(
      `OTEL_TRACES_SAMPLER_ARG=${ratio} was given, but it is out of range ([0..1]), defaulting to 1.`,
    );
    return 1;
  }
  return ratio;
}

/**
 * A tracer for a process that exports no spans: every span it starts is a non-recording span
 * that carries a real span context — a new span id, the parent's trace id (or a new one), the
 * parent's trace state, and the sampled flag the sampler decides, exactly as the SDK's tracer
 * decides them. So ids still reach `traceparent`, `traceresponse` and the logs, and sampling
 * decisions still travel downstream; what is skipped is building span objects (attributes,
 * timestamps, events) that no exporter would ever read.
 */
export class PropagationOnlyTracer implements Tracer {
  constructor(
    private readonly sampler: Sampler,
    private readonly ids: IdGenerator = new RandomIdGenerator(),
  ) {}

  startSpan(name: string, options: SpanOptions = {}, parent: Context = context.active()): Span {
    const ctx = options.root ? trace.deleteSpan(parent) : parent;
    if (isTracingSuppressed(ctx)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const parentContext = trace.getSpanContext(ctx);
    const child = parentContext !== undefined && isSpanContextValid(parentContext);
    const traceId = child ? parentContext.traceId : this.ids.generateTraceId();
    const spanId = this.ids.generateSpanId();
    const sampling = this.sampler.shouldSample(
      ctx,
      traceId,
      name,
      options.kind ?? SpanKind.INTERNAL,
      options.attributes ?? {},
      options.links ?? [],
    );
    return trace.wrapSpanContext({
      traceId,
      spanId,
      traceFlags:
        sampling.decision === SamplingDecision.RECORD_AND_SAMPLED
          ? TraceFlags.SAMPLED
          : TraceFlags.NONE,
      traceState: sampling.traceState ?? (child ? parentContext.traceState : undefined),
    });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    options: SpanOptions,
    ctx: Context,
    fn: F,
  ): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...rest: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = rest[rest.length - 1] as (span: Span) => ReturnType<F>;
    const options = rest.length > 1 ? (rest[0] as SpanOptions) : undefined;
    const parent =
      (rest.length > 2 ? (rest[1] as Context | undefined) : undefined) ?? context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(parent, span), fn, undefined, span);
  }
}

/** Hands the same {@link PropagationOnlyTracer} to every instrumentation scope. */
export class PropagationOnlyTracerProvider implements TracerProvider {
  private readonly tracer: PropagationOnlyTracer;

  constructor(sampler: Sampler, ids?: IdGenerator) {
    this.tracer = new PropagationOnlyTracer(sampler, ids);
  }

  getTracer(_name: string, _version?: string, _options?: TracerOptions): Tracer {
    return this.tracer;
  }
}
