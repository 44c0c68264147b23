import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, kqlToQueryString, requireBuiltEngine } from '@mesh/testing';
import {
  DEFAULT_BACKEND_PORTS,
  expandKeys,
  logstashDataStream,
  readIndexTemplate,
  shipLogLines,
  startOpenSearch,
  stripElasticsearchOnly,
  valueAtPath,
} from '@mesh/tools/backends';
import type { JsonObject } from '@mesh/tools/backends';
import type { EngineProcess } from '@mesh/tools/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { driveLogTraffic, meshLogLines } from '../src/log-traffic';
import type { LogTraffic } from '../src/log-traffic';
import { repoRoot, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';

/**
 * The log path's search side, run for real — with OpenSearch STANDING IN for Elasticsearch (not
 * the same product: the same REST API for _bulk, composable index templates, data streams and
 * query_string, which is all this uses). Real ECS lines of the native mesh are shipped the way
 * Filebeat (expand_keys) and Logstash (data stream logs-mesh-default) would, through the stack's
 * own index template; then Grafana's trace-to-logs query and Kibana's saved searches run on them.
 * See docs/logs.md.
 */
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');
const opensearch = requireBuiltEngine('opensearch');

const template = readIndexTemplate(repoRoot);

const savedSearches = read('infra/elk/kibana/saved-objects.ndjson')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as { id: string; type: string; attributes: JsonObject })
  .filter((object) => object.type === 'search')
  .map((search) => ({
    id: search.id,
    kql: (
      JSON.parse(
        (search.attributes['kibanaSavedObjectMeta'] as { searchSourceJSON: string })
          .searchSourceJSON,
      ) as { query: { query: string } }
    ).query.query,
  }));

const datasources = (
  parse(read('grafana/provisioning/datasources/datasources.yml')) as {
    datasources: { type: string; jsonData: JsonObject }[];
  }
).datasources;
const esDatasource = datasources.find((d) => d.type === 'elasticsearch')?.jsonData as {
  index: string;
  timeField: string;
};
/** Grafana provisioning writes `$$` for a literal `$`: what Grafana itself sees. */
const traceToLogsQuery = (
  datasources.find((d) => d.type === 'jaeger')?.jsonData['tracesToLogsV2'] as { query: string }
).query.replace(/\$\$/g, '$');

/** A stable identity of a line, to compare search hits with the lines that were shipped. */
const identity = (line: JsonObject) =>
  ['@timestamp', 'service.instance.id', 'trace.id', 'span.id', 'message']
    .map((field) => String(valueAtPath(line, field)))
    .join(' | ');

describe.skipIf(!opensearch)(
  'logs in OpenSearch (standing in for Elasticsearch): template, trace-to-logs, saved searches',
  () => {
    let workDir: string;
    let engine: EngineProcess | undefined;
    let url: string;
    let mesh: RunningMesh;
    let traffic: LogTraffic;
    let shipped: JsonObject[];
    let originalTemplateAnswer: { status: number; body: string };
    const dataStream = logstashDataStream(repoRoot);

    async function search(index: string, queryString: string): Promise<JsonObject[]> {
      const response = await fetch(`${url}/${index}/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          size: 1000,
          query: { query_string: { query: queryString } },
          sort: [{ [esDatasource.timeField]: 'asc' }],
        }),
      });
      const answer = (await response.json()) as { hits?: { hits: { _source: JsonObject }[] } };
      expect(response.status, JSON.stringify(answer).slice(0, 500)).toBe(200);
      return (answer.hits?.hits ?? []).map((hit) => hit._source);
    }

    beforeAll(async () => {
      workDir = mkdtempSync(join(tmpdir(), 'mesh-opensearch-'));
      const ports = {
        ...DEFAULT_BACKEND_PORTS,
        opensearch: await freePort(),
        opensearchTransport: await freePort(),
      };
      [engine, mesh] = await Promise.all([
        startOpenSearch({
          executable: opensearch as string,
          ports,
          dataDir: join(workDir, 'home'),
          runDir: workDir,
          heap: '512m',
        }),
        startMesh(),
      ]);
      url = `http://127.0.0.1:${ports.opensearch}`;
      traffic = await driveLogTraffic(mesh);

      // The stack's template as Elasticsearch gets it, then without its Elasticsearch-only keys.
      const put = (body: JsonObject) =>
        fetch(`${url}/_index_template/logs-mesh`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const original = await put(template);
      originalTemplateAnswer = { status: original.status, body: await original.text() };
      const stripped = await put(stripElasticsearchOnly(template));
      if (!stripped.ok) throw new Error(`template refused: ${await stripped.text()}`);

      shipped = meshLogLines(mesh);
      await shipLogLines({ url, dataStream, lines: shipped });
      shipped = shipped.map((line) => expandKeys(line));
    }, 240_000);

    afterAll(async () => {
      await mesh?.stop();
      await engine?.stop();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    });

    it('takes the stack template once its Elasticsearch-only keys are stripped, and only then', () => {
      // What is stripped, and why: Elasticsearch's data stream lifecycle (retention) has no
      // OpenSearch counterpart (OpenSearch uses ISM policies instead).
      expect(template._meta.elasticsearch_only).toEqual(['template.lifecycle']);
      expect(originalTemplateAnswer.status).toBe(400);
      expect(originalTemplateAnswer.body).toContain('lifecycle');
    });

    it('creates the data stream Logstash names from that template, trace.id a keyword', async () => {
      expect(dataStream).toBe('logs-mesh-default');
      const streams = (await (await fetch(`${url}/_data_stream/${dataStream}`)).json()) as {
        data_streams: { name: string; template: string }[];
      };
      expect(streams.data_streams).toEqual([
        expect.objectContaining({ name: dataStream, template: 'logs-mesh' }),
      ]);
      const fields = ['trace.id', 'span.id', 'service.name', 'log.level', '@timestamp'];
      const answer = (await (
        await fetch(`${url}/${dataStream}/_mapping/field/${fields.join(',')}`)
      ).json()) as Record<string, { mappings: Record<string, { mapping: JsonObject }> }>;
      const [index] = Object.values(answer);
      const typeOf = (field: string) =>
        (Object.values(index?.mappings[field]?.mapping ?? {})[0] as { type?: string })?.type;
      expect(typeOf('trace.id')).toBe('keyword');
      expect(typeOf('span.id')).toBe('keyword');
      expect(typeOf('service.name')).toBe('keyword');
      expect(typeOf('log.level')).toBe('keyword');
      expect(typeOf('@timestamp')).toBe('date');
      const count = (await (await fetch(`${url}/${dataStream}/_count`)).json()) as {
        count: number;
      };
      expect(count.count).toBe(shipped.length);
    });

    it("Grafana's trace-to-logs query returns the trace's lines from all three services", async () => {
      // Grafana's Jaeger datasource hands this Lucene query to the Elasticsearch datasource.
      expect(traceToLogsQuery).toBe('trace.id:"${__trace.traceId}"');
      const query = traceToLogsQuery.replace('${__trace.traceId}', traffic.healthyTraceId);
      const hits = await search(esDatasource.index, query);
      const services = new Set(hits.map((hit) => valueAtPath(hit, 'service.name')));
      expect([...services].sort()).toEqual(['gateway', 'order-service', 'user-service']);
      const expected = shipped.filter(
        (line) => valueAtPath(line, 'trace.id') === traffic.healthyTraceId,
      );
      expect(hits.map(identity).sort()).toEqual(expected.map(identity).sort());
    });

    it("Kibana's error search returns exactly the error lines of the injected fault", async () => {
      const errorSearch = savedSearches.find((s) => s.id === 'mesh-error-logs');
      // The translation, shown: KQL `log.level : "error"` is query_string `log.level:"error"`.
      const translated = kqlToQueryString(errorSearch?.kql ?? '');
      expect(translated.queryString).toBe('log.level:"error"');
      const hits = await search('logs-mesh-*', translated.queryString);

      const errorLines = shipped.filter((line) => valueAtPath(line, 'log.level') === 'error');
      expect(hits.map(identity).sort()).toEqual(errorLines.map(identity).sort());
      // ... and those are the fault's: each faulty request has its error line, nothing else does
      const hitTraces = new Set(hits.map((hit) => valueAtPath(hit, 'trace.id')));
      expect([...hitTraces].sort()).toEqual([...traffic.faultTraceIds].sort());
      for (const hit of hits) {
        expect(valueAtPath(hit, 'service.name')).toBe('order-service');
        expect(valueAtPath(hit, 'error.code')).toMatch(/^(upstream_unavailable|circuit_open)$/);
      }
    });

    it("Kibana's failed-requests search returns exactly the 5xx access lines, the injected 503s among them", async () => {
      const failed = savedSearches.find((s) => s.id === 'mesh-failed-requests');
      // KQL `event.dataset : "http.access" and http.response.status_code >= 500`, translated:
      const translated = kqlToQueryString(failed?.kql ?? '');
      expect(translated.queryString).toBe(
        '(event.dataset:"http.access" AND http.response.status_code:>=500)',
      );
      const hits = await search('logs-mesh-*', translated.queryString);
      const expected = shipped.filter(
        (line) =>
          valueAtPath(line, 'event.dataset') === 'http.access' &&
          Number(valueAtPath(line, 'http.response.status_code')) >= 500,
      );
      expect(hits.map(identity).sort()).toEqual(expected.map(identity).sort());
      const injected = hits.filter(
        (hit) =>
          valueAtPath(hit, 'service.name') === 'user-service' &&
          valueAtPath(hit, 'http.response.status_code') === 503,
      );
      expect(injected.length).toBeGreaterThanOrEqual(traffic.faultTraceIds.length);
    });

    it("kibana-setup's Elasticsearch half, run here: template installed, a stream made before it rolled over once", async () => {
      const strippedFile = join(workDir, 'index-template.json');
      writeFileSync(strippedFile, JSON.stringify(stripElasticsearchOnly(template)));
      const setup = (): Promise<{ code: number | null; stderr: string }> =>
        new Promise((resolve) => {
          execFile(
            'bash',
            [join(repoRoot, 'infra', 'elk', 'kibana', 'setup.sh')],
            {
              env: {
                PATH: process.env['PATH'] ?? '',
                ELASTICSEARCH_URL: url,
                // no Kibana here: the script stops after its Elasticsearch half, saying so
                KIBANA_URL: 'http://127.0.0.1:9',
                WAIT_SECONDS: '1',
                INDEX_TEMPLATE: strippedFile,
              },
            },
            (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
          );
        });
      const call = (method: string, path: string, body?: unknown) =>
        fetch(`${url}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as JsonObject }));
      const writeIndex = async () => {
        const { body } = await call('GET', `/_data_stream/${dataStream}`);
        const [stream] = body['data_streams'] as { indices: { index_name: string }[] }[];
        return stream?.indices.at(-1)?.index_name as string;
      };
      const writeIndexTraceIdType = async () => {
        const index = await writeIndex();
        const { body } = await call('GET', `/${index}/_mapping/field/trace.id`);
        const field = (body[index] as { mappings: Record<string, { mapping: JsonObject }> })
          .mappings['trace.id'];
        return (Object.values(field?.mapping ?? {})[0] as { type: string }).type;
      };

      // the stream as the tests above left it: its write index was made with the template
      const before = await writeIndex();
      const first = await setup();
      expect(first.stderr).toContain('index template logs-mesh installed');
      expect(first.stderr).not.toContain('rolled over');
      expect(await writeIndex()).toBe(before);
      expect(first.stderr).toContain('Kibana at http://127.0.0.1:9/api/status not ready');
      expect(first.code).not.toBe(0);

      // Logstash first: the stream made through a generic logs-*-* template, before the mesh's
      expect((await call('DELETE', `/_data_stream/${dataStream}`)).status).toBe(200);
      expect((await call('DELETE', '/_index_template/logs-mesh')).status).toBe(200);
      await call('PUT', '/_index_template/generic-logs', {
        index_patterns: ['logs-*-*'],
        data_stream: {},
        priority: 100,
      });
      await shipLogLines({
        url,
        dataStream,
        lines: [{ '@timestamp': new Date().toISOString(), 'trace.id': 'f'.repeat(32) }],
      });
      expect(await writeIndexTraceIdType()).not.toBe('keyword');
      const second = await setup();
      expect(second.stderr).toContain(`data stream ${dataStream} rolled over onto the template`);
      expect(await writeIndexTraceIdType()).toBe('keyword');
    });

    it('every saved search of the stack was run here', () => {
      expect(savedSearches.map((s) => s.id).sort()).toEqual([
        'mesh-error-logs',
        'mesh-failed-requests',
      ]);
    });
  },
);
