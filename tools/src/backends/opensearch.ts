import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { httpReady, startEngineProcess } from './engine-process';
import type { EngineProcess } from './engine-process';
import type { BackendPorts } from './ports';

/** The ports the OpenSearch node binds. */
export type OpenSearchPorts = Pick<BackendPorts, 'opensearch' | 'opensearchTransport'>;

/** How to run OpenSearch — standing in for Elasticsearch, not the same product — natively. */
export interface OpenSearchOptions {
  /** The built `bin/opensearch` launcher (engines.ts `requireBuiltEngine('opensearch', …)`). */
  executable: string;
  ports: OpenSearchPorts;
  /** Default 127.0.0.1. */
  host?: string;
  /** The node's home: `data/`, `logs/` and `tmp/` live here. */
  dataDir: string;
  /** `opensearch.log` (the launcher's stdout) goes here. */
  runDir: string;
  /** JVM heap, e.g. `512m` (at most 1 GB). Default 512m. */
  heap?: string;
  /** Default 120000 ms: a cold JVM on two cores takes a while. */
  readyTimeoutMs?: number;
}

/** The environment the node reads its address, ports and paths from (MeshOpenSearch.java). */
export function openSearchEnv(
  ports: OpenSearchPorts,
  dataDir: string,
  host = '127.0.0.1',
  heap = '512m',
): Record<string, string> {
  return {
    OPENSEARCH_HOME: dataDir,
    OPENSEARCH_HOST: host,
    OPENSEARCH_HTTP_PORT: String(ports.opensearch),
    OPENSEARCH_TRANSPORT_PORT: String(ports.opensearchTransport),
    OPENSEARCH_HEAP: heap,
  };
}

/** Starts the single node and waits until `_cluster/health` is green or yellow. */
export function startOpenSearch(options: OpenSearchOptions): Promise<EngineProcess> {
  const host = options.host ?? '127.0.0.1';
  mkdirSync(options.dataDir, { recursive: true });
  return startEngineProcess({
    name: 'opensearch',
    executable: options.executable,
    args: [],
    env: openSearchEnv(options.ports, options.dataDir, host, options.heap),
    logFile: join(options.runDir, 'opensearch.log'),
    ready: httpReady(`http://${host}:${options.ports.opensearch}/_cluster/health`, (body) =>
      /"status"\s*:\s*"(green|yellow)"/.test(body),
    ),
    readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
  });
}
