import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kqlToQueryString } from '@mesh/testing';
import { expandKeys, ExpandKeysError, isJsonObject, valueAtPath } from '@mesh/tools/backends';
import type { JsonObject } from '@mesh/tools/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { driveLogTraffic, meshLogLines } from '../src/log-traffic';
import type { LogTraffic } from '../src/log-traffic';
import { repoRoot, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';

/**
 * Filebeat, Logstash, Kibana and Grafana's Elasticsearch datasource never run here; what they name
 * is checked against real log lines of the native mesh, expanded as Filebeat's `expand_keys`
 * does (docs/logs.md). The field lists are read from the configs themselves.
 */
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

type Mapping = { type?: string; properties?: Record<string, Mapping> };
const template = JSON.parse(read('infra/elk/elasticsearch/index-template.json')) as {
  template: { mappings: { properties: Record<string, Mapping> } };
};

/** Every explicitly mapped leaf field of the index template, with its type. */
function mappedFields(properties: Record<string, Mapping>, prefix = ''): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [name, mapping] of Object.entries(properties)) {
    if (mapping.properties) {
      for (const entry of mappedFields(mapping.properties, `${prefix}${name}.`))
        fields.set(...entry);
    } else if (mapping.type) {
      fields.set(`${prefix}${name}`, mapping.type);
    }
  }
  return fields;
}
const mapping = mappedFields(template.template.mappings.properties);

/**
 * Set by the Logstash output from its data_stream_* settings (data_stream_sync_fields), never
 * written by the services.
 */
const addedByLogstash = ['data_stream.type', 'data_stream.dataset', 'data_stream.namespace'];

/** Fields the Logstash pipeline's filters name (`[error][type]` → `error.type`). */
function logstashFields(): string[] {
  const pipeline = read('infra/elk/logstash/pipeline/mesh.conf').replace(/^\s*#.*$/gm, '');
  const filter = pipeline.slice(pipeline.search(/^filter\s*\{/m), pipeline.search(/^output\s*\{/m));
  return [
    ...new Set(
      [...filter.matchAll(/((?:\[[\w@.-]+\])+)/g)].map((m) =>
        (m[1] as string).slice(1, -1).split('][').join('.'),
      ),
    ),
  ];
}

/** Fields the Kibana saved objects name: time field, formatted fields, search queries and columns. */
function kibanaFields(): { fields: string[]; errorQuery: string } {
  const objects = read('infra/elk/kibana/saved-objects.ndjson')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; attributes: JsonObject });
  const fields = new Set<string>();
  let errorQuery = '';
  for (const { type, attributes } of objects) {
    if (type === 'index-pattern') {
      fields.add(attributes['timeFieldName'] as string);
      for (const field of Object.keys(
        JSON.parse(attributes['fieldFormatMap'] as string) as object,
      )) {
        fields.add(field);
      }
    }
    if (type === 'search') {
      const source = JSON.parse(
        (attributes['kibanaSavedObjectMeta'] as { searchSourceJSON: string }).searchSourceJSON,
      ) as { query: { query: string } };
      for (const field of kqlToQueryString(source.query.query).fields) fields.add(field);
      for (const column of attributes['columns'] as string[]) fields.add(column);
      if (source.query.query.includes('log.level')) errorQuery = source.query.query;
    }
  }
  return { fields: [...fields], errorQuery };
}

/** Fields Grafana names: the Elasticsearch datasource's fields and Jaeger's trace-to-logs query. */
function grafanaFields(): string[] {
  const { datasources } = parse(read('grafana/provisioning/datasources/datasources.yml')) as {
    datasources: { type: string; jsonData?: JsonObject }[];
  };
  const elasticsearch = datasources.find((d) => d.type === 'elasticsearch')?.jsonData ?? {};
  const jaeger = datasources.find((d) => d.type === 'jaeger')?.jsonData ?? {};
  const traceToLogs = (jaeger['tracesToLogsV2'] as { query: string }).query;
  return [
    elasticsearch['timeField'] as string,
    elasticsearch['logMessageField'] as string,
    elasticsearch['logLevelField'] as string,
    ...(elasticsearch['dataLinks'] as { field: string }[]).map((link) => link.field),
    // a Lucene query: the fields are the names before an unescaped colon
    ...[...traceToLogs.matchAll(/([\w@.]+):/g)].map((m) => m[1] as string),
  ];
}

/** Whether a JSON value is what Elasticsearch indexes into a field of this mapping type. */
function fitsType(value: unknown, type: string): boolean {
  switch (type) {
    case 'keyword':
    case 'text':
      return typeof value === 'string';
    case 'date':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value));
    case 'long':
      return Number.isInteger(value);
    case 'float':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      throw new Error(`no check for mapping type ${type}`);
  }
}

describe('log fields: what Filebeat, Logstash, Kibana and Grafana name exists in real log lines', () => {
  let mesh: RunningMesh;
  let traffic: LogTraffic;
  let written: JsonObject[];
  let expanded: JsonObject[];

  beforeAll(async () => {
    mesh = await startMesh();
    traffic = await driveLogTraffic(mesh);
    written = meshLogLines(mesh);
    expanded = written.flatMap((line) => {
      try {
        return [expandKeys(line)];
      } catch (error) {
        if (error instanceof ExpandKeysError) return [];
        throw error;
      }
    });
  });
  afterAll(async () => {
    await mesh?.stop();
  });

  /** Checks that `field` is in some line and has the template's type wherever it is. */
  function expectField(field: string, namedBy: string) {
    const type = mapping.get(field);
    expect(
      type,
      `${field} (named by ${namedBy}) is mapped explicitly in the index template`,
    ).toBeDefined();
    // null is indexed as no value: Elasticsearch skips it like a missing field
    const values = expanded
      .map((line) => valueAtPath(line, field))
      .filter((v) => v !== undefined && v !== null);
    expect(
      values.length,
      `${field} (named by ${namedBy}) appears in the log lines`,
    ).toBeGreaterThan(0);
    const misfits = values.filter(
      (value) => isJsonObject(value) || !fitsType(value, type as string),
    );
    expect(misfits.slice(0, 3), `${field} is a ${String(type)} in every line`).toEqual([]);
  }

  it('every line the services wrote expands under expand_keys (Filebeat ships it decoded)', () => {
    expect(written.length).toBeGreaterThan(50);
    const failures = written.flatMap((line) => {
      try {
        expandKeys(line);
        return [];
      } catch (error) {
        return [`${String(error)}: ${JSON.stringify(line).slice(0, 300)}`];
      }
    });
    expect(failures).toEqual([]);
    // the lines include what the fields below are about: three services, errors, the client trace
    const services = new Set(expanded.map((line) => valueAtPath(line, 'service.name')));
    expect([...services].sort()).toEqual(['gateway', 'order-service', 'user-service']);
    expect(expanded.some((line) => valueAtPath(line, 'log.level') === 'error')).toBe(true);
    expect(expanded.some((line) => valueAtPath(line, 'trace.id') === traffic.healthyTraceId)).toBe(
      true,
    );
  });

  it('every field the index template maps is in the lines, with the mapped type', () => {
    for (const field of mapping.keys()) {
      if (!addedByLogstash.includes(field)) expectField(field, 'the index template');
    }
  });

  it('every field the Logstash pipeline names is in the lines', () => {
    const fields = logstashFields();
    expect(fields).toContain('error.type');
    for (const field of fields) expectField(field, 'infra/elk/logstash/pipeline/mesh.conf');
  });

  it('every field the Kibana saved objects name is in the lines; the error search finds lines', () => {
    const { fields, errorQuery } = kibanaFields();
    expect(fields).toEqual(expect.arrayContaining(['@timestamp', 'trace.id', 'log.level']));
    for (const field of fields) expectField(field, 'infra/elk/kibana/saved-objects.ndjson');
    expect(errorQuery).toBe('log.level : "error"');
  });

  it("every field Grafana's Elasticsearch datasource and trace-to-logs query name is in the lines", () => {
    const fields = grafanaFields();
    expect(fields).toEqual(
      expect.arrayContaining(['@timestamp', 'message', 'log.level', 'trace.id']),
    );
    for (const field of fields)
      expectField(field, 'grafana/provisioning/datasources/datasources.yml');
  });

  it('no field the mapping leaves dynamic has two kinds of value (Elasticsearch would refuse the later lines)', () => {
    const kinds = new Map<string, Set<string>>();
    const walk = (value: unknown, path: string) => {
      if (value === null || value === undefined) return;
      if (Array.isArray(value)) return value.forEach((item) => walk(item, path));
      if (isJsonObject(value)) {
        if (path) record(path, 'object');
        for (const [key, child] of Object.entries(value))
          walk(child, path ? `${path}.${key}` : key);
        return;
      }
      record(path, typeof value);
    };
    const record = (path: string, kind: string) => {
      const seen = kinds.get(path) ?? new Set<string>();
      kinds.set(path, seen.add(kind));
    };
    for (const line of expanded) walk(line, '');
    const clashes = [...kinds]
      .filter(([, seen]) => seen.size > 1)
      .map(([path, seen]) => `${path}: ${[...seen].join(' and ')}`)
      // a mapped keyword takes numbers and booleans as strings; error.* beyond the mapping is not indexed
      .filter((clash) => {
        const path = clash.split(':')[0] as string;
        return (
          mapping.get(path) !== 'keyword' && !(path.startsWith('error.') && !mapping.has(path))
        );
      });
    expect(clashes).toEqual([]);
  });

  it('trace.id is the W3C trace id the client sent, in the lines of all three services', () => {
    const services = new Set(
      expanded
        .filter((line) => valueAtPath(line, 'trace.id') === traffic.healthyTraceId)
        .map((line) => valueAtPath(line, 'service.name')),
    );
    expect([...services].sort()).toEqual(['gateway', 'order-service', 'user-service']);
    for (const line of expanded) {
      const traceId = valueAtPath(line, 'trace.id');
      if (traceId !== undefined) expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    }
  });
});
