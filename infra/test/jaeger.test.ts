import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  builtEngineGate,
  envReferences,
  headerComment,
  loadCollectorConfig,
  readRepoFile,
  repoRoot,
  unresolvedReferences,
  unusedComponents,
} from './collector-model';
import { bindMountsOf, composeFile, loadCompose } from './compose-model';

// The stack's Jaeger v2 config and its UI config (issues 9 and 10; docs/stack.md,
// docs/native-backends.md): pipelines wired, storage names resolved, memory bounded, every
// listener from env with the compose default; the UI's linkPatterns open the trace's logs in
// Kibana — and, once infra/engines/build-jaeger.sh has built it, the real binary validating it.

const CONFIG = 'infra/jaeger/config.yaml';
const UI_CONFIG = 'infra/jaeger/ui-config.json';
const configText = readRepoFile(CONFIG);
const config = loadCollectorConfig(CONFIG);

interface JaegerExtensions {
  jaeger_storage: { backends: Record<string, { memory?: { max_traces?: string | number } }> };
  jaeger_query: {
    storage: { traces: string; traces_archive?: string };
    ui?: { config_file?: string };
    http?: { endpoint?: string };
    enable_tracing?: boolean;
  };
}
const extensions = config.extensions as unknown as JaegerExtensions;

/** `${env:VAR:-default}` → default (the value compose runs with). */
function composeDefault(value: unknown): string {
  const [reference] = envReferences(value);
  if (reference?.fallback === undefined)
    throw new Error(`no \${env:…:-default} in ${String(value)}`);
  return reference.fallback;
}

interface LinkPattern {
  type?: string | string[];
  key?: string;
  url?: string;
  text?: string;
}

describe('infra/jaeger/config.yaml', () => {
  it('wires every pipeline to defined components and uses every component it defines', () => {
    expect(unresolvedReferences(config)).toEqual([]);
    expect(unusedComponents(config)).toEqual([]);
  });

  it('stores and queries traces in a storage backend it defines, bounded in memory', () => {
    const backends = extensions.jaeger_storage.backends;
    expect(Object.keys(backends)).toContain(extensions.jaeger_query.storage.traces);
    const exporter = config.exporters?.['jaeger_storage_exporter'] as { trace_storage: string };
    expect(Object.keys(backends)).toContain(exporter.trace_storage);
    for (const [name, backend] of Object.entries(backends)) {
      const maxTraces = Number(composeDefault(backend.memory?.max_traces));
      expect(maxTraces, `${name}: max_traces`).toBeGreaterThan(0);
      expect(maxTraces, `${name}: max_traces`).toBeLessThanOrEqual(50_000);
    }
  });

  it('does not trace its own API calls into the mesh', () => {
    expect(extensions.jaeger_query.enable_tracing).toBe(false);
  });

  it('listens where compose expects: OTLP 4317/4318, query 16686', () => {
    const otlp = (
      config.receivers?.['otlp'] as {
        protocols: { grpc: { endpoint: string }; http: { endpoint: string } };
      }
    ).protocols;
    expect(composeDefault(otlp.grpc.endpoint)).toBe('0.0.0.0:4317');
    expect(composeDefault(otlp.http.endpoint)).toBe('0.0.0.0:4318');
    expect(composeDefault(extensions.jaeger_query.http?.endpoint)).toBe('0.0.0.0:16686');
    // The Collector's exporter reaches exactly that OTLP gRPC port on the `jaeger` service.
    const collector = loadCollectorConfig('infra/otel-collector/config.yaml');
    const exporter = Object.entries(collector.exporters ?? {}).find(([id]) =>
      id.startsWith('otlp_grpc'),
    )?.[1] as { endpoint: string };
    expect(composeDefault(exporter.endpoint)).toBe('jaeger:4317');
  });

  it('takes every endpoint from env with the compose value as default, and documents each variable', () => {
    const header = headerComment(configText);
    const references = envReferences(config);
    expect(references.length).toBeGreaterThan(5);
    for (const { variable, fallback } of references) {
      expect(fallback, `${variable} needs a compose default`).toBeTruthy();
      expect(header, `${variable} is not listed in the header comment`).toContain(variable);
    }
    expect(header).toContain('docs/stack.md');
    expect(header).toContain('docs/native-backends.md');
  });

  it.skipIf(!existsSync(composeFile))('reads the UI config where compose mounts it', () => {
    const jaeger = loadCompose().model.services['jaeger'];
    expect(jaeger, 'docker-compose.yml has no jaeger service').toBeDefined();
    const mount = bindMountsOf(jaeger ?? {}, []).find((m) => m.source.endsWith(UI_CONFIG));
    expect(mount?.target).toBe(composeDefault(extensions.jaeger_query.ui?.config_file));
  });
});

describe('infra/jaeger/ui-config.json', () => {
  const ui = JSON.parse(readRepoFile(UI_CONFIG)) as { linkPatterns?: LinkPattern[] };
  const patterns = ui.linkPatterns ?? [];
  // The keys Jaeger UI fills into a `traces` link (computeTraceLink: the trace's own fields).
  const TRACE_FIELDS = ['traceID', 'traceName', 'startTime', 'endTime', 'duration'];

  it('has well-formed linkPatterns', () => {
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) {
      const types = [pattern.type].flat();
      for (const type of types) expect(['process', 'tags', 'logs', 'traces']).toContain(type);
      expect(pattern.url).toMatch(/^https?:\/\//);
      expect(pattern.text).toBeTruthy();
    }
  });

  it("links a trace to its log lines in Kibana's Discover (trace.id)", () => {
    const trace = patterns.find((pattern) => [pattern.type].flat().includes('traces'));
    expect(trace, 'no linkPattern of type traces').toBeDefined();
    const url = trace?.url ?? '';
    expect(url.startsWith('http://localhost:5601/app/discover#/')).toBe(true);
    expect(decodeURIComponent(url)).toContain('trace.id:"#{traceID}"');
    for (const [, parameter] of url.matchAll(/#\{([^}]+)\}/g)) {
      expect(TRACE_FIELDS, `#{${parameter}} is not a trace field`).toContain(parameter);
    }
  });

  it('opens a data view the Kibana saved objects define', () => {
    const savedObjects = readRepoFile('infra/elk/kibana/saved-objects.ndjson')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { type?: string; id?: string });
    const dataViews = savedObjects.filter((o) => o.type === 'index-pattern').map((o) => o.id);
    for (const pattern of patterns) {
      for (const [, id] of (pattern.url ?? '').matchAll(/dataViewId:'([^']+)'/g)) {
        expect(dataViews).toContain(id);
      }
    }
  });
});

describe('the built Jaeger (infra/engines/build-jaeger.sh)', () => {
  const { executable: jaeger, skip } = builtEngineGate('jaeger');

  it.skipIf(skip)('validates the stack config', () => {
    const run = spawnSync(jaeger(), ['validate', `--config=${join(repoRoot, CONFIG)}`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).not.toMatch(/error|invalid/i);
    expect(run.status).toBe(0);
  });

  it.skipIf(skip)('has every component the config uses', () => {
    const run = spawnSync(jaeger(), ['components'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    for (const kind of ['receivers', 'processors', 'exporters', 'extensions'] as const) {
      for (const id of Object.keys(config[kind] ?? {})) {
        expect(run.stdout, `${kind} ${id}`).toContain(`- name: ${id.split('/')[0]}\n`);
      }
    }
  });
});
