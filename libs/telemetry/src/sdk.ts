import {
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  CompositePropagator,
} from '@opentelemetry/core';
import { trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createBaggageSpanProcessor } from './baggage-attributes';
import { installDiagnostics } from './diagnostics';
import { meshInstrumentations } from './instrumentations';
import { createPrometheusReader, releasePrometheusReader } from './metrics';
import { PropagationOnlyTracerProvider, samplerFromEnv } from './propagation-only-tracing';
import { createResource } from './resource';
import { serviceIdentity } from './service-identity';
import { reportTelemetryWarning } from './telemetry-warnings';
import {
  createTraceExporter,
  describeExporter,
  envValue,
  planTraceExport,
} from './trace-exporters';
import type { OtelEnv } from './trace-exporters';
import { ReportingSpanExporter } from './reporting-span-exporter';

/** Where the SDK is in its life. */
export type TelemetryStatus = 'not-started' | 'disabled' | 'running' | 'shut-down';

let status: TelemetryStatus = 'not-started';
let sdk: NodeSDK | undefined;
let shuttingDown: Promise<void> | undefined;

/** Where this process's telemetry SDK is in its life (`not-started` when register was not preloaded). */
export function telemetryStatus(): TelemetryStatus {
  return status;
}

/** `OTEL_SDK_DISABLED`, read as the SDK reads it: only `true` (any case) disables. */
export function sdkDisabled(env: OtelEnv): boolean {
  return envValue(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true';
}

/**
 * Starts the OpenTelemetry SDK once per process (later calls return the current status). Meant
 * to run from `--require @mesh/telemetry/register`, before the app loads http, express or undici.
 *
 * Traces always get ids and propagate (W3C tracecontext + baggage), sampled by
 * `OTEL_TRACES_SAMPLER`; they are exported only where `OTEL_TRACES_EXPORTER` / an OTLP endpoint
 * says. Metrics are read by the Prometheus exporter behind {@link metricsRequestHandler}.
 * With `OTEL_SDK_DISABLED=true` nothing starts.
 *
 * @param env the `OTEL_*` variables; default `process.env`
 */
export function startTelemetry(env: OtelEnv = process.env): TelemetryStatus {
  if (status !== 'not-started') return status;
  if (sdkDisabled(env)) {
    status = 'disabled';
    return status;
  }
  installDiagnostics(envValue(env, 'OTEL_LOG_LEVEL') === undefined);

  const plan = planTraceExport(env);
  for (const warning of plan.warnings) reportTelemetryWarning(warning);
  const spanProcessors: SpanProcessor[] = plan.exporters.map(
    (spec) =>
      new BatchSpanProcessor(
        new ReportingSpanExporter(
          createTraceExporter(spec),
          describeExporter(spec),
          reportTelemetryWarning,
        ),
      ),
  );
  const exporting = spanProcessors.length > 0;
  // first, so baggage is on a span before any other processor sees it start
  if (exporting) spanProcessors.unshift(createBaggageSpanProcessor());
  const sampler = samplerFromEnv(env);

  sdk = new NodeSDK({
    resource: createResource(serviceIdentity()),
    autoDetectResources: false,
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    sampler,
    // Without an exporter NodeSDK registers no tracer provider (an empty list does not fall back
    // to OTEL_TRACES_EXPORTER); the propagation-only one is registered below instead.
    spanProcessors,
    metricReaders: [createPrometheusReader()],
    // logs leave the process as JSON lines on stdout, not through the OpenTelemetry logs SDK
    logRecordProcessors: [],
    instrumentations: meshInstrumentations(),
  });
  try {
    sdk.start();
    // Without an exporter nothing would ever read a span's attributes, events or timings: spans
    // are only their ids (traceparent, traceresponse, log lines) and sampled flag, so they are
    // not built at all (see propagation-only-tracing.ts and the Cost section of docs/telemetry.md).
    if (!exporting) trace.setGlobalTracerProvider(new PropagationOnlyTracerProvider(sampler));
    status = 'running';
  } catch (error) {
    // telemetry must never keep a service from starting
    reportTelemetryWarning('OpenTelemetry SDK failed to start; running without it', error);
    sdk = undefined;
    releasePrometheusReader();
    status = 'disabled';
  }
  return status;
}

/** Options of {@link shutdownTelemetry}. */
export interface ShutdownTelemetryOptions {
  /** Upper bound for flushing spans and shutting down, in milliseconds. Default: 5000. */
  timeoutMs?: number;
}

/**
 * Flushes pending spans and shuts the SDK down, waiting at most `timeoutMs`. Never throws;
 * a failure or a timeout becomes a telemetry warning. Safe to call more than once and when the
 * SDK never started.
 */
export function shutdownTelemetry(options: ShutdownTelemetryOptions = {}): Promise<void> {
  if (shuttingDown) return shuttingDown;
  const running = sdk;
  if (!running) return Promise.resolve();
  sdk = undefined;
  status = 'shut-down';
  releasePrometheusReader();
  const timeoutMs = options.timeoutMs ?? 5000;
  shuttingDown = new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      reportTelemetryWarning(
        `telemetry shutdown did not finish within ${timeoutMs} ms: unsent spans are dropped`,
      );
      resolve();
    }, timeoutMs);
    timer.unref();
    running.shutdown().then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reportTelemetryWarning('telemetry shutdown failed', error);
        resolve();
      },
    );
  });
  return shuttingDown;
}
