import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createTraceExporter, describeExporter, planTraceExport } from './trace-exporters';

describe('planTraceExport', () => {
  it('with nothing configured exports nothing and warns about nothing', () => {
    expect(planTraceExport({})).toEqual({ exporters: [], warnings: [] });
  });

  it('with only an OTLP endpoint sends http/protobuf to <endpoint>/v1/traces', () => {
    expect(planTraceExport({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual({
      exporters: [
        { kind: 'otlp', protocol: 'http/protobuf', url: 'http://collector:4318/v1/traces' },
      ],
      warnings: [],
    });
  });

  it('uses a traces-specific endpoint verbatim', () => {
    const plan = planTraceExport({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://ignored:4318/',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/custom',
    });
    expect(plan.exporters).toEqual([
      { kind: 'otlp', protocol: 'http/protobuf', url: 'http://jaeger:4318/custom' },
    ]);
  });

  it('switches to http/json when the (traces) protocol says so', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' };
    expect(
      planTraceExport({ ...base, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).exporters[0],
    ).toMatchObject({ protocol: 'http/json', url: 'http://c:4318/v1/traces' });
    expect(
      planTraceExport({
        ...base,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      }).exporters[0],
    ).toMatchObject({ protocol: 'http/json' });
  });

  it('warns about grpc and falls back to http/protobuf', () => {
    const plan = planTraceExport({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    expect(plan.exporters).toEqual([
      { kind: 'otlp', protocol: 'http/protobuf', url: 'http://localhost:4318/v1/traces' },
    ]);
    expect(plan.warnings).toEqual([expect.stringContaining('"grpc" is not supported')]);
  });

  it('honours an explicit comma list, de-duplicated and case-insensitive', () => {
    const plan = planTraceExport({ OTEL_TRACES_EXPORTER: ' Jaeger, console ,jaeger' });
    expect(plan.exporters).toEqual([
      { kind: 'jaeger', endpoint: 'http://localhost:14268/api/traces' },
      { kind: 'console' },
    ]);
  });

  it('sends Jaeger Thrift to OTEL_EXPORTER_JAEGER_ENDPOINT', () => {
    const plan = planTraceExport({
      OTEL_TRACES_EXPORTER: 'jaeger',
      OTEL_EXPORTER_JAEGER_ENDPOINT: 'http://jaeger:14268/api/traces',
    });
    expect(plan.exporters).toEqual([
      { kind: 'jaeger', endpoint: 'http://jaeger:14268/api/traces' },
    ]);
  });

  it('"none" wins even over a configured endpoint, with a warning when mixed', () => {
    expect(
      planTraceExport({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:1' }),
    ).toEqual({ exporters: [], warnings: [] });
    const mixed = planTraceExport({ OTEL_TRACES_EXPORTER: 'otlp,none' });
    expect(mixed.exporters).toEqual([]);
    expect(mixed.warnings).toHaveLength(1);
  });

  it('ignores an unsupported exporter with a warning and keeps the others', () => {
    const plan = planTraceExport({ OTEL_TRACES_EXPORTER: 'zipkin,console' });
    expect(plan.exporters).toEqual([{ kind: 'console' }]);
    expect(plan.warnings).toEqual([expect.stringContaining('"zipkin" is not supported')]);
  });

  it('treats blank values as unset', () => {
    expect(
      planTraceExport({ OTEL_TRACES_EXPORTER: ' ', OTEL_EXPORTER_OTLP_ENDPOINT: '' }).exporters,
    ).toEqual([]);
  });
});

describe('createTraceExporter', () => {
  it('builds the exporter class each spec names', async () => {
    const exporters = [
      createTraceExporter({
        kind: 'otlp',
        protocol: 'http/protobuf',
        url: 'http://127.0.0.1:1/v1/traces',
      }),
      createTraceExporter({
        kind: 'otlp',
        protocol: 'http/json',
        url: 'http://127.0.0.1:1/v1/traces',
      }),
      createTraceExporter({ kind: 'jaeger', endpoint: 'http://127.0.0.1:1/api/traces' }),
      createTraceExporter({ kind: 'console' }),
    ];
    expect(exporters[0]).toBeInstanceOf(OtlpProtoTraceExporter);
    expect(exporters[1]).toBeInstanceOf(OtlpJsonTraceExporter);
    expect(exporters[2]).toBeInstanceOf(JaegerExporter);
    expect(exporters[3]).toBeInstanceOf(ConsoleSpanExporter);
    await Promise.all(exporters.map((exporter) => exporter.shutdown()));
  });

  it('names each destination for warnings', () => {
    expect(
      describeExporter({ kind: 'otlp', protocol: 'http/json', url: 'http://c/v1/traces' }),
    ).toBe('otlp (http/json) http://c/v1/traces');
    expect(describeExporter({ kind: 'jaeger', endpoint: 'http://j/api/traces' })).toBe(
      'jaeger http://j/api/traces',
    );
    expect(describeExporter({ kind: 'console' })).toBe('console');
  });
});
