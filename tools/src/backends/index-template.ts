import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from './expand-keys';
import { isJsonObject } from './expand-keys';

/** The name infra/elk/kibana/setup.sh installs the stack's index template under. */
export const INDEX_TEMPLATE_NAME = 'logs-mesh';

/** infra/elk/elasticsearch/index-template.json: `_meta.elasticsearch_only` lists dotted paths. */
export type IndexTemplate = JsonObject & { _meta: { elasticsearch_only: string[] } };

/** The stack's index template as Elasticsearch gets it (infra/elk/elasticsearch/index-template.json). */
export function readIndexTemplate(repoRoot: string): IndexTemplate {
  const file = join(repoRoot, 'infra', 'elk', 'elasticsearch', 'index-template.json');
  return JSON.parse(readFileSync(file, 'utf8')) as IndexTemplate;
}

/**
 * The template OpenSearch (standing in for Elasticsearch) takes: a copy without exactly the keys
 * its `_meta.elasticsearch_only` lists (e.g. `template.lifecycle`, Elasticsearch's data stream
 * retention, which OpenSearch does its own way). Throws when a listed key is not there, so the
 * list cannot go stale. The input is not changed.
 */
export function stripElasticsearchOnly(template: IndexTemplate): JsonObject {
  const copy = structuredClone(template);
  for (const path of template._meta.elasticsearch_only) {
    const segments = path.split('.');
    const leaf = segments.pop() as string;
    let node: unknown = copy;
    for (const segment of segments) node = isJsonObject(node) ? node[segment] : undefined;
    if (!isJsonObject(node) || !(leaf in node)) throw new Error(`the template has no ${path}`);
    delete node[leaf];
  }
  return copy;
}

/**
 * The data stream the Logstash output names (`data_stream_type`-`data_stream_dataset`-
 * `data_stream_namespace` of infra/elk/logstash/pipeline/mesh.conf): `logs-mesh-default`.
 */
export function logstashDataStream(repoRoot: string): string {
  const pipeline = readFileSync(
    join(repoRoot, 'infra', 'elk', 'logstash', 'pipeline', 'mesh.conf'),
    'utf8',
  );
  const parts = ['data_stream_type', 'data_stream_dataset', 'data_stream_namespace'].map(
    (name) => new RegExp(`${name}\\s*=>\\s*"([^"]+)"`).exec(pipeline)?.[1],
  );
  if (parts.some((part) => !part)) {
    throw new Error(
      'infra/elk/logstash/pipeline/mesh.conf names no data_stream_type/dataset/namespace',
    );
  }
  return parts.join('-');
}

/**
 * PUTs the stack's template, stripped of its Elasticsearch-only keys, as `logs-mesh` — what
 * kibana-setup does against Elasticsearch in compose. Rejects with OpenSearch's answer if refused.
 */
export async function installIndexTemplate(
  url: string,
  repoRoot: string,
  timeoutMs = 30_000,
): Promise<void> {
  const response = await fetch(`${url}/_index_template/${INDEX_TEMPLATE_NAME}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(stripElasticsearchOnly(readIndexTemplate(repoRoot))),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) {
    throw new Error(
      `index template ${INDEX_TEMPLATE_NAME} refused (HTTP ${response.status}): ${(await response.text()).slice(0, 500)}`,
    );
  }
}
