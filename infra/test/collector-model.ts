import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { requireBuiltEngine } from '@mesh/testing';
import type { BuiltEngineName } from '@mesh/testing';

// The shape both Collector-style configs share — infra/otel-collector/config.yaml and Jaeger v2's
// infra/jaeger/config.yaml (Jaeger v2 is built on the Collector) — and the cross-reference checks
// otel-collector.test.ts and jaeger.test.ts run on them. docs/native-backends.md explains both.

export const repoRoot = resolve(__dirname, '..', '..');

export const COMPONENT_KINDS = [
  'receivers',
  'processors',
  'exporters',
  'connectors',
  'extensions',
] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export interface Pipeline {
  receivers?: string[];
  processors?: string[];
  exporters?: string[];
}

export interface CollectorConfig {
  receivers?: Record<string, unknown>;
  processors?: Record<string, unknown>;
  exporters?: Record<string, unknown>;
  connectors?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  service: {
    extensions?: string[];
    pipelines: Record<string, Pipeline>;
    telemetry?: unknown;
  };
}

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

export function loadCollectorConfig(path: string): CollectorConfig {
  return parse(readRepoFile(path)) as CollectorConfig;
}

/** `otlp_grpc/jaeger` → `otlp_grpc`: the type a component id names (`type[/name]`). */
export function componentType(id: string): string {
  const slash = id.indexOf('/');
  return slash === -1 ? id : id.slice(0, slash);
}

export function defined(config: CollectorConfig, kind: ComponentKind): string[] {
  return Object.keys(config[kind] ?? {});
}

/**
 * Every reference that does not resolve: a pipeline's receiver must be a receiver or a connector,
 * an exporter an exporter or a connector, a processor a processor; a service extension an extension;
 * a connector must be an exporter of one pipeline and a receiver of another.
 */
export function unresolvedReferences(config: CollectorConfig): string[] {
  const problems: string[] = [];
  const has = (kind: ComponentKind, id: string) => defined(config, kind).includes(id);
  for (const [name, pipeline] of Object.entries(config.service.pipelines)) {
    for (const id of pipeline.receivers ?? []) {
      if (!has('receivers', id) && !has('connectors', id)) {
        problems.push(`pipeline ${name}: receiver ${id} is not defined`);
      }
    }
    for (const id of pipeline.processors ?? []) {
      if (!has('processors', id)) problems.push(`pipeline ${name}: processor ${id} is not defined`);
    }
    for (const id of pipeline.exporters ?? []) {
      if (!has('exporters', id) && !has('connectors', id)) {
        problems.push(`pipeline ${name}: exporter ${id} is not defined`);
      }
    }
    if ((pipeline.receivers ?? []).length === 0) problems.push(`pipeline ${name}: no receivers`);
    if ((pipeline.exporters ?? []).length === 0) problems.push(`pipeline ${name}: no exporters`);
  }
  for (const id of config.service.extensions ?? []) {
    if (!has('extensions', id)) problems.push(`service extension ${id} is not defined`);
  }
  const pipelines = Object.values(config.service.pipelines);
  for (const id of defined(config, 'connectors')) {
    if (!pipelines.some((p) => p.exporters?.includes(id))) {
      problems.push(`connector ${id} is no pipeline's exporter`);
    }
    if (!pipelines.some((p) => p.receivers?.includes(id))) {
      problems.push(`connector ${id} is no pipeline's receiver`);
    }
  }
  return problems;
}

/** Components that are defined but that no pipeline (or service.extensions) uses. */
export function unusedComponents(config: CollectorConfig): string[] {
  const pipelines = Object.values(config.service.pipelines);
  const used = new Set<string>([
    ...(config.service.extensions ?? []).map((id) => `extensions:${id}`),
    ...pipelines.flatMap((p) => (p.receivers ?? []).map((id) => `receivers:${id}`)),
    ...pipelines.flatMap((p) => (p.processors ?? []).map((id) => `processors:${id}`)),
    ...pipelines.flatMap((p) => (p.exporters ?? []).map((id) => `exporters:${id}`)),
  ]);
  const unused: string[] = [];
  for (const kind of COMPONENT_KINDS) {
    for (const id of defined(config, kind)) {
      // A connector counts as used once it appears on both sides (unresolvedReferences checks that).
      const usedAs =
        kind === 'connectors'
          ? used.has(`receivers:${id}`) || used.has(`exporters:${id}`)
          : used.has(`${kind}:${id}`);
      if (!usedAs) unused.push(`${kind}.${id}`);
    }
  }
  return unused;
}

/** The component types the service actually uses, per kind (connectors once, as connectors). */
export function usedTypes(config: CollectorConfig): Record<ComponentKind, string[]> {
  const result = {} as Record<ComponentKind, string[]>;
  for (const kind of COMPONENT_KINDS) {
    result[kind] = [...new Set(defined(config, kind).map(componentType))].sort();
  }
  return result;
}

export interface EnvReference {
  variable: string;
  fallback: string | undefined;
}

/** Every `${env:VAR}` / `${env:VAR:-default}` in the config's values (comments are not values). */
export function envReferences(value: unknown): EnvReference[] {
  if (typeof value === 'string') {
    return [...value.matchAll(/\$\{env:([A-Za-z0-9_]+)(?::-([^}]*))?\}/g)].map((m) => ({
      variable: m[1] ?? '',
      fallback: m[2],
    }));
  }
  if (Array.isArray(value)) return value.flatMap(envReferences);
  if (value !== null && typeof value === 'object')
    return Object.values(value).flatMap(envReferences);
  return [];
}

/** The comment block at the top of a config file (its lines without the leading `#`). */
export function headerComment(text: string): string {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    lines.push(line.replace(/^# ?/, ''));
  }
  return lines.join('\n');
}

/**
 * {@link requireBuiltEngine} for a describe block: on a laptop without the engine its tests skip
 * (loudly); under CI each of them fails with the reason, while the file's static checks still run.
 */
export function builtEngineGate(name: BuiltEngineName): {
  executable: () => string;
  skip: boolean;
} {
  let path: string | undefined;
  let missing: unknown;
  try {
    path = requireBuiltEngine(name);
  } catch (error) {
    missing = error;
  }
  return {
    skip: path === undefined && missing === undefined,
    executable: () => {
      if (path === undefined) throw missing instanceof Error ? missing : new Error(String(missing));
      return path;
    },
  };
}
