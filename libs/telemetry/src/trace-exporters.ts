import { JaegerExporter } from '@opentelemetry/exporter-jaeger';
import { OTLPTraceExporter as OtlpJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/** The standard `OTEL_*` environment variables, as `process.env` holds them. */
export type OtelEnv = Readonly<Record<string, string | undefined>>;

/** The OTLP encodings this lib sends over HTTP. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** One trace exporter chosen from the environment. */
export type TraceExporterSpec =
  | { readonly kind: 'otlp'; readonly protocol: OtlpProtocol; readonly url: string }
  | { readonly kind: 'jaeger'; readonly endpoint: string }
  | { readonly kind: 'console' };

/** What {@link planTraceExport} decided, and what it could not honour. */
export interface TraceExportPlan {
  readonly exporters: readonly TraceExporterSpec[];
  /** Unsupported values, each to be reported once at start-up. */
  readonly warnings: readonly string[];
}

export const DEFAULT_OTLP_TRACES_URL = 'http://localhost:4318/v1/traces';
export const DEFAULT_JAEGER_ENDPOINT = 'http://localhost:14268/api/traces';

/** A set, non-blank variable, trimmed (the SDK treats blank as unset too). */
export function envValue(env: OtelEnv, key: string): string | undefined {
  const value = env[key]?.trim();
  return value ? value : undefined;
}

/**
 * Chooses the trace exporters from `OTEL_TRACES_EXPORTER` (a comma list of `otlp`, `jaeger`,
 * `console`, `none`). Unset, it means `otlp` when an OTLP endpoint is configured and nothing
 * otherwise: a service started without a backend exports nothing and says nothing about it.
 */
export function planTraceExport(env: OtelEnv): TraceExportPlan {
  const warnings: string[] = [];
  const requested = envValue(env, 'OTEL_TRACES_EXPORTER');
  const otlpConfigured =
    envValue(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== undefined ||
    envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') !== undefined;
  const names = requested
    ? [...new Set(requested.split(',').map((name) => name.trim().toLowerCase()))].filter(Boolean)
    : otlpConfigured
      ? ['otlp']
      : [];
  if (names.includes('none')) {
    if (names.length > 1) {
      warnings.push(`OTEL_TRACES_EXPORTER="${requested}" contains "none": no traces are exported`);
    }
    return { exporters: [], warnings };
  }
  const exporters: TraceExporterSpec[] = [];
  for (const name of names) {
    switch (name) {
      case 'otlp':
        exporters.push({ kind: 'otlp', protocol: otlpProtocol(env, warnings), url: otlpUrl(env) });
        break;
      case 'jaeger':
        exporters.push({
          kind: 'jaeger',
          endpoint: envValue(env, 'OTEL_EXPORTER_JAEGER_ENDPOINT') ?? DEFAULT_JAEGER_ENDPOINT,
        });
        break;
      case 'console':
        exporters.push({ kind: 'console' });
        break;
      default:
        warnings.push(
          `OTEL_TRACES_EXPORTER value "${name}" is not supported (use otlp, jaeger, console or none): ignored`,
        );
    }
  }
  return { exporters, warnings };
}

function otlpProtocol(env: OtelEnv, warnings: string[]): OtlpProtocol {
  const protocol =
    envValue(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    envValue(env, 'OTEL_EXPORTER_OTLP_PROTOCOL') ??
    'http/protobuf';
  if (protocol === 'http/protobuf' || protocol === 'http/json') return protocol;
  warnings.push(
    `OTLP protocol "${protocol}" is not supported (use http/protobuf or http/json): using http/protobuf`,
  );
  return 'http/protobuf';
}

/**
 * The traces URL as the OTLP exporter specification defines it: the signal-specific endpoint
 * verbatim, else the base endpoint with `v1/traces` appended.
 */
function otlpUrl(env: OtelEnv): string {
  const specific = envValue(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  if (specific) return specific;
  const base = envValue(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!base) return DEFAULT_OTLP_TRACES_URL;
  return `${base.endsWith('/') ? base : `${base}/`}v1/traces`;
}

/** How warnings name an exporter's destination. */
export function describeExporter(spec: TraceExporterSpec): string {
  switch (spec.kind) {
    case 'otlp':
      return `otlp (${spec.protocol}) ${spec.url}`;
    case 'jaeger':
      return `jaeger ${spec.endpoint}`;
    case 'console':
      return 'console';
  }
}

/**
 * Builds the exporter for a spec. OTLP exporters still read `OTEL_EXPORTER_OTLP_*_HEADERS`,
 * `_TIMEOUT` and `_COMPRESSION`; the Jaeger exporter `OTEL_EXPORTER_JAEGER_USER`/`_PASSWORD`.
 */
export function createTraceExporter(spec: TraceExporterSpec): SpanExporter {
  switch (spec.kind) {
    case 'otlp':
      return spec.protocol === 'http/json'
        ? new OtlpJsonTraceExporter({ url: spec.url })
        : new OtlpProtoTraceExporter({ url: spec.url });
    case 'jaeger':
      return new JaegerExporter({ endpoint: spec.endpoint });
    case 'console':
      return new ConsoleSpanExporter();
  }
}
