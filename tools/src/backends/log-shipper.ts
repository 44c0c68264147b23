import type { JsonObject } from './expand-keys';
import { expandKeys } from './expand-keys';

/** Options of {@link shipLogLines}. */
export interface ShipLogLinesOptions {
  /** Base URL of the search engine, e.g. `http://127.0.0.1:9200`. */
  url: string;
  /** The data stream to create documents in, `<type>-<dataset>-<namespace>` (e.g. `logs-mesh-default`). */
  dataStream: string;
  /** The log lines as the services wrote them (dotted keys are expanded here). */
  lines: readonly JsonObject[];
  /** Per request timeout in milliseconds. Default 30000. */
  timeoutMs?: number;
}

/**
 * Does what Filebeat and Logstash do to a mesh log line on its way to the search engine, without
 * them: expands the dotted keys as Filebeat's `expand_keys` does, adds the `data_stream.*` fields
 * the Logstash output syncs (`data_stream_sync_fields`), and indexes everything with one `_bulk`
 * of `create` actions (data streams accept only `create`), then refreshes so the lines are
 * searchable at once. Rejects when any line was refused, naming the first reasons.
 */
export async function shipLogLines(options: ShipLogLinesOptions): Promise<number> {
  const { url, dataStream, lines, timeoutMs = 30_000 } = options;
  const [type, dataset, namespace] = dataStream.split('-');
  if (!type || !dataset || !namespace) {
    throw new Error(`${dataStream} is not a data stream name of the form type-dataset-namespace`);
  }
  if (lines.length === 0) return 0;
  const body = lines
    .flatMap((line) => [
      JSON.stringify({ create: { _index: dataStream } }),
      JSON.stringify({ ...expandKeys(line), data_stream: { type, dataset, namespace } }),
    ])
    .join('\n');
  const response = await fetch(`${url}/_bulk?refresh=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: `${body}\n`,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const answer = (await response.json()) as {
    errors?: boolean;
    items?: { create?: { status: number; error?: unknown } }[];
  };
  if (!response.ok || answer.errors) {
    const refused = (answer.items ?? []).filter((item) => (item.create?.status ?? 500) >= 300);
    throw new Error(
      `_bulk into ${dataStream} refused ${refused.length} of ${lines.length} lines (HTTP ${response.status}): ` +
        JSON.stringify(refused.slice(0, 3).map((item) => item.create?.error)),
    );
  }
  return lines.length;
}
