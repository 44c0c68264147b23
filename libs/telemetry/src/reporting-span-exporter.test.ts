import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ReportingSpanExporter } from './reporting-span-exporter';
import { wasReported } from './telemetry-warnings';

/** An exporter whose next results the test scripts. */
class ScriptedExporter implements SpanExporter {
  results: ExportResult[] = [];
  shutdowns = 0;
  export(_spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    done(this.results.shift() ?? { code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {
    this.shutdowns++;
  }
}

const failed = (message: string): ExportResult => ({
  code: ExportResultCode.FAILED,
  error: new Error(message),
});
const ok: ExportResult = { code: ExportResultCode.SUCCESS };

function setup() {
  const inner = new ScriptedExporter();
  const warnings: string[] = [];
  const exporter = new ReportingSpanExporter(inner, 'otlp http://127.0.0.1:1/v1/traces', (m) =>
    warnings.push(m),
  );
  const exportOnce = () => new Promise<ExportResult>((resolve) => exporter.export([], resolve));
  return { inner, warnings, exporter, exportOnce };
}

describe('ReportingSpanExporter', () => {
  it('when the backend is down for many batches, warns once', async () => {
    const { inner, warnings, exportOnce } = setup();
    inner.results = Array.from({ length: 20 }, () => failed('connect ECONNREFUSED'));
    for (let i = 0; i < 20; i++) await exportOnce();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('trace export to otlp http://127.0.0.1:1/v1/traces failed');
    expect(warnings[0]).toContain('connect ECONNREFUSED');
  });

  it('reports the recovery once, and a later outage again', async () => {
    const { inner, warnings, exportOnce } = setup();
    inner.results = [failed('down'), failed('down'), ok, ok, failed('down again')];
    for (let i = 0; i < 5; i++) await exportOnce();
    expect(warnings).toHaveLength(3);
    expect(warnings[1]).toBe('trace export to otlp http://127.0.0.1:1/v1/traces recovered');
    expect(warnings[2]).toContain('down again');
  });

  it('passes results through and marks the error as reported', async () => {
    const { inner, exportOnce } = setup();
    inner.results = [failed('down'), { code: ExportResultCode.FAILED }];
    const first = await exportOnce();
    const second = await exportOnce();
    expect(first.code).toBe(ExportResultCode.FAILED);
    expect(wasReported(first.error)).toBe(true);
    // a failure without an error still carries one, so the SDK error handler can skip it
    expect(second.error).toBeInstanceOf(Error);
    expect(wasReported(second.error)).toBe(true);
    expect((await exportOnce()).code).toBe(ExportResultCode.SUCCESS);
  });

  it('shuts the wrapped exporter down', async () => {
    const { inner, exporter } = setup();
    await exporter.shutdown();
    await exporter.forceFlush();
    expect(inner.shutdowns).toBe(1);
  });
});
