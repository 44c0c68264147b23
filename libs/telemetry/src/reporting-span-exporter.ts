import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe } from './diagnostics';
import { markReported } from './telemetry-warnings';

/**
 * Wraps a span exporter so that an unreachable backend costs one warning, not one per batch:
 * the first failure is reported, then nothing until an export succeeds again, which is reported
 * as a recovery. Results pass through unchanged (failed batches are still dropped by the
 * processor); errors reported here are marked so the SDK's global error handler skips them.
 */
export class ReportingSpanExporter implements SpanExporter {
  private failing = false;

  /**
   * @param inner the exporter doing the work
   * @param target what to call the destination in warnings, e.g. `otlp http://collector:4318/v1/traces`
   * @param report where warnings go
   */
  constructor(
    private readonly inner: SpanExporter,
    private readonly target: string,
    private readonly report: (message: string, error?: Error) => void,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => resultCallback(this.observe(result)));
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  private observe(result: ExportResult): ExportResult {
    if (result.code === ExportResultCode.SUCCESS) {
      if (this.failing) {
        this.failing = false;
        this.report(`trace export to ${this.target} recovered`);
      }
      return result;
    }
    const error = result.error ?? new Error('span export failed');
    markReported(error);
    if (!this.failing) {
      this.failing = true;
      this.report(
        `trace export to ${this.target} failed: ${describe(error)} ` +
          '(spans are dropped until it recovers; further failures are not reported)',
        error,
      );
    }
    return { code: result.code, error };
  }
}
