/**
 * The native backends' port plan (ARCHITECTURE.md, docs/native-backends.md): every backend on
 * 127.0.0.1, each port shifted by the same offset so a second set (a test) can run beside the first.
 */
export interface BackendPorts {
  /** Collector OTLP/gRPC receiver, 4317. */
  collectorOtlpGrpc: number;
  /** Collector OTLP/HTTP receiver, 4318 — where `npm start -- --otlp` sends. */
  collectorOtlpHttp: number;
  /** Collector health_check extension, 13133. */
  collectorHealth: number;
  /** Collector's Prometheus exporter of the span metrics, 8889 (scraped as job `otel-collector`). */
  collectorSpanMetrics: number;
  /** Collector's own telemetry, 8888. */
  collectorSelfMetrics: number;
  /** Jaeger query API and UI, 16686. */
  jaegerQuery: number;
  /** Jaeger's own OTLP/gRPC receiver, 14317. */
  jaegerOtlpGrpc: number;
  /** Jaeger's own OTLP/HTTP receiver, 14318. */
  jaegerOtlpHttp: number;
  /** Jaeger's Thrift-over-HTTP receiver (the deprecated Jaeger exporter of the services), 14268. */
  jaegerThriftHttp: number;
  /** Jaeger query gRPC API, 16685. */
  jaegerQueryGrpc: number;
  /**
   * Jaeger's healthcheckv2 extension, 14269 — Jaeger v1's admin port, since the Collector holds
   * 13133 on the same host (in compose each has its own 13133).
   */
  jaegerHealth: number;
  /** Jaeger's own telemetry, 14270 (the Collector holds 8888). */
  jaegerSelfMetrics: number;
  prometheus: number;
  alertmanager: number;
  /** OpenSearch REST API, 9200. */
  opensearch: number;
  /** OpenSearch node transport, 9300 (single node: nothing joins it, but it binds). */
  opensearchTransport: number;
}

export const DEFAULT_BACKEND_PORTS: Readonly<BackendPorts> = Object.freeze({
  collectorOtlpGrpc: 4317,
  collectorOtlpHttp: 4318,
  collectorHealth: 13133,
  collectorSpanMetrics: 8889,
  collectorSelfMetrics: 8888,
  jaegerQuery: 16686,
  jaegerOtlpGrpc: 14317,
  jaegerOtlpHttp: 14318,
  jaegerThriftHttp: 14268,
  jaegerQueryGrpc: 16685,
  jaegerHealth: 14269,
  jaegerSelfMetrics: 14270,
  prometheus: 9090,
  alertmanager: 9093,
  opensearch: 9200,
  opensearchTransport: 9300,
});

/** The highest `--port-offset` that keeps every backend port below 65536. */
export const MAX_BACKEND_PORT_OFFSET = 65_535 - Math.max(...Object.values(DEFAULT_BACKEND_PORTS));

/** Every default port plus `offset`. */
export function backendPorts(offset: number): BackendPorts {
  const shifted = Object.entries(DEFAULT_BACKEND_PORTS).map(([key, port]) => [key, port + offset]);
  return Object.fromEntries(shifted) as unknown as BackendPorts;
}

/**
 * The `--port-offset` of the `npm run backends` an OTLP/HTTP URL points at: its port is one of the
 * two OTLP/HTTP receivers (Collector 4318, Jaeger 14318) plus the offset; the smaller such offset
 * wins. Undefined when the port fits neither (some other receiver).
 */
export function backendOffsetOf(otlpUrl: URL): number | undefined {
  const port = Number(otlpUrl.port || (otlpUrl.protocol === 'https:' ? 443 : 80));
  const receivers = [DEFAULT_BACKEND_PORTS.jaegerOtlpHttp, DEFAULT_BACKEND_PORTS.collectorOtlpHttp];
  const offsets = receivers
    .map((base) => port - base)
    .filter((o) => o >= 0 && o <= MAX_BACKEND_PORT_OFFSET);
  return offsets.length === 0 ? undefined : Math.min(...offsets);
}
