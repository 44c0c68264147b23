import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** A metric reader a test collects from on demand. */
export class OnDemandReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface InMemoryTelemetry {
  /** Finished spans, in the order they ended. */
  readonly spans: InMemorySpanExporter;
  /** Collects the current metrics. */
  collect(): Promise<ResourceMetrics>;
  /** Shuts the providers down and unregisters them from the API. */
  uninstall(): Promise<void>;
}

/**
 * Registers a real tracer provider (async-local-storage context, W3C propagation) and meter
 * provider with in-memory readers, for tests that run in the vitest process.
 */
export function installInMemoryTelemetry(): InMemoryTelemetry {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new NodeTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spans)],
  });
  tracerProvider.register();
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans,
    async collect() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics;
    },
    async uninstall() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
      trace.disable();
      context.disable();
      propagation.disable();
      metrics.disable();
    },
  };
}
