import { join } from 'node:path';
import { httpReady, startEngineProcess } from './engine-process';
import type { EngineProcess } from './engine-process';
import type { BackendPorts } from './ports';

/** The ports the Collector listens on, and Jaeger's OTLP/gRPC port it sends traces to. */
export type CollectorPorts = Pick<
  BackendPorts,
  | 'collectorOtlpGrpc'
  | 'collectorOtlpHttp'
  | 'collectorHealth'
  | 'collectorSpanMetrics'
  | 'collectorSelfMetrics'
  | 'jaegerOtlpGrpc'
>;

/** How to run the stack's Collector natively. */
export interface CollectorOptions {
  repoRoot: string;
  /** The built `otelcol-mesh` (engines.ts `requireBuiltEngine('otelcol', …)`). */
  executable: string;
  ports: CollectorPorts;
  /** Address every listener binds, and where Jaeger is reached. Default 127.0.0.1. */
  host?: string;
  /** `collector.log` goes here. */
  runDir: string;
  /** Default 60000 ms. */
  readyTimeoutMs?: number;
}

/** The stack's one Collector config: compose mounts it, the native run reads it in place. */
export function collectorConfigFile(repoRoot: string): string {
  return join(repoRoot, 'infra', 'otel-collector', 'config.yaml');
}

/**
 * The environment the Collector config reads its listeners and its Jaeger endpoint from
 * (`${env:VAR:-compose default}` in infra/otel-collector/config.yaml).
 */
export function collectorEnv(ports: CollectorPorts, host = '127.0.0.1'): Record<string, string> {
  return {
    OTLP_GRPC_ENDPOINT: `${host}:${ports.collectorOtlpGrpc}`,
    OTLP_HTTP_ENDPOINT: `${host}:${ports.collectorOtlpHttp}`,
    JAEGER_OTLP_ENDPOINT: `${host}:${ports.jaegerOtlpGrpc}`,
    OTELCOL_SPAN_METRICS_ENDPOINT: `${host}:${ports.collectorSpanMetrics}`,
    OTELCOL_HEALTH_CHECK_ENDPOINT: `${host}:${ports.collectorHealth}`,
    OTELCOL_METRICS_HOST: host,
    OTELCOL_METRICS_PORT: String(ports.collectorSelfMetrics),
  };
}

/** Starts the Collector with the stack's config and waits until its health_check says available. */
export function startCollector(options: CollectorOptions): Promise<EngineProcess> {
  const host = options.host ?? '127.0.0.1';
  return startEngineProcess({
    name: 'otel-collector',
    executable: options.executable,
    args: [`--config=file:${collectorConfigFile(options.repoRoot)}`],
    env: collectorEnv(options.ports, host),
    logFile: join(options.runDir, 'otel-collector.log'),
    ready: httpReady(`http://${host}:${options.ports.collectorHealth}/`),
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
  });
}
