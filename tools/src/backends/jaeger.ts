import { join } from 'node:path';
import { httpReady, startEngineProcess } from './engine-process';
import type { EngineProcess } from './engine-process';
import type { BackendPorts } from './ports';

/** The ports Jaeger listens on. */
export type JaegerPorts = Pick<
  BackendPorts,
  | 'jaegerQuery'
  | 'jaegerQueryGrpc'
  | 'jaegerOtlpGrpc'
  | 'jaegerOtlpHttp'
  | 'jaegerThriftHttp'
  | 'jaegerHealth'
  | 'jaegerSelfMetrics'
>;

/** How to run the stack's Jaeger v2 natively. */
export interface JaegerOptions {
  repoRoot: string;
  /** The built `jaeger` (engines.ts `requireBuiltEngine('jaeger', …)`). */
  executable: string;
  ports: JaegerPorts;
  /** Default 127.0.0.1. */
  host?: string;
  /** `jaeger.log` goes here. */
  runDir: string;
  /** Default 60000 ms. */
  readyTimeoutMs?: number;
}

/** The stack's one Jaeger config: compose mounts it, the native run reads it in place. */
export function jaegerConfigFile(repoRoot: string): string {
  return join(repoRoot, 'infra', 'jaeger', 'config.yaml');
}

/** The environment infra/jaeger/config.yaml reads its listeners and file paths from. */
export function jaegerEnv(
  repoRoot: string,
  ports: JaegerPorts,
  host = '127.0.0.1',
): Record<string, string> {
  return {
    JAEGER_QUERY_ENDPOINT: `${host}:${ports.jaegerQuery}`,
    JAEGER_QUERY_GRPC_ENDPOINT: `${host}:${ports.jaegerQueryGrpc}`,
    JAEGER_OTLP_GRPC_ENDPOINT: `${host}:${ports.jaegerOtlpGrpc}`,
    JAEGER_OTLP_HTTP_ENDPOINT: `${host}:${ports.jaegerOtlpHttp}`,
    JAEGER_THRIFT_HTTP_ENDPOINT: `${host}:${ports.jaegerThriftHttp}`,
    JAEGER_HEALTH_CHECK_ENDPOINT: `${host}:${ports.jaegerHealth}`,
    JAEGER_METRICS_HOST: host,
    JAEGER_METRICS_PORT: String(ports.jaegerSelfMetrics),
    JAEGER_UI_CONFIG: join(repoRoot, 'infra', 'jaeger', 'ui-config.json'),
  };
}

/** Starts Jaeger with the stack's config and waits until its query API answers. */
export function startJaeger(options: JaegerOptions): Promise<EngineProcess> {
  const host = options.host ?? '127.0.0.1';
  return startEngineProcess({
    name: 'jaeger',
    executable: options.executable,
    args: [`--config=file:${jaegerConfigFile(options.repoRoot)}`],
    env: jaegerEnv(options.repoRoot, options.ports, host),
    logFile: join(options.runDir, 'jaeger.log'),
    ready: httpReady(`http://${host}:${options.ports.jaegerQuery}/api/services`),
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
  });
}
