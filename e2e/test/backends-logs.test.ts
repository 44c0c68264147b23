import { randomBytes } from 'node:crypto';
import { waitFor } from '@mesh/testing';
import { valueAtPath } from '@mesh/tools/backends';
import type { JsonObject } from '@mesh/tools/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freeBackendOffset,
  getJson,
  isPortFree,
  requireBackendEngines,
  startBackends,
} from '../src/backends';
import type { RunningBackends } from '../src/backends';
import { isAlive, startMesh } from '../src/mesh';
import type { RunningMesh } from '../src/mesh';
import { seed } from '../src/traffic';

/**
 * `npm run backends -- --logs` with the native mesh: OpenSearch STANDING IN for Elasticsearch
 * (not the same product), the stack's index template installed by the CLI, and the mesh's own
 * `<instance>.ndjson` files shipped by the CLI's log shipper into logs-mesh-default — no test
 * code between the mesh's log files and the search. See docs/logs.md and docs/native-backends.md.
 */
describe.skipIf(!requireBackendEngines({ logs: true }))(
  'npm run backends -- --logs ships the native mesh’s log files into OpenSearch',
  () => {
    let mesh: RunningMesh;
    let backends: RunningBackends;
    const dataStream = 'logs-mesh-default';
    const opensearch = () => backends.url('opensearch');

    async function linesOfTrace(traceId: string): Promise<JsonObject[]> {
      const response = await fetch(`${opensearch()}/${dataStream}/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ size: 100, query: { term: { 'trace.id': traceId } } }),
      });
      if (!response.ok) return []; // the data stream may not exist yet
      const answer = (await response.json()) as { hits: { hits: { _source: JsonObject }[] } };
      return answer.hits.hits.map((hit) => hit._source);
    }

    beforeAll(async () => {
      mesh = await startMesh({ userInstances: 1, orderInstances: 1 });
      const offset = await freeBackendOffset();
      backends = await startBackends(
        ['--port-offset', String(offset), '--logs', '--mesh-logs-dir', mesh.logsDir],
        { timeoutMs: 240_000 },
      );
    }, 300_000);

    afterAll(async () => {
      await mesh?.stop();
      await backends?.stop();
    });

    it('says in its URL table what it ships, from where, into which data stream', () => {
      const row = backends
        .output()
        .split('\n')
        .find((l) => l.startsWith('  mesh logs'));
      expect(row).toContain(`${opensearch()}/${dataStream}/_search`);
      expect(row).toContain(`shipping ${mesh.logsDir}/*.ndjson every 1s`);
      expect(backends.output()).toContain('standing in for Elasticsearch');
    });

    it('installed the stack’s index template without its Elasticsearch-only keys', async () => {
      const answer = await getJson<{
        index_templates: { name: string; index_template: { template: JsonObject } }[];
      }>(`${opensearch()}/_index_template/logs-mesh`);
      const [installed] = answer?.index_templates ?? [];
      expect(installed?.name).toBe('logs-mesh');
      expect(installed?.index_template.template).not.toHaveProperty('lifecycle');
      expect(installed?.index_template.template).toHaveProperty('mappings');
    });

    it('one request with a client traceparent: its lines from all three services are searchable within seconds', async () => {
      const { orderId } = await waitFor(() => seed(mesh).catch(() => undefined), {
        timeoutMs: 15_000,
        intervalMs: 250,
        what: 'a user and an order created through the gateway',
      });
      const traceId = randomBytes(16).toString('hex');
      const sent = Date.now();
      const response = await fetch(`${mesh.gateway}/api/orders/${orderId}`, {
        headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      });
      expect(response.status).toBe(200);
      const services = ['gateway', 'order-service', 'user-service'];
      const lines = await waitFor(
        async () => {
          const found = await linesOfTrace(traceId);
          const seen = new Set(found.map((line) => valueAtPath(line, 'service.name')));
          return services.every((s) => seen.has(s)) ? found : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: `the lines of trace ${traceId} in OpenSearch` },
      );
      const seconds = (Date.now() - sent) / 1000;
      console.log(
        `trace ${traceId}: lines of all three services searchable after ${seconds.toFixed(1)} s`,
      );
      for (const line of lines) {
        // Expanded as Filebeat's expand_keys does, with the data_stream fields Logstash syncs.
        expect(Object.keys(line).filter((key) => key.includes('.'))).toEqual([]);
        expect(line['data_stream']).toEqual({
          type: 'logs',
          dataset: 'mesh',
          namespace: 'default',
        });
      }
      // trace.id is a keyword in the data stream's backing index: the template applied.
      const mapping = (await getJson<Record<string, { mappings: JsonObject }>>(
        `${opensearch()}/${dataStream}/_mapping/field/trace.id`,
      )) as Record<string, { mappings: Record<string, { mapping: { id: { type: string } } }> }>;
      expect(Object.values(mapping)[0]?.mappings['trace.id']?.mapping.id.type).toBe('keyword');
    });

    it('stops with the rest on Ctrl-C, leaving no OpenSearch behind', async () => {
      const pid = backends.pids['opensearch'] as number;
      expect(await backends.stop('SIGINT')).toBe(0);
      expect(backends.output()).toContain('backends: all stopped');
      expect(backends.output()).toMatch(/backends: logs: [1-9]\d* line\(s\) shipped, 0 dropped/);
      expect(isAlive(pid)).toBe(false);
      expect(await isPortFree(backends.ports.opensearch)).toBe(true);
    });
  },
);
