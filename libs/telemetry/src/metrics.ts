import type { IncomingMessage, ServerResponse } from 'node:http';
import { metrics } from '@opentelemetry/api';
import type { Meter } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { describe } from './diagnostics';
import { MESH_METER_NAME } from './metric-names';
import { mergeFamilies } from './prometheus-families';
import { withUnitSuffixes } from './prometheus-names';
import { reportTelemetryWarning } from './telemetry-warnings';

let prometheus: PrometheusExporter | undefined;
// scope labels are put on the series by mergeFamilies, so the serializer must not add them
const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
const reportedConflicts = new Set<string>();

/** Prometheus text exposition format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * The SDK's metric reader: a Prometheus exporter that does not start its own server, so the
 * admin server serves it through {@link metricsRequestHandler}.
 */
export function createPrometheusReader(): PrometheusExporter {
  prometheus = new PrometheusExporter({ preventServerStart: true });
  return prometheus;
}

/** Forgets the reader once the SDK shut down: `/metrics` then answers like a disabled SDK. */
export function releasePrometheusReader(): void {
  prometheus = undefined;
}

/** What `/metrics` answers while no SDK runs: valid, empty Prometheus text. */
export const METRICS_DISABLED_BODY =
  '# OpenTelemetry SDK not running (OTEL_SDK_DISABLED=true or @mesh/telemetry/register not preloaded): no metrics\n';

/**
 * Serves the Prometheus text exposition of every metric of this process, names carrying their
 * unit (`http_server_request_duration_seconds`). Mount it at `GET /metrics`. Without a running
 * SDK it answers 200 with a single comment line.
 */
export function metricsRequestHandler(_request: IncomingMessage, response: ServerResponse): void {
  response.statusCode = 200;
  response.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
  const reader = prometheus;
  if (!reader) {
    response.end(METRICS_DISABLED_BODY);
    return;
  }
  reader.collect().then(
    ({ resourceMetrics, errors }) => {
      for (const error of errors) {
        reportTelemetryWarning(`metric collection error: ${describe(error)}`, error);
      }
      const merged = mergeFamilies(withUnitSuffixes(resourceMetrics));
      for (const name of merged.conflicts) {
        if (reportedConflicts.has(name)) continue;
        reportedConflicts.add(name);
        reportTelemetryWarning(
          `metric ${name} is created with different types by several instrumentation scopes: only the first is served`,
        );
      }
      response.end(serializer.serialize(merged.resourceMetrics));
    },
    (error: unknown) => {
      response.end(`# failed to collect metrics: ${describe(error)}\n`);
    },
  );
}

/**
 * A meter for the mesh's own instruments (through the API: a no-op meter when the SDK is off).
 *
 * @param name instrumentation scope name; default `observable-mesh`
 * @param version instrumentation scope version; default none
 */
export function meter(name: string = MESH_METER_NAME, version?: string): Meter {
  return metrics.getMeter(name, version);
}
