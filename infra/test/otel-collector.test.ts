import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ComponentKind } from './collector-model';
import {
  builtEngineGate,
  COMPONENT_KINDS,
  componentType,
  envReferences,
  headerComment,
  loadCollectorConfig,
  readRepoFile,
  repoRoot,
  unresolvedReferences,
  unusedComponents,
  usedTypes,
} from './collector-model';
import { readDotEnv } from './compose-model';

// The stack's Collector config and its Collector Builder manifest (issues 9 and 10; docs/stack.md,
// docs/native-backends.md): pipelines wired to defined components, nothing defined unused, the
// manifest listing exactly the components the config uses at the .env version — and, once
// infra/engines/build-collector.sh has built it, the real binary validating the real config.

const CONFIG = 'infra/otel-collector/config.yaml';
const MANIFEST = 'infra/otel-collector/builder-config.yaml';
const configText = readRepoFile(CONFIG);
const config = loadCollectorConfig(CONFIG);
const version = readDotEnv()['OTELCOL_VERSION'];

/**
 * The Go module of each component type the config may use (Collector 0.165 names). A type used in
 * config.yaml but missing here fails the test: add its module here and to the manifest.
 */
const MODULE_OF: Record<ComponentKind, Record<string, string>> = {
  receivers: { otlp: 'go.opentelemetry.io/collector/receiver/otlpreceiver' },
  processors: {
    memory_limiter: 'go.opentelemetry.io/collector/processor/memorylimiterprocessor',
    batch: 'go.opentelemetry.io/collector/processor/batchprocessor',
  },
  exporters: {
    otlp_grpc: 'go.opentelemetry.io/collector/exporter/otlpexporter',
    prometheus:
      'github.com/open-telemetry/opentelemetry-collector-contrib/exporter/prometheusexporter',
  },
  connectors: {
    span_metrics:
      'github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector',
  },
  extensions: {
    health_check:
      'github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckextension',
  },
};

interface Manifest {
  dist: { name: string; version: string; output_path?: string };
  receivers?: { gomod: string }[];
  processors?: { gomod: string }[];
  exporters?: { gomod: string }[];
  connectors?: { gomod: string }[];
  extensions?: { gomod: string }[];
  providers?: { gomod: string }[];
}
const manifest = parse(readRepoFile(MANIFEST)) as Manifest;

function manifestModules(kind: ComponentKind): { module: string; version: string }[] {
  return (manifest[kind] ?? []).map(({ gomod }) => {
    const [module = '', moduleVersion = ''] = gomod.trim().split(/\s+/);
    return { module, version: moduleVersion };
  });
}

function componentConfig(kind: ComponentKind, type: string): Record<string, unknown> {
  const id = Object.keys(config[kind] ?? {}).find((key) => componentType(key) === type);
  if (id === undefined) throw new Error(`${kind} has no ${type}`);
  return (config[kind]?.[id] ?? {}) as Record<string, unknown>;
}

describe('infra/otel-collector/config.yaml', () => {
  it('wires every pipeline to defined receivers, processors, exporters and connectors', () => {
    expect(unresolvedReferences(config)).toEqual([]);
  });

  it('uses every component it defines', () => {
    expect(unusedComponents(config)).toEqual([]);
  });

  it('sends traces to Jaeger over OTLP and into the span_metrics connector', () => {
    const traces = config.service.pipelines['traces'];
    expect(traces?.receivers).toContain('otlp');
    const exporters = traces?.exporters ?? [];
    expect(exporters.map(componentType)).toEqual(
      expect.arrayContaining(['otlp_grpc', 'span_metrics']),
    );
    const jaeger = exporters.find((id) => componentType(id) === 'otlp_grpc') ?? '';
    const exporter = config.exporters?.[jaeger] as {
      endpoint: string;
      tls?: { insecure?: boolean };
    };
    expect(exporter.endpoint).toBe('${env:JAEGER_OTLP_ENDPOINT:-jaeger:4317}');
    expect(exporter.tls?.insecure).toBe(true);
  });

  it('exposes span metrics with exemplars (trace_id) to Prometheus over OpenMetrics', () => {
    const spanMetrics = componentConfig('connectors', 'span_metrics') as {
      exemplars?: { enabled?: boolean };
      histogram?: { explicit?: { buckets?: string[] } };
    };
    expect(spanMetrics.exemplars?.enabled).toBe(true);
    const buckets = spanMetrics.histogram?.explicit?.buckets ?? [];
    expect(buckets[0]).toMatch(/ms$/);
    expect(buckets.at(-1)).toMatch(/\ds$/);
    const prometheus = componentConfig('exporters', 'prometheus');
    expect(prometheus['enable_open_metrics']).toBe(true);
    const metricsPipelines = Object.values(config.service.pipelines).filter((p) =>
      p.receivers?.some((id) => componentType(id) === 'span_metrics'),
    );
    expect(metricsPipelines.flatMap((p) => p.exporters ?? []).map(componentType)).toContain(
      'prometheus',
    );
  });

  it('puts memory_limiter first and batch in every pipeline', () => {
    for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
      expect(pipeline.processors?.[0], name).toBe('memory_limiter');
      expect(pipeline.processors, name).toContain('batch');
    }
  });

  it('takes every endpoint from env with the compose value as default, and documents each variable', () => {
    const references = envReferences(config);
    expect(references.length).toBeGreaterThan(5);
    const header = headerComment(configText);
    for (const { variable, fallback } of references) {
      expect(fallback, `${variable} needs a compose default`).toBeTruthy();
      expect(header, `${variable} is not listed in the header comment`).toContain(variable);
    }
    expect(header).toContain('docs/stack.md');
    expect(header).toContain('docs/native-backends.md');
  });
});

describe('infra/otel-collector/builder-config.yaml', () => {
  it('pins the Collector release of .env OTELCOL_VERSION', () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.dist.version).toBe(version);
    // Relative: build-collector.sh runs the builder inside the engine cache, never in the repo.
    expect(manifest.dist.output_path ?? '').not.toMatch(/^\//);
  });

  for (const kind of COMPONENT_KINDS) {
    it(`lists exactly the ${kind} config.yaml uses, each at v${version}`, () => {
      const types = usedTypes(config)[kind];
      for (const type of types) {
        expect(MODULE_OF[kind][type], `no Go module known for ${kind} type ${type}`).toBeDefined();
      }
      const expected = types.map((type) => MODULE_OF[kind][type]).sort();
      const listed = manifestModules(kind);
      expect(listed.map((entry) => entry.module).sort()).toEqual(expected);
      for (const entry of listed) expect(entry.version, entry.module).toBe(`v${version}`);
    });
  }
});

describe('the built Collector (infra/engines/build-collector.sh)', () => {
  const { executable: collector, skip } = builtEngineGate('otelcol');

  it.skipIf(skip)('validates the stack config', () => {
    const run = spawnSync(collector(), ['validate', `--config=${join(repoRoot, CONFIG)}`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr + run.stdout).not.toMatch(/error/i);
    expect(run.status).toBe(0);
  });

  it.skipIf(skip)('has each used component under that name, from the mapped module', () => {
    const run = spawnSync(collector(), ['components'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(0);
    const components = parse(run.stdout) as Record<string, { name: string; module: string }[]>;
    expect((components['buildinfo'] as unknown as { version: string }).version).toBe(version);
    for (const kind of COMPONENT_KINDS) {
      for (const type of usedTypes(config)[kind]) {
        const entry = components[kind]?.find((component) => component.name === type);
        expect(entry, `${kind} ${type} is not in the built Collector`).toBeDefined();
        expect(entry?.module).toBe(`${MODULE_OF[kind][type]} v${version}`);
      }
    }
  });
});
